import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import integrationSetup from '../setup/global-setup';

/** The integration tests' setup (a migrated template database), plus the file the scenarios write their row to. */
export default async function chaosGlobalSetup(): Promise<void> {
  await integrationSetup();
  process.env.PAYGRID_CHAOS_SUMMARY = join(mkdtempSync(join(tmpdir(), 'paygrid-chaos-')), 'summary.jsonl');
}
