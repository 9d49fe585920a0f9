import { qrSvgDataUrl } from '../../common/qr/qr-svg.util';
import type { CheckoutSessionResponseDto, CounterCodeResponseDto } from './dto/checkout.dto';
import type { CheckoutSession } from './entities/checkout-session.entity';
import type { CounterCode } from './entities/counter-code.entity';

/** The cashier page of a session, which is also its one QR code for every wallet. */
export const cashierUrl = (publicBaseUrl: string, id: string): string => `${publicBaseUrl}/checkout/${id}`;

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

export function toCheckoutSessionResponse(s: CheckoutSession, url: string): CheckoutSessionResponseDto {
  return {
    id: s.id,
    object: 'checkout_session',
    url,
    qr_code_image: qrSvgDataUrl(url),
    app_id: s.appId,
    out_trade_no: s.outTradeNo,
    amount: Number(s.amount),
    currency: s.currency,
    subject: s.subject,
    channels: s.channels,
    return_url: s.returnUrl,
    status: s.status,
    payment_id: s.paymentId,
    counter_code_id: s.counterCodeId,
    expires_at: iso(s.expiresAt)!,
    completed_at: iso(s.completedAt),
    created_at: iso(s.createdAt)!,
  };
}

export function toCounterCodeResponse(c: CounterCode, url: string): CounterCodeResponseDto {
  return {
    id: c.id,
    object: 'counter_code',
    url,
    qr_code_image: qrSvgDataUrl(url),
    app_id: c.appId,
    currency: c.currency,
    subject: c.subject,
    channels: c.channels,
    return_url: c.returnUrl,
    created_at: iso(c.createdAt)!,
  };
}
