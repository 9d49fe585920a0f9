import { CheckoutSession } from './entities/checkout-session.entity';
import { CounterCode } from './entities/counter-code.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const CHECKOUT_ENTITIES = [CounterCode, CheckoutSession];
