/**
 * The out_trade_no of a session's n-th payment: the session id without its
 * underscore, then the attempt number (`cs01…-2`). Unique per app as
 * out_trade_nos must be, and how a succeeded payment is known to be the
 * session's own (metadata alone is the merchant's to set).
 */
export const attemptOutTradeNo = (sessionId: string, attempt: number): string =>
  `${sessionId.replace('_', '')}-${attempt}`;

export function isAttemptOf(sessionId: string, outTradeNo: string): boolean {
  const prefix = `${sessionId.replace('_', '')}-`;
  return outTradeNo.startsWith(prefix) && /^[1-9][0-9]*$/.test(outTradeNo.slice(prefix.length));
}
