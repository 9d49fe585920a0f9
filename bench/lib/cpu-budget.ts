import { readFileSync } from 'node:fs';

/**
 * The CPU budget of one request, by stage (issue 15): a V8 CPU profile of the API during a scenario, each sample
 * given to the stage of the deepest frame that names one, scaled to the CPU the process really used per request
 * (from /proc, which counts GC helper threads and native work the sampler misses).
 *
 * Walking from the leaf up matters: `JSON.stringify` called by the idempotency repository is idempotency work,
 * a pg driver frame under any repository is SQL. Samples whose stack names no stage are "other".
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface StageRow {
  stage: string;
  /** Share of the sampled on-CPU time. */
  share: number;
  /** µs per request: share × the measured CPU per request. */
  us?: number;
}

/** Stage of one frame, or undefined when the frame says nothing (a native builtin, an anonymous closure). */
const RULES: Array<[stage: string, test: (url: string, fn: string) => boolean]> = [
  ['GC', (_u, fn) => fn === '(garbage collector)'],
  ['SQL (pg driver, sockets to PostgreSQL)', (u) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//.test(u)],
  ['SQL building (TypeORM)', (u) => u.includes('node_modules/typeorm/')],
  ['provider call (HTTP client, adapter)', (u) => /node_modules\/undici\/|src\/modules\/providers\//.test(u)],
  ['response signing', (u) => u.includes('response-signing')],
  ['replay check (nonce)', (u) => /src\/modules\/auth\/auth\.repository/.test(u)],
  ['idempotency', (u) => /src\/modules\/auth\/idempoten/.test(u)],
  ['authenticate (signature, key)', (u) => /src\/modules\/auth\/|node_modules\/jose\//.test(u)],
  [
    'validate (DTOs, input guard)',
    (u) => /node_modules\/(class-validator|class-transformer|validator)\/|validation\.pipe|input-guard/.test(u),
  ],
  [
    'logging',
    (u) => /node_modules\/(pino|pino-http|nestjs-pino|sonic-boom|pino-std-serializers)\/|logging\.ts/.test(u),
  ],
  ['metrics', (u) => /node_modules\/prom-client\/|observability\/metrics|server-timing/.test(u)],
  ['parse (body, headers)', (u) => /node_modules\/(body-parser|raw-body|iconv-lite|content-type|type-is|qs)\//.test(u)],
  ['load shedding', (u) => u.includes('load-shedder')],
  [
    'service (domain code)',
    (u) => /src\/modules\/(payments|merchants|ledger|notifications|checkout|settlements)\/|src\/common\//.test(u),
  ],
  [
    'framework (Nest, Express, rxjs)',
    (u) =>
      /node_modules\/(@nestjs\/[^/]+|express|router|helmet|finalhandler|send|rxjs|reflect-metadata|path-to-regexp)\//.test(
        u,
      ),
  ],
  ['HTTP server and sockets (node core)', (u) => /^node:(_http|http|net|stream|internal\/(http|net|stream))/.test(u)],
];

function stageOf(node: ProfileNode): string | undefined {
  const { url, functionName } = node.callFrame;
  for (const [stage, test] of RULES) if (test(url, functionName)) return stage;
  return undefined;
}

/** Leaf-up attribution of a profile's on-CPU samples (idle excluded), as shares that sum to 1. */
export function stageShares(profile: CpuProfile): Map<string, number> {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const memo = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = memo.get(id);
    if (known) return known;
    let stage: string | undefined;
    for (let n: ProfileNode | undefined = byId.get(id); n && !stage; n = parent.get(n.id)) stage = stageOf(n);
    const s = stage ?? 'other (V8 builtins, unattributed)';
    memo.set(id, s);
    return s;
  };
  const time = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])!;
    if (node.callFrame.functionName === '(idle)') continue;
    const dt = profile.timeDeltas[i] ?? 0;
    const stage = resolve(node.id);
    time.set(stage, (time.get(stage) ?? 0) + dt);
    total += dt;
  }
  return new Map([...time].map(([k, v]) => [k, total ? v / total : 0]));
}

/** The budget table rows, largest first; `cpuMsPerRequest` (measured) turns shares into µs. */
export function cpuBudget(profilePath: string, cpuMsPerRequest?: number): StageRow[] {
  const shares = stageShares(JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile);
  return [...shares]
    .sort((a, b) => b[1] - a[1])
    .map(([stage, share]) => ({
      stage,
      share,
      us: cpuMsPerRequest === undefined ? undefined : Math.round(share * cpuMsPerRequest * 1000),
    }));
}

export function budgetTable(title: string, rows: StageRow[]): string {
  const lines = [`${title}`, '| stage | share | µs per request |', '|---|---|---|'];
  for (const r of rows)
    lines.push(
      `| ${r.stage} | ${(r.share * 100).toFixed(1)} % | ${r.us === undefined ? '–' : r.us.toLocaleString('en-US')} |`,
    );
  return lines.join('\n');
}
