import { Payment } from './entities/payment.entity';
import { PaymentTransition } from './entities/payment-transition.entity';
import { ProviderCallback } from './entities/provider-callback.entity';
import { Refund } from './entities/refund.entity';
import { BoundSplitReceiver } from './entities/bound-split-receiver.entity';
import { Split } from './entities/split.entity';
import { SplitReturn } from './entities/split-return.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const PAYMENTS_ENTITIES = [
  Payment,
  PaymentTransition,
  ProviderCallback,
  Refund,
  Split,
  SplitReturn,
  BoundSplitReceiver,
];
