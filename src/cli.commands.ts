import type { INestApplicationContext } from '@nestjs/common';
import { toAdminTokenResponse } from './modules/admin/admin.mapper';
import { AdminTokensService } from './modules/admin/admin-tokens.service';
import type { Actor } from './modules/admin/audit-log.service';
import { generateDataKey } from './modules/crypto/key-ring.loader';
import { printedProgress } from './common/progress/progress';
import { ENCRYPTED_COLUMNS } from './database/encrypted-columns';
import { ReencryptService } from './modules/crypto/reencrypt.service';
import { toAppResponse, toKeyResponse, toMerchantResponse } from './modules/merchants/merchants.mapper';
import { MerchantsService } from './modules/merchants/merchants.service';
import { toDeliveryResponse } from './modules/notifications/webhooks/webhook-deliveries.mapper';
import { WebhookDeliveriesService } from './modules/notifications/webhooks/webhook-deliveries.service';
import type { Channel } from './modules/providers/provider.port';
import { toReconciliationReport } from './modules/settlements/reconciliation.mapper';
import { ReconciliationService } from './modules/settlements/reconciliation.service';
import { toSettlementResponse } from './modules/settlements/settlements.mapper';
import { SettlementsService } from './modules/settlements/settlements.service';

export interface CliCommand {
  usage: string;
  /** Needs no database (e.g. generating a key). */
  standalone?: boolean;
  run(app: INestApplicationContext, args: string[], flags: Record<string, string>): Promise<unknown>;
}

const CLI: Actor = { actor: 'cli' };

/** Long commands say how far they are on stderr; stdout keeps their JSON result. */
const progressOf = (command: string) => printedProgress(command, (line) => process.stderr.write(line));

function required(flags: Record<string, string>, name: string): string {
  const v = flags[name];
  if (!v || v === 'true') throw new Error(`--${name} is required`);
  return v;
}

/** Each command calls one service method, like a controller would. */
export const CLI_COMMANDS: Record<string, CliCommand> = {
  'token:create': {
    usage: '--name <name> --role admin|viewer   create an admin API token (printed once)',
    async run(app, _args, flags) {
      const role = required(flags, 'role');
      if (role !== 'admin' && role !== 'viewer') throw new Error('--role must be admin or viewer');
      const { token, secret } = await app.get(AdminTokensService).create(CLI, required(flags, 'name'), role);
      return toAdminTokenResponse(token, secret);
    },
  },
  'token:revoke': {
    usage: '<atk_id>                            revoke an admin API token',
    async run(app, [id]) {
      if (!id) throw new Error('give the token id');
      return toAdminTokenResponse(await app.get(AdminTokensService).revoke(CLI, id));
    },
  },
  'merchant:create': {
    usage: '--name <name> [--fee-bps N] [--timezone Z] [--currency CNY]',
    async run(app, _args, flags) {
      const m = await app.get(MerchantsService).createMerchant(CLI, {
        name: required(flags, 'name'),
        fee_bps: flags['fee-bps'] ? Number(flags['fee-bps']) : undefined,
        timezone: flags.timezone,
        settlement_currency: flags.currency,
      });
      return toMerchantResponse(m);
    },
  },
  'app:create': {
    usage: '--merchant <mch_id> --name <name> --channels a,b [--webhook-url URL]',
    async run(app, _args, flags) {
      const { app: created, webhookSecret } = await app
        .get(MerchantsService)
        .createApp(CLI, required(flags, 'merchant'), {
          name: required(flags, 'name'),
          channels: required(flags, 'channels').split(',') as Channel[],
          webhook_url: flags['webhook-url'],
        });
      return toAppResponse(created, webhookSecret);
    },
  },
  'key:create': {
    usage: '--app <app_id> [--type hmac|rsa --public-key-file F]   issue an API key (secret printed once)',
    async run(app, _args, flags) {
      const type = (flags.type ?? 'hmac') as 'hmac' | 'rsa';
      const publicKey =
        type === 'rsa' ? (await import('node:fs')).readFileSync(required(flags, 'public-key-file'), 'utf8') : undefined;
      const { key, secret } = await app
        .get(MerchantsService)
        .createKey(CLI, required(flags, 'app'), { type, public_key: publicKey });
      return toKeyResponse(key, secret);
    },
  },
  'key:revoke': {
    usage: '--app <app_id> --key <key_id>      revoke an API key',
    async run(app, _args, flags) {
      return toKeyResponse(
        await app.get(MerchantsService).revokeKey(CLI, required(flags, 'app'), required(flags, 'key')),
      );
    },
  },
  'webhook:redeliver': {
    usage: '<whd_id>                            send a webhook delivery again now (same webhook-id)',
    async run(app, [id]) {
      if (!id) throw new Error('give the webhook delivery id');
      return toDeliveryResponse(await app.get(WebhookDeliveriesService).redeliver(id, { actor: CLI }));
    },
  },
  'keys:generate': {
    usage: '[--id v2]                           print a new data key to append to PAYGRID_DATA_KEYS',
    standalone: true,
    async run(_app, _args, flags) {
      return {
        entry: generateDataKey(flags.id ?? `k${Date.now().toString(36)}`),
        hint: 'append to PAYGRID_DATA_KEYS (the last key encrypts), restart, then run keys:reencrypt',
      };
    },
  },
  'settlement:run': {
    usage:
      '--day YYYY-MM-DD [--merchant mch_…] [--force]   settle a business day now (once per merchant, currency and day)',
    async run(app, _args, flags) {
      const rows = await app
        .get(SettlementsService)
        .runDay(required(flags, 'day'), CLI, { merchantId: flags.merchant, force: flags.force === 'true' });
      return { data: rows.map((s) => toSettlementResponse(s)) };
    },
  },
  reconcile: {
    usage: '--provider alipay|wechatpay|card --day YYYY-MM-DD   reconcile a bill day (UTC+8) against the ledger',
    async run(app, _args, flags) {
      const { report, items } = await app
        .get(ReconciliationService)
        .run(required(flags, 'provider'), required(flags, 'day'), CLI, progressOf('reconcile'));
      return toReconciliationReport(
        report,
        items.filter((i) => i.category !== 'matched'),
      );
    },
  },
  'keys:reencrypt': {
    usage: '                                    re-encrypt all data under the newest data key',
    async run(app) {
      return app.get(ReencryptService).reencryptAll(ENCRYPTED_COLUMNS, 500, progressOf('keys:reencrypt'));
    },
  },
};
