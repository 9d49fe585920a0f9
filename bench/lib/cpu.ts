import { readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** The process and all its descendants (a `node:cluster` primary and its HTTP processes), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const children = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (children) out.push(...children.split(/\s+/).map(Number));
    } catch {
      // exited
    }
  }
  return out;
}

/** CPU seconds of a process and its descendants that are alive now. */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + processCpuSeconds(p), 0);
}

/** Busy and total jiffies of the whole machine. */
export function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuReading {
  /** % of one core per watched process, `bench` for this process, `machine` in % of all cores. */
  pct: Record<string, number>;
  /** CPU seconds per watched process. */
  seconds: Record<string, number>;
}

/**
 * CPU used during a scenario: per watched process (with its descendants) in % of one core, and
 * the machine's busy share in % of all cores (PostgreSQL and RabbitMQ are
 * the rest).
 */
export function cpuMeter(pids: Record<string, number>): () => CpuReading {
  const start = {
    procs: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, treeCpuSeconds(pid)])),
    self: process.cpuUsage(),
    machine: machineTicks(),
    at: Date.now(),
  };
  return () => {
    const seconds = (Date.now() - start.at) / 1000;
    const out: Record<string, number> = {};
    const used: Record<string, number> = {};
    for (const [k, pid] of Object.entries(pids)) {
      used[k] = treeCpuSeconds(pid) - start.procs[k];
      out[k] = Math.round((100 * used[k]) / seconds);
    }
    const self = process.cpuUsage(start.self);
    out.bench = Math.round((self.user + self.system) / 1e4 / seconds);
    const m = machineTicks();
    out.machine = Math.round((100 * (m.busy - start.machine.busy)) / Math.max(1, m.total - start.machine.total));
    return { pct: out, seconds: used };
  };
}
