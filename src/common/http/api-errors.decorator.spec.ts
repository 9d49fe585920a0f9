import { ApiErrors } from './api-errors.decorator';

/** @nestjs/swagger's metadata key for responses (API_RESPONSE; its constants are not exported). */
const API_RESPONSE = 'swagger/apiResponse';

class Probe {
  @ApiErrors('payment_invalid_state', ['duplicate_out_trade_no', 'names the existing payment'], 'amount_invalid')
  route(): void {}
}

describe('ApiErrors', () => {
  it('puts each code under the status the error table sends it with', () => {
    const responses = Reflect.getMetadata(API_RESPONSE, Probe.prototype.route) as Record<
      string,
      { description: string }
    >;
    expect(Object.keys(responses).sort()).toEqual(['400', '409']);
    expect(responses['409'].description).toBe(
      '`payment_invalid_state`; `duplicate_out_trade_no`: names the existing payment',
    );
    expect(responses['400'].description).toBe('`amount_invalid`');
  });
});
