/**
 * The SDK's types held to the contract. `generated/types.gen.ts` is written
 * from openapi.json by `npm run openapi` (@hey-api/openapi-ts); the SDK's own
 * types (resources.ts) are narrower where the contract is loose (literal
 * `object` names, the next_action union). Each check below fails the type check
 * (`npm run typecheck`, in CI) when the two drift: a field the contract has and
 * the SDK lacks, a field the SDK invents, or a value the SDK promises that the
 * contract does not allow.
 */
import type * as Api from './generated/types.gen';
import type {
  Balance,
  CheckoutSession,
  CounterCode,
  CreateCheckoutSessionParams,
  CreateCounterCodeParams,
  CreatePaymentParams,
  CreateRefundParams,
  Payment,
  Refund,
  Settlement,
  SettlementLine,
} from './resources';

/** The contract's types, for routes and fields the SDK has no typed method for. */
export type { Api };

type Fields<T> = keyof T & string;

/** `true` when H (the SDK's) and C (the contract's) name the same fields and every H value is a C value. */
export type Matches<H, C> = [Exclude<Fields<C>, Fields<H>>, Exclude<Fields<H>, Fields<C>>] extends [never, never]
  ? [H] extends [C]
    ? true
    : { sdk_type_not_assignable_to_contract: H }
  : { missing_in_sdk: Exclude<Fields<C>, Fields<H>>; unknown_to_contract: Exclude<Fields<H>, Fields<C>> };

/** `true` when every request the SDK lets a merchant build is one the contract accepts (P's fields ⊆ C's). */
type Accepted<P, C> = [Exclude<Fields<P>, Fields<C>>] extends [never]
  ? [P] extends [C]
    ? true
    : { sdk_params_not_accepted: P }
  : { unknown_to_contract: Exclude<Fields<P>, Fields<C>> };

type Holds<T extends true> = T;

export type ContractChecks = [
  Holds<Matches<Payment, Api.PaymentResponseDto>>,
  Holds<Matches<Refund, Api.RefundResponseDto>>,
  Holds<Matches<Balance, Api.BalanceResponseDto>>,
  Holds<Matches<Settlement, Api.SettlementResponseDto>>,
  Holds<Matches<SettlementLine, Api.SettlementLineDto>>,
  Holds<Matches<CheckoutSession, Api.CheckoutSessionResponseDto>>,
  Holds<Matches<CounterCode, Api.CounterCodeResponseDto>>,
  Holds<Accepted<CreatePaymentParams, Api.CreatePaymentDto>>,
  Holds<Accepted<CreateRefundParams, Api.CreateRefundDto>>,
  Holds<Accepted<CreateCheckoutSessionParams, Api.CreateCheckoutSessionDto>>,
  Holds<Accepted<CreateCounterCodeParams, Api.CreateCounterCodeDto>>,
];
