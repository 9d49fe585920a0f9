/**
 * Every TypeORM entity, listed explicitly (no globs, so the same list works
 * from src/ under swc and from dist/). Each module owns its tables; add a
 * module's entities here together with its migration.
 */
import { AdminToken } from '../modules/admin/entities/admin-token.entity';
import { AuditLogEntry } from '../modules/admin/entities/audit-log-entry.entity';
import { StoredSecret } from '../modules/crypto/entities/stored-secret.entity';
import { LedgerAccount } from '../modules/ledger/entities/ledger-account.entity';
import { LedgerEntry } from '../modules/ledger/entities/ledger-entry.entity';
import { LedgerPosting } from '../modules/ledger/entities/ledger-posting.entity';
import { App } from '../modules/merchants/entities/app.entity';
import { Payment } from '../modules/payments/entities/payment.entity';
import { PaymentTransition } from '../modules/payments/entities/payment-transition.entity';
import { ProviderCallback } from '../modules/payments/entities/provider-callback.entity';
import { Refund } from '../modules/payments/entities/refund.entity';
import { CardToken } from '../modules/vault/entities/card-token.entity';
import { AppKey } from '../modules/merchants/entities/app-key.entity';
import { Merchant } from '../modules/merchants/entities/merchant.entity';
import { DeadLetter } from '../modules/notifications/entities/dead-letter.entity';
import { EventRecord } from '../modules/notifications/entities/event.entity';
import { EventSequence } from '../modules/notifications/entities/event-sequence.entity';
import { InboxEntry } from '../modules/notifications/entities/inbox-entry.entity';
import { WebhookAttempt } from '../modules/notifications/entities/webhook-attempt.entity';
import { WebhookDelivery } from '../modules/notifications/entities/webhook-delivery.entity';
import { WebhookEndpointState } from '../modules/notifications/entities/webhook-endpoint-state.entity';
import { IdempotencyKey } from '../modules/auth/entities/idempotency-key.entity';
import { PlatformKey } from '../modules/auth/entities/platform-key.entity';
import { RequestNonce } from '../modules/auth/entities/request-nonce.entity';
import { Payout } from '../modules/settlements/entities/payout.entity';
import { ReconciliationItem } from '../modules/settlements/entities/reconciliation-item.entity';
import { ReconciliationReport } from '../modules/settlements/entities/reconciliation-report.entity';
import { Settlement } from '../modules/settlements/entities/settlement.entity';
import { SettlementLine } from '../modules/settlements/entities/settlement-line.entity';

export const ENTITIES = [
  AdminToken, AuditLogEntry, Merchant, App, AppKey, LedgerAccount, LedgerEntry, LedgerPosting, RequestNonce, IdempotencyKey, PlatformKey,
  EventRecord,
  EventSequence,
  InboxEntry,
  DeadLetter,
  WebhookDelivery,
  WebhookAttempt,
  WebhookEndpointState,
  Payment,
  Refund,
  PaymentTransition,
  ProviderCallback,
  CardToken,
  StoredSecret,
  Settlement,
  SettlementLine,
  Payout,
  ReconciliationReport,
  ReconciliationItem,
];
