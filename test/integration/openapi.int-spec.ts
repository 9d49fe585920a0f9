import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiJson } from '../../scripts/openapi-document';

/** The committed contract changes only on purpose: run `npm run openapi` and commit. */
describe('openapi.json', () => {
  it('is current with the code', async () => {
    const committed = readFileSync(resolve(__dirname, '../../openapi.json'), 'utf8');
    const generated = await openApiJson();
    expect(JSON.parse(generated)).toEqual(JSON.parse(committed));
  });
});
