import { Injectable, Logger } from '@nestjs/common';
import type { EventOf } from '@paygrid/contracts';
import type { HandlerContext } from '../notifications/event-bus';
import { OnEvent } from '../notifications/on-event.decorator';
import { isAttemptOf } from './checkout-attempt.util';
import { CheckoutLifecycleService } from './checkout-lifecycle.service';
import { CheckoutRepository } from './checkout.repository';

/**
 * Completes a checkout session when one of its payments succeeds (queue
 * `<ns>.checkout`), whether or not anyone is looking at the cashier page: a
 * buyer who paid in their wallet and closed the page still gets the merchant
 * its checkout_session.completed. The change and its event commit in the
 * inbox transaction, so a redelivery changes and emits nothing more.
 */
@Injectable()
export class CheckoutPaymentsConsumer {
  private readonly logger = new Logger(CheckoutPaymentsConsumer.name);

  constructor(
    private readonly repo: CheckoutRepository,
    private readonly lifecycle: CheckoutLifecycleService,
  ) {}

  @OnEvent('payment.succeeded', { consumer: 'checkout' })
  async handle(event: EventOf<'payment.succeeded'>, { manager }: HandlerContext): Promise<void> {
    const payment = event.data.object;
    const metadata = payment.metadata as Record<string, unknown> | undefined;
    const sessionId = metadata?.checkout_session_id;
    if (typeof sessionId !== 'string') return;
    const session = await this.repo.findSession(sessionId, manager);
    // Metadata is the merchant's to set too: only a payment the session itself started completes it.
    if (
      !session ||
      session.merchantId !== event.merchant_id ||
      session.appId !== event.app_id ||
      !isAttemptOf(session.id, payment.out_trade_no)
    ) {
      this.logger.warn(
        { payment_id: payment.id, checkout_session_id: sessionId },
        'a succeeded payment names a checkout session it was not started by; the session is left as it is',
      );
      return;
    }
    await this.lifecycle.complete(session.id, payment.id, manager);
  }
}
