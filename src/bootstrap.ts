import 'reflect-metadata';
import { AppConfig, loadConfig } from './config/config';
import { ConfigError } from './config/config.schema';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * Loads and validates the config, refusing to start on a bad value, and
 * starts the embedded PostgreSQL when DATABASE_URL is unset. `notices` takes
 * the lines about it: the CLI sends them to stderr, so its stdout stays JSON.
 */
export async function resolveConfig(
  env: NodeJS.ProcessEnv = process.env,
  notices: NodeJS.WritableStream = process.stdout,
): Promise<AppConfig> {
  const config = loadConfigOrExit(env);
  if (!config.database.url) {
    const embedded = await startEmbeddedPostgres(config.dataDir, config.database.embeddedPort, notices);
    config.database.url = embedded.url;
    notices.write(`No DATABASE_URL: using the embedded PostgreSQL in ${config.dataDir}/pg (port ${embedded.port})\n`);
  }
  return config;
}

/** The config, or exit 78 (EX_CONFIG) naming every bad variable (values of secrets are never echoed). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
