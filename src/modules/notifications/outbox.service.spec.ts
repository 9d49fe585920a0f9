import type { EntityManager } from 'typeorm';
import type { EventObjectFieldsOf } from '@paygrid/contracts';
import type { EventsRepository } from './events.repository';
import { OutboxInput, OutboxService } from './outbox.service';

const refund: EventObjectFieldsOf<'refund.succeeded'> = {
  id: 're_1',
  object: 'refund',
  status: 'succeeded',
  payment_id: 'pay_1',
  amount: 100,
  currency: 'CNY',
};

// The contract types what a producer enqueues: the object must be the one its event type carries.
export const typed: OutboxInput<'refund.succeeded'> = {
  type: 'refund.succeeded',
  merchantId: 'mch_1',
  appId: 'app_1',
  aggregateId: 'pay_1',
  object: refund,
};
export const wrongObject: OutboxInput<'payment.succeeded'> = {
  type: 'payment.succeeded',
  merchantId: 'mch_1',
  appId: 'app_1',
  aggregateId: 'pay_1',
  // @ts-expect-error: a refund is not the object of a payment event
  object: refund,
};
export const missingField: OutboxInput<'refund.failed'> = {
  type: 'refund.failed',
  merchantId: 'mch_1',
  appId: 'app_1',
  aggregateId: 'pay_1',
  // @ts-expect-error: the contract fixes payment_id on a refund
  object: { id: 're_1', object: 'refund', status: 'failed', amount: 100, currency: 'CNY' },
};

describe('OutboxService', () => {
  it('refuses to record an event outside the transaction that makes the change, and writes nothing', async () => {
    const insert = jest.fn();
    const outbox = new OutboxService({ insertWithNextSequence: insert } as unknown as EventsRepository);
    const manager = { queryRunner: undefined } as unknown as EntityManager;
    await expect(outbox.enqueue(manager, typed)).rejects.toThrow(/inside the transaction/);
    expect(insert).not.toHaveBeenCalled();
  });

  it('records the typed object as data.object and returns the envelope of its type', async () => {
    const outbox = new OutboxService({ insertWithNextSequence: async () => 3 } as unknown as EventsRepository);
    const manager = { queryRunner: { isTransactionActive: true } } as unknown as EntityManager;
    const event = await outbox.enqueue(manager, typed);
    expect(event).toMatchObject({ type: 'refund.succeeded', aggregate_id: 'pay_1', aggregate_sequence: 3 });
    expect(event.data.object.payment_id).toBe('pay_1');
  });
});
