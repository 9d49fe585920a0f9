import { Client } from 'pg';
import { adminUrl, templateDb } from './database-url';

export default async function globalTeardown(): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${templateDb()} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  const stop = (globalThis as { __EMBEDDED_PG_STOP__?: () => Promise<void> }).__EMBEDDED_PG_STOP__;
  if (stop) await stop();
}
