import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { http, waitFor } from '../../utils/http';

const ROOT = resolve(__dirname, '../../..');

/**
 * A Paygrid API (src/main.ts, role api) or worker (src/worker.ts) as a real child process, the way an operator runs
 * them apart, so a test can SIGKILL it mid-work and start it again on the same port and database.
 */
export class PaygridProcess {
  private child?: ChildProcess;
  private output = '';

  constructor(
    readonly kind: 'api' | 'worker',
    private readonly env: Record<string, string>,
    readonly port?: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until it serves (API: /health/live answers; worker: its start line). */
  async start(timeoutMs = 90_000): Promise<void> {
    this.output = '';
    const entry = this.kind === 'api' ? 'src/main.ts' : 'src/worker.ts';
    const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...this.env,
        ...(this.kind === 'api' ? { PAYGRID_ROLE: 'api', PORT: String(this.port) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.stderr!.on('data', (d) => (this.output = (this.output + d.toString()).slice(-20_000)));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.kind} exited ${child.exitCode}: ${this.output}`);
        if (this.kind === 'worker') return this.output.includes('Paygrid worker started');
        return (await http('GET', `${this.url}/health/live`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs, intervalMs: 100, what: `the ${this.kind} process to start` },
    );
  }

  /** SIGKILL: no shutdown hook runs, in-flight work is cut where it stands. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((r) => {
      child.once('exit', () => r());
      child.kill('SIGKILL');
    });
  }

  get log(): string {
    return this.output;
  }
}
