import { readFileSync, writeFileSync } from 'node:fs';
import { benchChart } from './lib/chart';
import type { Row } from './lib/report';

/**
 * `npm run bench:chart -- [in.json] [out.svg]`: draws a recorded run again (bench/results/latest.json by default,
 * which `npm run bench` writes with its own latest.svg beside it). A recorded run kept in bench/recorded/ is a JSON
 * file of the same shape ({ title, rows }), so RESULTS.md's charts can be redrawn when the drawing changes.
 */
const [input = 'bench/results/latest.json', output = input.replace(/\.json$/, '.svg')] = process.argv.slice(2);
const run = JSON.parse(readFileSync(input, 'utf8')) as { title?: string; table?: string; rows: Row[] };
const title = run.title ?? run.table?.split('\n')[0] ?? input;
writeFileSync(output, benchChart(title, run.rows));
process.stdout.write(`wrote ${output}\n`);
