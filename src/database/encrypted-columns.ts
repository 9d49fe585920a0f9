import type { EncryptedColumn } from '../modules/crypto/encrypted-column';

/**
 * Every column holding key-ring ciphertext, keyed by the row's `id`. The
 * re-encrypt command walks this list; a module that adds an encrypted column
 * adds it here with its migration.
 */
export const ENCRYPTED_COLUMNS: EncryptedColumn[] = [
  { table: 'app_keys', column: 'secret_enc' },
  { table: 'apps', column: 'webhook_secret_enc' },
  { table: 'apps', column: 'previous_webhook_secret_enc' },
  { table: 'platform_keys', column: 'private_key_enc' },
  { table: 'card_tokens', column: 'pan_enc' },
  { table: 'card_tokens', column: 'holder_name_enc' },
  { table: 'stored_secrets', column: 'value_enc' },
  { table: 'merchant_provider_accounts', column: 'app_auth_token_enc' },
  { table: 'merchant_provider_accounts', column: 'app_refresh_token_enc' },
];
