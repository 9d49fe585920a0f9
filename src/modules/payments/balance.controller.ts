import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { MerchantContext } from '../auth/merchant-context';
import { SignedApi } from '../auth/signed-api.decorator';
import { LedgerService } from '../ledger/ledger.service';
import { BalanceResponseDto } from './dto/payment-response.dto';

@SignedApi('balance')
@Controller('v1/balance')
export class BalanceController {
  constructor(private readonly ledger: LedgerService) {}

  @Get()
  @ApiOperation({ summary: "The merchant's balances per currency, derived from the ledger" })
  @ApiOkResponse({ type: BalanceResponseDto })
  async get(@MerchantContext() ctx: MerchantContext): Promise<BalanceResponseDto> {
    const lines = await this.ledger.balances(ctx.merchantId);
    return {
      object: 'balance',
      balances: lines.map((l) => ({
        currency: l.currency,
        pending: Number(l.pending),
        available: Number(l.available),
        in_transit: Number(l.in_transit),
      })),
    };
  }
}
