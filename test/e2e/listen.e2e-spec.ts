import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { enqueueEvents } from '../utils/events-kit';
import { waitFor } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { TestApp, startTestApp } from '../utils/test-app';

const ROOT = resolve(__dirname, '../..');

/**
 * `npm run cli -- listen --forward-to <url>` (issue 20, `stripe listen`): follows an app's events through the
 * signed events API and forwards each new one to a local URL, signed as Standard Webhooks (checked here with the
 * stock standardwebhooks package), one line per event with the local answer.
 */
describe('listen --forward-to (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let receiver: Server;
  let listener: ChildProcess;
  let out = '';
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const received: Array<{ id: string; type: string }> = [];
  const rejected: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    m = await onboardMerchant(t);
    const verifier = new Webhook(webhookSecret);
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          received.push(
            verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as never,
          );
          res.writeHead(204).end();
        } catch (err) {
          rejected.push((err as Error).message);
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    if (listener && listener.exitCode === null && listener.signalCode === null) {
      listener.kill('SIGKILL');
      await new Promise((r) => listener.once('exit', r));
    }
    receiver?.close();
    await t?.close();
  });

  const cliArgs = (forwardTo: string) => [
    '-r',
    '@swc-node/register',
    'src/cli.ts',
    'listen',
    `--forward-to=${forwardTo}`,
    `--url=${t.baseUrl}`,
    `--app=${m.appId}`,
    `--key=${m.keyId}`,
    `--key-secret=${m.secret}`,
    `--webhook-secret=${webhookSecret}`,
    '--poll-ms=100',
  ];

  it('forwards only the events that arrive after it started, each signed and reported, then stops on SIGINT', async () => {
    const before = await enqueueEvents(t, m, 2);
    const port = (receiver.address() as { port: number }).port;
    listener = spawn(process.execPath, cliArgs(`http://127.0.0.1:${port}/hooks`), {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
    });
    listener.stdout!.on('data', (d) => (out += d.toString()));
    listener.stderr!.on('data', (d) => (out += d.toString()));
    await waitFor(async () => out.includes('Ready: forwarding'), { what: 'the listener to start', timeoutMs: 30_000 });

    const after = await enqueueEvents(t, m, 3, { aggregateId: (i) => `pay_${String(100 + i).padStart(26, '0')}` });
    await waitFor(async () => after.every((e) => received.some((r) => r.id === e.id)), { what: 'the 3 new events' });
    expect(rejected).toEqual([]);
    expect(received.map((r) => r.id).sort()).toEqual(after.map((e) => e.id).sort());
    expect(received.some((r) => before.some((e) => e.id === r.id))).toBe(false);
    // The listener prints a line once the local answer is in: the receiver may have recorded the request first.
    const reported = (id: string) => new RegExp(`payment\\.succeeded\\s+${id}  -> 204 \\(\\d+ ms\\)`).test(out);
    await waitFor(async () => after.every((e) => reported(e.id)), { what: 'a report line for each new event' });

    const exited = new Promise<number | null>((r) => listener.once('exit', (code) => r(code)));
    listener.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('Stopped: 3 event(s) forwarded');
  });

  it('refuses a --forward-to that is not an http(s) URL, with usage and exit 2', () => {
    const run = spawnSync(process.execPath, cliArgs('ftp://127.0.0.1/x'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--forward-to must be an http(s) URL');
  });
});
