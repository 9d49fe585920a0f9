import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configTable } from '../../scripts/config-table';

/** The README's configuration table is generated from the config schema; it changes only with it. */
describe('README', () => {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

  it('has the current configuration table (npm run -s config:table)', () => {
    const between = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme);
    expect(between?.[1].trim()).toBe(configTable());
  });

  it('names the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
