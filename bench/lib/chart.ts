import type { Row } from './report';

/**
 * The bench table as a picture (issue 20): each scenario that has a ceiling as a bar of "share of its ceiling",
 * with its target drawn as a mark where the target can be read as a share; and each p99 on a log scale, so 5 ms
 * and 20 s both read. Plain SVG text (no chart library: a few rectangles), so it shows on GitHub and diffs.
 */
export function benchChart(title: string, rows: Row[]): string {
  const W = 900;
  const labelW = 330;
  const barW = W - labelW - 140;
  const rowH = 24;
  const shares = rows.filter((r) => r.ceiling && r.throughput !== undefined);
  const p99s = rows.filter((r) => r.p99 !== undefined && r.p99 > 0);
  const parts: string[] = [];
  let y = 30;
  parts.push(text(12, y, title, 14, 'bold'));

  y += 30;
  parts.push(text(12, y, 'Throughput as a share of its ceiling, measured in the same run (| = target)', 13, 'bold'));
  y += 12;
  const shareMax = Math.max(100, ...shares.map((r) => pct(r)));
  for (const r of shares) {
    const share = pct(r);
    const target = targetShare(r);
    parts.push(text(12, y + 16, r.scenario, 12));
    parts.push(rect(labelW, y + 4, (barW * share) / shareMax, rowH - 8, r.met === false ? '#d9534f' : '#5cb85c'));
    if (target !== undefined) {
      const x = labelW + (barW * Math.min(target, shareMax)) / shareMax;
      parts.push(
        `<line x1="${x.toFixed(1)}" y1="${y + 1}" x2="${x.toFixed(1)}" y2="${y + rowH - 1}" stroke="#222" stroke-width="2"/>`,
      );
    }
    parts.push(
      text(
        labelW + (barW * share) / shareMax + 6,
        y + 16,
        `${Math.round(share)} % (${fmt(r.throughput!)} of ${fmt(r.ceiling!)} ${r.unit})`,
        11,
      ),
    );
    y += rowH;
  }

  y += 24;
  parts.push(text(12, y, 'p99 latency, ms (log scale)', 13, 'bold'));
  y += 12;
  const top = Math.max(10, ...p99s.map((r) => r.p99!));
  const decades = Math.ceil(Math.log10(top));
  const scale = (ms: number) => (barW * Math.max(0, Math.log10(Math.max(ms, 1)))) / decades;
  const axisTop = y;
  for (const r of p99s) {
    parts.push(text(12, y + 16, r.scenario, 12));
    parts.push(rect(labelW, y + 4, scale(r.p99!), rowH - 8, '#428bca'));
    parts.push(text(labelW + scale(r.p99!) + 6, y + 16, `${fmt(r.p99!)} ms`, 11));
    y += rowH;
  }
  for (let d = 0; d <= decades; d++) {
    const x = labelW + (barW * d) / decades;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${axisTop}" x2="${x.toFixed(1)}" y2="${y}" stroke="#ccc" stroke-dasharray="2,3"/>`,
    );
    parts.push(text(x - 8, y + 14, fmt(10 ** d), 10));
  }
  y += 30;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`
  );
}

const pct = (r: Row) => (100 * r.throughput!) / r.ceiling!;

/** "≥ 50 % of A" is a share; "≥ 5,000/s" is a rate, a share of this run's ceiling. Anything else: no mark. */
function targetShare(r: Row): number | undefined {
  const share = /≥\s*([\d,.]+)\s*%/.exec(r.target ?? '');
  if (share) return Number(share[1].replace(/,/g, ''));
  const rate = /≥\s*([\d,.]+)\s*\/s/.exec(r.target ?? '');
  if (rate) return (100 * Number(rate[1].replace(/,/g, ''))) / r.ceiling!;
  return undefined;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const rect = (x: number, y: number, w: number, h: number, fill: string) =>
  `<rect x="${x}" y="${y}" width="${Math.max(1, w).toFixed(1)}" height="${h}" fill="${fill}"/>`;
const text = (x: number, y: number, s: string, size: number, weight = 'normal') =>
  `<text x="${x.toFixed(1)}" y="${y}" font-size="${size}" font-weight="${weight}">${esc(s)}</text>`;
