import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withErrorTable } from '../src/common/errors/error-table';
import { openApiJson } from './openapi-document';

/** Writes openapi.json, the committed contract, and docs/api.md's error table (`npm run openapi`). */
async function main(): Promise<void> {
  const file = resolve(__dirname, '..', 'openapi.json');
  writeFileSync(file, await openApiJson());
  process.stdout.write(`wrote ${file}\n`);
  const api = resolve(__dirname, '..', 'docs', 'api.md');
  writeFileSync(api, withErrorTable(readFileSync(api, 'utf8')));
  process.stdout.write(`wrote the error table of ${api}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
