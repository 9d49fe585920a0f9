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

/** Busy and total jiffies of the whole machine. */
export function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * CPU used during a scenario: per watched process in % of one core, and
 * the machine's busy share in % of all cores (PostgreSQL and RabbitMQ are
 * the rest).
 */
export function cpuMeter(pids: Record<string, number>) {
  const start = {
    procs: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, processCpuSeconds(pid)])),
    self: process.cpuUsage(),
    machine: machineTicks(),
    at: Date.now(),
  };
  return () => {
    const seconds = (Date.now() - start.at) / 1000;
    const out: Record<string, number> = {};
    for (const [k, pid] of Object.entries(pids))
      out[k] = Math.round((100 * (processCpuSeconds(pid) - start.procs[k])) / seconds);
    const self = process.cpuUsage(start.self);
    out.bench = Math.round((self.user + self.system) / 1e4 / seconds);
    const m = machineTicks();
    out.machine = Math.round((100 * (m.busy - start.machine.busy)) / Math.max(1, m.total - start.machine.total));
    return out;
  };
}
