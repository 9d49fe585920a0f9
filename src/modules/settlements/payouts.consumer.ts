import { Injectable, Logger } from '@nestjs/common';
import type { EventOf } from '@paygrid/contracts';
import { HandlerContext, PoisonEventError } from '../notifications/event-bus';
import { OnEvent } from '../notifications/on-event.decorator';
import { PayoutWorker } from './payout.worker';
import { PayoutsService } from './payouts.service';

/**
 * The payout side of settlement (queue `<ns>.payouts`): each
 * settlement.completed starts at most one payout. Idempotent twice over:
 * the inbox applies an event id once, and the payout is unique per
 * settlement, so a replay under a new event id pays nothing more either.
 */
@Injectable()
export class PayoutsConsumer {
  private readonly logger = new Logger(PayoutsConsumer.name);

  constructor(
    private readonly payouts: PayoutsService,
    private readonly worker: PayoutWorker,
  ) {}

  @OnEvent('settlement.completed', { consumer: 'payouts' })
  async handle(event: EventOf<'settlement.completed'>, { manager }: HandlerContext): Promise<void> {
    // The contract is checked at the transport (validateEnvelope); a producer's bug still must not pay anything.
    const settlementId: unknown = event.data?.object?.id;
    if (event.type !== 'settlement.completed' || typeof settlementId !== 'string')
      throw new PoisonEventError(`not a settlement.completed event: ${event.id}`);
    const payout = await this.payouts.createForSettlement(manager, settlementId, event.id);
    if (!payout) {
      this.logger.log({ settlement_id: settlementId }, 'nothing available to pay out');
      return;
    }
    // The row commits with the inbox entry just after this returns; the nudge saves a poll interval.
    if (payout.status === 'in_transit') this.worker.nudge();
  }
}
