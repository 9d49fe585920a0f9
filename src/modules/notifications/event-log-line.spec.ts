import type { EventEnvelope } from '@paygrid/contracts';
import { endpointForLog, eventLogLine, humanDelay } from './event-log-line';

const envelope = (type: string, object: Record<string, unknown>): EventEnvelope =>
  ({
    id: 'evt_1',
    type,
    created_at: '2026-12-03T00:00:00Z',
    merchant_id: 'mer_1',
    app_id: 'app_1',
    version: 1,
    aggregate_id: String(object.id),
    aggregate_sequence: 1,
    data: { object },
  }) as EventEnvelope;

describe('eventLogLine', () => {
  it.each([
    [
      'payment.succeeded',
      { id: 'pay_1', object: 'payment', channel: 'alipay_qr', amount: 10000, currency: 'CNY' },
      'payment pay_1 succeeded (alipay_qr, 100.00 CNY)',
    ],
    [
      'payment.failed',
      { id: 'pay_2', object: 'payment', channel: 'card', amount: 500, currency: 'JPY', failure_code: 'card_declined' },
      'payment pay_2 failed (card, 500 JPY): card_declined',
    ],
    [
      'refund.succeeded',
      { id: 're_1', object: 'refund', payment_id: 'pay_1', amount: 2500, currency: 'CNY' },
      'refund re_1 succeeded (25.00 CNY of pay_1)',
    ],
    [
      'settlement.completed',
      { id: 'stl_1', object: 'settlement', net_amount: 99, currency: 'USD' },
      'settlement stl_1 completed (0.99 USD)',
    ],
    ['payout.paid', { id: 'po_1', object: 'payout', amount: 100, currency: 'CNY' }, 'payout po_1 paid (1.00 CNY)'],
    [
      'webhook_endpoint.disabled',
      { id: 'app_1', object: 'webhook_endpoint', url: 'https://x/h', disabled_reason: 'every attempt failed' },
      'webhook endpoint of app_1 disabled: every attempt failed',
    ],
  ])('%s', (type, object, line) => {
    expect(eventLogLine(envelope(type, object))).toBe(line);
  });

  it('shows no amount it cannot read rather than a wrong one', () => {
    expect(
      eventLogLine(envelope('payment.closed', { id: 'pay_3', object: 'payment', amount: 1.5, currency: 'CNY' })),
    ).toBe('payment pay_3 closed');
  });
});

describe('endpointForLog', () => {
  it('drops the query and user-info, which may carry a merchant token', () => {
    const line = endpointForLog('https://user:pw@shop.example:8443/hooks?token=s3cret#x');
    expect(line).toBe('https://shop.example:8443/hooks');
    expect(line).not.toMatch(/s3cret|pw/);
  });
  it('never echoes something that is not a URL', () => {
    expect(endpointForLog('not a url ?token=s3cret')).toBe('(no endpoint)');
  });
});

describe('humanDelay', () => {
  it.each([
    [30, '30 ms'],
    [15_000, '15 s'],
    [300_000, '5 min'],
    [36_000_000, '10 h'],
  ])('%d ms -> %s', (ms, text) => expect(humanDelay(ms)).toBe(text));
});
