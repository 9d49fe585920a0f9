import type { ProviderAccountsService } from '../merchants/provider-accounts.service';
import type { ProviderOrderRef } from '../providers/provider.port';
import type { Payment } from './entities/payment.entity';

/**
 * What an adapter needs to address a payment's order: the row itself, plus,
 * for a trade made under a merchant's Alipay authorisation, the merchant's
 * current app_auth_token (read, and refreshed when due, at each call: it is
 * never kept on the payment, since a refresh replaces it).
 */
export async function orderRefOf(p: Payment, accounts: ProviderAccountsService): Promise<Payment & ProviderOrderRef> {
  if (!p.authAppId) return p;
  const appAuthToken = (await accounts.alipayAppAuthToken(p.merchantId)) ?? undefined;
  return { ...p, appAuthToken };
}
