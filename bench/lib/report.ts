/** One line of the bench table. Latencies in ms; `ceiling` is in the same unit as `throughput`. */
export interface Row {
  scenario: string;
  unit: string;
  throughput?: number;
  p50?: number;
  p99?: number;
  errors?: number;
  /** Paygrid's CPU (API + worker processes, ms) per operation of the scenario. */
  cpuMsPerOp?: number;
  /** SQL statements (and commits) Paygrid sent per operation, e.g. "5.0 (5.0)". */
  sqlPerOp?: string;
  ceiling?: number;
  ceilingName?: string;
  target?: string;
  met?: boolean;
}

const num = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** A Markdown table (readable in a terminal, pasteable into bench/RESULTS.md). */
export function printTable(title: string, rows: Row[]): string {
  const header = [
    'scenario',
    'throughput',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU ms/op',
    'SQL/op (commits)',
    'ceiling',
    'ratio',
    'target',
    'met?',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.throughput === undefined ? '–' : `${num(r.throughput)} ${r.unit}`,
    num(r.p50, 1),
    num(r.p99, 1),
    num(r.errors),
    num(r.cpuMsPerOp, 2),
    r.sqlPerOp ?? '–',
    r.ceiling === undefined ? '–' : `${r.ceilingName ?? ''} ${num(r.ceiling)}`.trim(),
    r.ceiling && r.throughput !== undefined ? `${Math.round((100 * r.throughput) / r.ceiling)} %` : '–',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [title, '', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
