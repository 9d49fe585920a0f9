import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (from BENCH_PROFILE=<scenario> npm run bench):
 * self time by function and by package / source area, top N.
 *
 *   node -r @swc-node/register bench/profile-summary.ts bench/results/profiles-<run>/api-1.cpuprofile [N]
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function summarizeProfile(path: string, top = 25): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
    fn.set(
      `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim(),
      (fn.get(`${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim()) ?? 0) + us,
    );
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
      (file.startsWith('src/')
        ? file.split('/').slice(0, 3).join('/')
        : file
          ? file.startsWith('node:')
            ? 'node core'
            : file
          : functionName || '(native)');
    area.set(pkg, (area.get(pkg) ?? 0) + us);
  }
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return `${path}: ${(total / 1e6).toFixed(1)} s sampled\nby area (self time):\n${fmt(area)}\nby function (self time):\n${fmt(fn)}\n`;
}

if (require.main === module) {
  process.stdout.write(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25)));
}
