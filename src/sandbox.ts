import 'reflect-metadata';
import { loadConfigOrExit } from './bootstrap';
import { startSandboxProcess } from './modules/sandbox/sandbox-process';

/**
 * The provider simulators as a separate process (README "Running the
 * simulators on their own"). Start the API and workers with SANDBOX_URL
 * pointing here.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const server = await startSandboxProcess(config);
  process.stdout.write(
    `Paygrid sandbox simulators listening on ${server.url} (SANDBOX_URL for the API: ${config.sandbox.url ?? server.url})\n`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`Paygrid sandbox failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
