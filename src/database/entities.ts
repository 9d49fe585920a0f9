/**
 * Every TypeORM entity: each module declares its own tables (`<module>.entities.ts`)
 * and this list, at the top of the house, concatenates them. Add a module's list
 * here together with its migration.
 */
import { ADMIN_ENTITIES } from '../modules/admin/admin.entities';
import { CRYPTO_ENTITIES } from '../modules/crypto/crypto.entities';
import { LEDGER_ENTITIES } from '../modules/ledger/ledger.entities';
import { MERCHANTS_ENTITIES } from '../modules/merchants/merchants.entities';
import { PAYMENTS_ENTITIES } from '../modules/payments/payments.entities';
import { VAULT_ENTITIES } from '../modules/vault/vault.entities';
import { NOTIFICATIONS_ENTITIES } from '../modules/notifications/notifications.entities';
import { AUTH_ENTITIES } from '../modules/auth/auth.entities';
import { CHECKOUT_ENTITIES } from '../modules/checkout/checkout.entities';
import { SETTLEMENTS_ENTITIES } from '../modules/settlements/settlements.entities';

export const ENTITIES = [
  ...ADMIN_ENTITIES,
  ...CRYPTO_ENTITIES,
  ...LEDGER_ENTITIES,
  ...MERCHANTS_ENTITIES,
  ...PAYMENTS_ENTITIES,
  ...VAULT_ENTITIES,
  ...NOTIFICATIONS_ENTITIES,
  ...AUTH_ENTITIES,
  ...SETTLEMENTS_ENTITIES,
  ...CHECKOUT_ENTITIES,
];
