import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiJson } from './openapi-document';

/** Writes openapi.json, the committed contract (`npm run openapi`). */
async function main(): Promise<void> {
  const file = resolve(__dirname, '..', 'openapi.json');
  writeFileSync(file, await openApiJson());
  process.stdout.write(`wrote ${file}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
