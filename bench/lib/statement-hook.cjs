'use strict';
/**
 * Preloaded (`node -r`) into the API and worker processes of `npm run bench`:
 * counts the SQL statements the process sends through `pg` (every TypeORM
 * pool connection; not the config listener's LISTEN connection) and the
 * commits among them (each autocommit statement, each COMMIT). On SIGURG it
 * writes `{"statements":…,"commits":…,"seq":…}` to `<BENCH_STATEMENTS_FILE>.<pid>`
 * (a cluster's HTTP processes load it too, each with its own file),
 * so the bench reads the counts before and after a scenario. SIGURG because
 * its default is to be ignored and nothing else here uses it: Nest's shutdown
 * hooks stop the worker on SIGUSR2, and SIGUSR1 starts Node's inspector. Plain
 * JavaScript, so the compiled build needs no TypeScript loader for it.
 */
const { writeFileSync } = require('node:fs');
const { Client } = require('pg');

const file = process.env.BENCH_STATEMENTS_FILE;
if (file) {
  const BEGIN = /^\s*(BEGIN|START TRANSACTION)\b/i;
  const END = /^\s*(COMMIT|ROLLBACK|END)\b/i;
  const counts = { statements: 0, commits: 0, seq: 0 };
  const inTx = new WeakSet();
  const query = Client.prototype.query;
  Client.prototype.query = function (config, ...rest) {
    if (this.connectionParameters?.application_name !== 'paygrid-config-listener') {
      const text = typeof config === 'string' ? config : (config && config.text) || '';
      counts.statements++;
      if (BEGIN.test(text)) inTx.add(this);
      else if (END.test(text)) {
        inTx.delete(this);
        if (/^\s*(COMMIT|END)/i.test(text)) counts.commits++;
      } else if (!inTx.has(this)) counts.commits++;
    }
    return query.call(this, config, ...rest);
  };
  process.on('SIGURG', () => {
    counts.seq++;
    writeFileSync(`${file}.${process.pid}`, JSON.stringify(counts));
  });
}
