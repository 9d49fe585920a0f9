import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { PaygridWebhookError } from './errors';
import { signWebhook, verifyWebhook } from './webhooks';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const payload = JSON.stringify({
  id: 'evt_1',
  type: 'payment.succeeded',
  data: { object: { id: 'pay_1', amount: 100 } },
});

describe('webhooks', () => {
  it('signs what the standardwebhooks package verifies', () => {
    const headers = signWebhook(secret, { id: 'evt_1', timestamp: new Date(), payload });
    expect(new Webhook(secret).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
    expect(verifyWebhook(secret, payload, headers)).toEqual(JSON.parse(payload));
  });

  it('sends one signature per secret during a rotation, each verifying alone', () => {
    const next = `whsec_${randomBytes(32).toString('base64')}`;
    const headers = signWebhook([next, secret], { id: 'evt_2', timestamp: new Date(), payload });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(secret).verify(payload, { ...headers })).not.toThrow();
    expect(() => new Webhook(next).verify(payload, { ...headers })).not.toThrow();
  });

  it('rejects a tampered body, id, timestamp or secret', () => {
    const ts = new Date();
    const headers = signWebhook(secret, { id: 'evt_3', timestamp: ts, payload });
    expect(() => verifyWebhook(secret, payload.replace('100', '101'), headers)).toThrow(PaygridWebhookError);
    expect(() => verifyWebhook(secret, payload, { ...headers, 'webhook-id': 'evt_4' })).toThrow(PaygridWebhookError);
    expect(() =>
      verifyWebhook(secret, payload, {
        ...headers,
        'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1),
      }),
    ).toThrow(PaygridWebhookError);
    expect(() => verifyWebhook(`whsec_${randomBytes(32).toString('base64')}`, payload, headers)).toThrow(
      PaygridWebhookError,
    );
    const stale = signWebhook(secret, { id: 'evt_5', timestamp: new Date(Date.now() - 10 * 60_000), payload });
    expect(() => verifyWebhook(secret, payload, stale)).toThrow(PaygridWebhookError);
  });
});
