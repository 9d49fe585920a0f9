import { PollingWorker } from './polling-worker';

/** A worker whose passes are scripted: each pass takes the next outcome. */
class ScriptedWorker extends PollingWorker {
  passes = 0;
  constructor(
    private readonly outcomes: Array<'ok' | 'more' | 'fail'>,
    options: { intervalMs: number; concurrency?: number; maxBackoffMs?: number },
  ) {
    super('ScriptedWorker', options);
    this.logger.error = () => undefined;
  }

  async tick(): Promise<'ok' | 'more'> {
    const outcome = this.outcomes[this.passes++] ?? 'ok';
    if (outcome === 'fail') throw new Error('database down');
    return outcome;
  }

  protected override hasMore(result: 'ok' | 'more'): boolean {
    return result === 'more';
  }
}

/** Lets the loop's promise chain run after advancing the fake clock. */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

describe('PollingWorker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('does nothing until started, then runs a pass per interval', async () => {
    const w = new ScriptedWorker([], { intervalMs: 1_000 });
    await advance(5_000);
    expect(w.passes).toBe(0);
    w.start();
    await advance(0);
    expect(w.passes).toBe(1);
    await advance(999);
    expect(w.passes).toBe(1);
    await advance(1);
    expect(w.passes).toBe(2);
    await w.stop();
  });

  it('starts the next pass at once while a pass reports more work', async () => {
    const w = new ScriptedWorker(['more', 'more', 'ok'], { intervalMs: 1_000 });
    w.start();
    await advance(0);
    expect(w.passes).toBe(3);
    await advance(999);
    expect(w.passes).toBe(3);
    await w.stop();
  });

  it('backs off exponentially after failed passes, up to maxBackoffMs, and resets after a success', async () => {
    const w = new ScriptedWorker(['fail', 'fail', 'fail', 'fail', 'ok', 'ok'], { intervalMs: 100, maxBackoffMs: 500 });
    w.start();
    await advance(0);
    expect(w.passes).toBe(1);
    await advance(199); // first back-off: 100 × 2
    expect(w.passes).toBe(1);
    await advance(1);
    expect(w.passes).toBe(2);
    await advance(400); // second: 100 × 4
    expect(w.passes).toBe(3);
    await advance(499); // third would be 800: capped at 500
    expect(w.passes).toBe(3);
    await advance(1);
    expect(w.passes).toBe(4);
    await advance(500); // fourth failure, capped again; then the success
    expect(w.passes).toBe(5);
    await advance(100); // back to the interval
    expect(w.passes).toBe(6);
    await w.stop();
  });

  it('runs a pass soon when nudged, and ignores nudges when not started', async () => {
    const w = new ScriptedWorker([], { intervalMs: 60_000 });
    w.nudge();
    await advance(100);
    expect(w.passes).toBe(0);
    w.start();
    await advance(0);
    expect(w.passes).toBe(1);
    w.nudge();
    await advance(10);
    expect(w.passes).toBe(2);
    await w.stop();
  });

  it('is not pushed back by a stream of nudges', async () => {
    const w = new ScriptedWorker([], { intervalMs: 60_000 });
    w.start();
    await advance(0);
    for (let i = 0; i < 10; i++) {
      w.nudge();
      await advance(1);
    }
    // Debounced, each nudge would push the pass 5 ms further and none would run.
    expect(w.passes).toBeGreaterThanOrEqual(2);
    await w.stop();
  });

  it('runs `concurrency` loops, and no pass after stop', async () => {
    const w = new ScriptedWorker([], { intervalMs: 1_000, concurrency: 3 });
    w.start();
    await advance(0);
    expect(w.passes).toBe(3);
    await w.stop();
    expect(w.isRunning).toBe(false);
    await advance(10_000);
    expect(w.passes).toBe(3);
    w.start();
    await advance(10_000);
    expect(w.passes).toBe(3);
  });
});
