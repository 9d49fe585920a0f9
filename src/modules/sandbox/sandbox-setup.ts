import type { AppConfig } from '../../config/config';
import type { StoredSecretsService } from '../crypto/stored-secrets.service';
import { SandboxKeyMaterial, createSandboxKeyMaterial, sandboxConfigForKeys } from './sandbox-keys.util';
import type { SandboxConfig } from './sandbox.config';

const SANDBOX_KEYS_SECRET = 'sandbox_key_material';

/**
 * The simulators' keys are generated on first boot and kept (encrypted) in
 * the database, so the API, the workers and restarts all agree on them.
 */
export function sandboxKeys(secrets: StoredSecretsService): Promise<SandboxKeyMaterial> {
  return secrets.getOrCreateJson(SANDBOX_KEYS_SECRET, createSandboxKeyMaterial);
}

/** Where the simulators are served: a separate process (SANDBOX_URL) or this app. */
export function sandboxBaseUrl(config: AppConfig): string {
  return config.sandbox.url ?? config.publicBaseUrl;
}

/** The simulators' own config; their payer pages and download links are under `sandboxBaseUrl`. */
export async function sandboxConfigFor(config: AppConfig, secrets: StoredSecretsService): Promise<SandboxConfig> {
  const sandbox = sandboxConfigForKeys(await sandboxKeys(secrets), sandboxBaseUrl(config), {
    callbackTimeCompression: config.sandbox.timeCompression,
    hangMs: config.sandbox.hangMs,
  });
  // Stripe sends webhooks to registered endpoints, not to a per-request notify_url: the sandbox account has Paygrid's.
  return { ...sandbox, stripe: { ...sandbox.stripe, webhookUrl: `${config.publicBaseUrl}/callbacks/stripe` } };
}
