import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Preloaded into a benchmarked process when BENCH_PROFILE is set: the first
 * SIGWINCH starts the V8 CPU profiler, the second writes
 * `<BENCH_PROFILE_DIR>/<name>-<n>.cpuprofile` (open it in Chrome DevTools or
 * summarise it with bench/profile-summary.ts). `--cpu-prof` alone would
 * profile boot as well and is lost when Nest re-raises SIGTERM.
 */
const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (!err)
        writeFileSync(
          join(dir, `${process.env.BENCH_PROFILE_NAME ?? 'proc'}-${++n}.cpuprofile`),
          JSON.stringify(result.profile),
        );
    });
  });
}
