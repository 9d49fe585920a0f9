import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/config';
import { baseDataSourceOptions } from '../../persistence/data-source-options';
import { CRYPTO_ENTITIES } from '../crypto/crypto.entities';
import { sqlState } from '../../persistence/transaction.util';
import { loadKeyRing } from '../crypto/key-ring.loader';
import { StoredSecretsService } from '../crypto/stored-secrets.service';
import { sandboxConfigFor } from './sandbox-setup';
import { SimulatorServer, serveSimulators } from './sandbox-http-server';

const PG_UNDEFINED_TABLE = '42P01';

/**
 * The simulators as their own process (`npm run start:sandbox`, src/sandbox.ts),
 * the way the real providers are other people's servers: the API then spends
 * nothing on the providers' side of a payment (their signatures, payer pages,
 * callback deliveries). It reads the simulators' keys from the database the
 * API uses, so it needs the same DATABASE_URL and PAYGRID_DATA_KEYS; it waits
 * for the API's migrations if it starts first.
 */
export async function startSandboxProcess(
  config: AppConfig,
  opts: { waitForSchemaMs?: number } = {},
): Promise<SimulatorServer> {
  if (config.mode !== 'sandbox')
    throw new Error('The simulator process runs in sandbox mode only (PAYGRID_MODE=sandbox)');
  if (!config.database.url) throw new Error('The simulator process shares the API database: set DATABASE_URL');
  const ownUrl = config.sandbox.url ?? `http://127.0.0.1:${config.sandbox.port}`;
  const dataSource = await new DataSource(
    baseDataSourceOptions(
      config.database.url,
      { entities: CRYPTO_ENTITIES },
      { poolSize: 1, applicationName: 'paygrid-sandbox' },
    ),
  ).initialize();
  try {
    const secrets = new StoredSecretsService(dataSource, loadKeyRing(config));
    const deadline = Date.now() + (opts.waitForSchemaMs ?? 120_000);
    for (;;) {
      try {
        const sandbox = await sandboxConfigFor({ ...config, sandbox: { ...config.sandbox, url: ownUrl } }, secrets);
        return await serveSimulators(sandbox, config.sandbox.port, config.host);
      } catch (err) {
        if (sqlState(err) !== PG_UNDEFINED_TABLE || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    // The keys are read once; the simulators keep their state in memory, as before.
    await dataSource.destroy();
  }
}
