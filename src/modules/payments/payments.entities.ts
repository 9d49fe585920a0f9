import { Payment } from './entities/payment.entity';
import { PaymentTransition } from './entities/payment-transition.entity';
import { ProviderCallback } from './entities/provider-callback.entity';
import { Refund } from './entities/refund.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const PAYMENTS_ENTITIES = [Payment, PaymentTransition, ProviderCallback, Refund];
