import { ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { processTree } from './cpu';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** A Paygrid (or bench) process started with the same loader as `npm start`. */
export interface NodeChild {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Peak resident set size so far (kernel VmHWM), in MB. */
  peakRssMb(): number;
  /** Asks a process started with BENCH_PROFILE_DIR to start / stop-and-write its CPU profile. */
  toggleProfile(): void;
  /** SQL statements and commits the process has sent so far (started with `statementsFile`), else undefined. */
  sqlCounts(): Promise<SqlCounts | undefined>;
  stop(): Promise<void>;
}

export interface SqlCounts {
  statements: number;
  commits: number;
}

/**
 * Spawns `node <script>` with its stdout and stderr in a log file (pino
 * writes its request logs there, as it would to a file or a collector in
 * production). A compiled script (`dist/…js`, what the Docker image runs)
 * starts as plain node; a `.ts` one with `-r @swc-node/register`, as
 * `npm start` does. With BENCH_PROFILE set, the process also loads
 * bench/lib/profile-hook.ts, which records a CPU profile between two
 * SIGWINCH signals. With `statementsFile`, it loads bench/lib/statement-hook.cjs,
 * which counts the SQL statements the process sends.
 */
export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  logFile: string,
  profileDir?: string,
  statementsFile?: string,
): NodeChild {
  const log = openSync(logFile, 'a');
  const args = script.endsWith('.ts') || profileDir ? ['-r', '@swc-node/register'] : [];
  if (profileDir) args.push('-r', resolve(REPO_ROOT, 'bench/lib/profile-hook.ts'));
  if (statementsFile) args.push('-r', resolve(REPO_ROOT, 'bench/lib/statement-hook.cjs'));
  args.push(resolve(REPO_ROOT, script));
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      ...(profileDir ? { BENCH_PROFILE_DIR: profileDir, BENCH_PROFILE_NAME: name } : {}),
      ...(statementsFile ? { BENCH_STATEMENTS_FILE: statementsFile } : {}),
    },
    stdio: ['ignore', log, log],
  });
  proc.on('exit', (code, signal) => {
    if (!stopping)
      process.stderr.write(`[bench] ${name} (pid ${proc.pid}) exited unexpectedly: code ${code}, signal ${signal}\n`);
  });
  let stopping = false;
  let lastPeak = 0;
  const peakRssMb = (): number => {
    try {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      lastPeak = Math.max(lastPeak, Math.round(kb / 1024));
    } catch {
      // exited: keep the last reading
    }
    return lastPeak;
  };
  return {
    name,
    proc,
    pid: proc.pid!,
    peakRssMb,
    toggleProfile: () => proc.kill('SIGWINCH'),
    async sqlCounts() {
      if (!statementsFile || proc.exitCode !== null) return undefined;
      // Each process of the tree (a cluster's HTTP processes too) answers SIGURG with its own file.
      const pids = processTree(proc.pid!);
      const read = (pid: number) => {
        try {
          return JSON.parse(readFileSync(`${statementsFile}.${pid}`, 'utf8')) as SqlCounts & { seq: number };
        } catch {
          return undefined;
        }
      };
      const before = new Map(pids.map((pid) => [pid, read(pid)?.seq ?? 0]));
      for (const pid of pids) process.kill(pid, 'SIGURG');
      const deadline = Date.now() + 5000;
      for (;;) {
        const now = pids.map(read);
        if (now.every((c, i) => c && c.seq > before.get(pids[i])!))
          return now.reduce<SqlCounts>(
            (sum, c) => ({ statements: sum.statements + c!.statements, commits: sum.commits + c!.commits }),
            { statements: 0, commits: 0 },
          );
        if (Date.now() > deadline) return undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      peakRssMb();
      stopping = true;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until `url` answers (any status) or the child exits. */
export async function waitForHttp(child: NodeChild, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null)
      throw new Error(`${child.name} exited with code ${child.proc.exitCode} before it answered (see its log)`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${child.name} did not answer at ${url} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Resolves when the child's log contains `text`. */
export async function waitForLog(child: NodeChild, logFile: string, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readFileSync(logFile, 'utf8').includes(text)) {
    if (child.proc.exitCode !== null)
      throw new Error(`${child.name} exited with code ${child.proc.exitCode} (see ${logFile})`);
    if (Date.now() > deadline)
      throw new Error(`${child.name} did not log '${text}' within ${timeoutMs} ms (see ${logFile})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
