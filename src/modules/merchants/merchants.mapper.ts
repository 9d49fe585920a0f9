import type { AppResponseDto, KeyResponseDto } from './dto/app.dto';
import type { MerchantResponseDto } from './dto/merchant.dto';
import type { App } from './entities/app.entity';
import type { AppKey } from './entities/app-key.entity';
import type { Merchant } from './entities/merchant.entity';

export const toMerchantResponse = (m: Merchant): MerchantResponseDto => ({
  id: m.id,
  object: 'merchant',
  name: m.name,
  status: m.status,
  settlement_currency: m.settlementCurrency,
  timezone: m.timezone,
  fee_bps: m.feeBps,
  settlement_delay_days: m.settlementDelayDays,
  created_at: m.createdAt.toISOString(),
  updated_at: m.updatedAt.toISOString(),
});

export const toAppResponse = (a: App, webhookSecret?: string): AppResponseDto => ({
  id: a.id,
  object: 'app',
  merchant_id: a.merchantId,
  name: a.name,
  status: a.status,
  channels: a.channels,
  webhook_url: a.webhookUrl,
  ...(webhookSecret ? { webhook_secret: webhookSecret } : {}),
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});

export const toKeyResponse = (k: AppKey, secret?: string): KeyResponseDto => ({
  id: k.id,
  object: 'key',
  app_id: k.appId,
  type: k.type,
  mode: k.mode,
  status: k.status,
  ...(secret ? { secret } : {}),
  public_key: k.publicKeyPem,
  created_at: k.createdAt.toISOString(),
  revoked_at: k.revokedAt ? k.revokedAt.toISOString() : null,
});
