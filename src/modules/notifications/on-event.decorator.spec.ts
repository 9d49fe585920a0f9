import { Reflector } from '@nestjs/core';
import type { EventOf, PaygridEvent } from '@paygrid/contracts';
import type { HandlerContext } from './event-bus';
import { ON_EVENT, OnEvent, OnEventMetadata } from './on-event.decorator';

class Consumers {
  @OnEvent('settlement.completed', { consumer: 'payouts-test', maxAttempts: 3 })
  async settled(event: EventOf<'settlement.completed'>, _ctx: HandlerContext): Promise<void> {
    void event.data.object.currency;
  }

  @OnEvent(['refund.succeeded', 'refund.failed'], { consumer: 'refunds-test' })
  async refunds(event: Extract<PaygridEvent, { type: 'refund.succeeded' | 'refund.failed' }>): Promise<void> {
    void event.data.object.payment_id;
  }

  @OnEvent('#', { consumer: 'all-test' })
  async everything(_event: PaygridEvent): Promise<void> {}

  // @ts-expect-error: a refund handler cannot consume settlement events (the contract types the handler)
  @OnEvent('settlement.completed', { consumer: 'wrong-test' })
  async wrong(_event: EventOf<'refund.succeeded'>): Promise<void> {}

  notAConsumer(): void {}
}

describe('@OnEvent', () => {
  const reflector = new Reflector();
  const meta = (method: keyof Consumers) =>
    reflector.get<OnEventMetadata | undefined>(ON_EVENT, Consumers.prototype[method]);

  it('records the consumer, its patterns and its options on the handler', () => {
    expect(meta('settled')).toEqual({ consumer: 'payouts-test', patterns: ['settlement.completed'], maxAttempts: 3 });
    expect(meta('refunds')).toEqual({ consumer: 'refunds-test', patterns: ['refund.succeeded', 'refund.failed'] });
    expect(meta('everything')).toEqual({ consumer: 'all-test', patterns: ['#'] });
  });

  it('leaves other methods unmarked', () => {
    expect(meta('notAConsumer')).toBeUndefined();
  });
});
