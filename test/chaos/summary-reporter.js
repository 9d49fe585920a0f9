// Prints the table of scenario figures at the end of `npm run test:chaos`. Each scenario appends one JSON row to
// the file named by PAYGRID_CHAOS_SUMMARY (test/chaos/kit/summary.ts); the global setup creates it for the run.
const fs = require('node:fs');

const COLUMNS = ['scenario', 'load', 'fault', 'accepted', 'lost', 'duplicated', 'recovered_s'];
const HEADINGS = ['scenario', 'load', 'fault', 'accepted', 'lost', 'duplicated', 'recovered in s'];

function table(rows) {
  const cells = rows.map((r) => COLUMNS.map((c) => (r[c] === undefined || r[c] === null ? '—' : String(r[c]))));
  const line = (values) => `| ${values.join(' | ')} |`;
  return [line(HEADINGS), line(HEADINGS.map(() => '---')), ...cells.map(line)].join('\n');
}

module.exports = class ChaosSummaryReporter {
  onRunComplete() {
    const file = process.env.PAYGRID_CHAOS_SUMMARY;
    if (!file || !fs.existsSync(file)) return;
    const rows = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    process.stdout.write(
      `\nChaos suite (${rows.length} scenario${rows.length === 1 ? '' : 's'}):\n\n${table(rows)}\n\n`,
    );
    if (process.env.PAYGRID_CHAOS_TABLE) fs.writeFileSync(process.env.PAYGRID_CHAOS_TABLE, `${table(rows)}\n`);
    fs.rmSync(file, { force: true });
  }
};
