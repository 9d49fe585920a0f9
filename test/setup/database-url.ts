/**
 * Which PostgreSQL the tests use: DATABASE_URL when set (CI points it at the
 * machine's server), otherwise the embedded PostgreSQL started by the global
 * setup. Each test file gets its own database cloned from a migrated template.
 */
/** Unique per run, so parallel runs (several developers, CI) never clone each other's template. */
export function templateDb(): string {
  const name = process.env.PAYGRID_TEST_TEMPLATE_DB;
  if (!name) throw new Error('No template database: global setup did not run');
  return name;
}

export function adminUrl(): string {
  const url = process.env.PAYGRID_TEST_ADMIN_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('No database for tests: global setup did not run');
  return url;
}

export function urlForDatabase(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}
