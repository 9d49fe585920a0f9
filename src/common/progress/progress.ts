/**
 * How far a long operator command has got (keys:reencrypt, reconcile). The service says where it is; the CLI
 * prints it on stderr, so stdout keeps the command's JSON result for scripts. `step` lines are throttled (one a
 * second at most: a re-encryption of a million values would otherwise print two thousand), `note` lines always
 * show (a stage starts or ends).
 */
export interface Progress {
  step(message: string): void;
  note(message: string): void;
}

export const NO_PROGRESS: Progress = { step: () => undefined, note: () => undefined };

export function printedProgress(
  label: string,
  write: (line: string) => void,
  everyMs = 1000,
  now: () => number = Date.now,
): Progress {
  const started = now();
  let last = -Infinity;
  const print = (message: string) => {
    last = now();
    write(`[${label} ${((last - started) / 1000).toFixed(1)} s] ${message}\n`);
  };
  return {
    step: (message) => {
      if (now() - last >= everyMs) print(message);
    },
    note: print,
  };
}

/** "1,500 / 4,000 (37 %)" */
export function fraction(done: number, total: number): string {
  const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} (${pct} %)`;
}
