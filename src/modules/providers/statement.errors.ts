/**
 * A provider's bill for the day does not exist yet (Alipay `isp.bill_not_exist`,
 * WeChat Pay `NO_STATEMENT_EXIST`: a day's bill is generated on T+1). Not a
 * failure: reconciliation tries the day again later.
 */
export class StatementNotReady extends Error {
  readonly code = 'statement_not_ready';
  constructor(
    readonly provider: string,
    readonly day: string,
    readonly providerCode: string,
  ) {
    super(`${provider} bill for ${day} is not ready yet (${providerCode})`);
  }
}
