import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EventEnvelope } from '../../../libs/contracts/src';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { EVENT_BUS, EventBus, EventConsumer, HandlerContext, PoisonEventError } from '../notifications/event-bus';
import { PayoutWorker } from './payout.worker';
import { PayoutsService } from './payouts.service';

/**
 * The payout side of settlement (queue `<ns>.payouts`): each
 * settlement.completed starts at most one payout. Idempotent twice over:
 * the inbox applies an event id once, and the payout is unique per
 * settlement, so a replay under a new event id pays nothing more either.
 */
@Injectable()
export class PayoutsConsumer implements EventConsumer, OnModuleInit {
  readonly name = 'payouts';
  readonly patterns = ['settlement.completed'];
  private readonly logger = new Logger(PayoutsConsumer.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly payouts: PayoutsService,
    private readonly worker: PayoutWorker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Consumers register only where workers run (CONVENTIONS "Workers"). */
  async onModuleInit(): Promise<void> {
    if (this.config.role === 'api') return;
    await this.bus.subscribe(this);
  }

  async handle(event: EventEnvelope, { manager }: HandlerContext): Promise<void> {
    const settlementId = (event.data?.object as { id?: unknown } | undefined)?.id;
    if (event.type !== 'settlement.completed' || typeof settlementId !== 'string') throw new PoisonEventError(`not a settlement.completed event: ${event.id}`);
    const payout = await this.payouts.createForSettlement(manager, settlementId, event.id);
    if (!payout) {
      this.logger.log({ settlement_id: settlementId }, 'nothing available to pay out');
      return;
    }
    // The row commits with the inbox entry just after this returns; the nudge saves a poll interval.
    if (payout.status === 'in_transit') this.worker.nudge();
  }
}
