import type { FieldCheckInput, FieldViolation } from '../provider.port';

/** total_amount range of the trade APIs, in fen: 0.01 to 100000000.00 yuan. */
export const ALIPAY_MIN_AMOUNT_FEN = 1n;
export const ALIPAY_MAX_AMOUNT_FEN = 10_000_000_000n;
const SUBJECT_MAX_CHARS = 256;
const BODY_MAX_CHARS = 128;
/** The trade APIs refuse these in subject: they are the separators of the signed k=v&… string. */
const SUBJECT_FORBIDDEN = /[/=&]/;

/** Length in characters as Alipay counts them (code points, so 中 is one and an emoji is one). */
const chars = (s: string): number => [...s].length;

/**
 * alipay.trade.* create limits (precreate, page/wap/app pay, pay), checked
 * before anything is written or sent: the gateway would refuse the request
 * (ACQ.INVALID_PARAMETER / isv.invalid-parameter) after Paygrid had already
 * opened a payment for it. The Paygrid field names are reported.
 */
export function alipayFieldViolation(input: FieldCheckInput): FieldViolation | undefined {
  if (chars(input.subject) > SUBJECT_MAX_CHARS)
    return { field: 'subject', message: `Alipay subject is at most ${SUBJECT_MAX_CHARS} characters` };
  if (SUBJECT_FORBIDDEN.test(input.subject))
    return { field: 'subject', message: 'Alipay subject may not contain /, = or &' };
  if (input.description !== undefined && chars(input.description) > BODY_MAX_CHARS)
    return { field: 'description', message: `Alipay body (description) is at most ${BODY_MAX_CHARS} characters` };
  if (input.amount < ALIPAY_MIN_AMOUNT_FEN || input.amount > ALIPAY_MAX_AMOUNT_FEN)
    return { field: 'amount', message: 'Alipay total_amount is 0.01 to 100000000.00 CNY (1 to 10000000000 fen)' };
  return undefined;
}
