import 'reflect-metadata';
import { loadConfig } from './config/config';
import { ConfigError } from './config/config.schema';
import { startSandboxProcess } from './modules/sandbox/sandbox-process';

/**
 * The provider simulators as a separate process (README "Running the
 * simulators on their own"). Start the API and workers with SANDBOX_URL
 * pointing here.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const server = await startSandboxProcess(config);
  process.stdout.write(`Paygrid sandbox simulators listening on ${server.url} (SANDBOX_URL for the API: ${config.sandbox.url ?? server.url})\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`Paygrid sandbox failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
