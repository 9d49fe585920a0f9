import { resolveConfig } from './bootstrap';
import { createHttpApp } from './app.factory';

/** The HTTP API; with PAYGRID_ROLE=all (the default) the workers run in this process too. */
async function main(): Promise<void> {
  const config = await resolveConfig();
  const app = await createHttpApp(config);
  await app.listen(config.port, config.host);
  process.stdout.write(`Paygrid API listening on ${config.publicBaseUrl} (Swagger UI: ${config.publicBaseUrl}/docs, mode: ${config.mode}, role: ${config.role})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Paygrid failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
