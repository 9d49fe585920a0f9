import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiErrors } from '../../../common/http/api-errors.decorator';
import { assertPlainAmountLiterals } from '../../../common/money/minor-amount.decorator';
import { Idempotent } from '../../auth/idempotent.decorator';
import { MerchantContext } from '../../auth/merchant-context';
import { SignedApi } from '../../auth/signed-api.decorator';
import {
  CreateSplitDto,
  CreateSplitReturnDto,
  ReleaseSplitsDto,
  SplitListDto,
  SplitResponseDto,
  SplitReturnResponseDto,
} from './dto/split.dto';
import { toSplitResponse, toSplitReturnResponse } from './splits.mapper';
import { SplitCaller, SplitsService } from './splits.service';

const caller = (ctx: MerchantContext): SplitCaller => ({
  merchantId: ctx.merchantId,
  appId: ctx.appId,
  actor: ctx.appId,
});

/** Profit sharing (docs/api.md "Splits"): splits of a payment, their returns, and the release of the rest. */
@SignedApi('splits')
@ApiErrors(['resource_missing', 'no such payment or split for this merchant'])
@Controller('v1')
export class SplitsController {
  constructor(private readonly splits: SplitsService) {}

  @Post('payments/:id/splits')
  @Idempotent()
  @ApiOperation({
    summary: 'Split part of a profit-sharing payment to receivers',
    description:
      'The payment must be succeeded and made with `profit_sharing: true`. Splits, refunds and (collected mode) the platform fee together never exceed the captured amount. A receiver is registered at the provider the first time the merchant splits to it. `type: platform` sends the platform its commission (direct mode only).',
  })
  @ApiCreatedResponse({
    type: SplitResponseDto,
    description: 'The split: `succeeded`, or `pending` while the provider processes it',
  })
  @ApiErrors('parameter_invalid', 'parameter_unknown', 'body_malformed', 'amount_invalid')
  @ApiErrors(
    ['payment_not_splittable', 'not succeeded, or not made with profit_sharing'],
    ['splits_released', 'the remainder was released'],
    ['split_amount_exceeds_available', 'more than is left to split; nothing is written'],
    [
      'split_receiver_unavailable',
      'no platform receiver, a platform receiver in collected mode, or the provider refused the receiver',
    ],
  )
  @ApiErrors(['service_unavailable', 'the provider did not confirm a receiver; nothing was split (Retry-After)'])
  async create(
    @MerchantContext() ctx: MerchantContext,
    @Param('id') id: string,
    @Body() body: CreateSplitDto,
    @Req() req: { rawBody?: Buffer },
  ): Promise<SplitResponseDto> {
    assertPlainAmountLiterals(req.rawBody);
    return toSplitResponse(await this.splits.create(caller(ctx), id, body));
  }

  @Get('payments/:id/splits')
  @ApiOperation({ summary: "A payment's splits and releases, oldest first, with their returns" })
  @ApiOkResponse({ type: SplitListDto })
  async list(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<SplitListDto> {
    const { splits, returns } = await this.splits.forPayment(ctx.merchantId, id);
    return {
      data: splits.map((s) =>
        toSplitResponse(
          s,
          returns.filter((r) => r.splitId === s.id),
        ),
      ),
      has_more: false,
    };
  }

  @Post('payments/:id/splits/release')
  @Idempotent()
  @ApiOperation({
    summary: 'Release what was not split to the merchant',
    description: 'After a release the payment takes no more splits (`split_state` released); returns stay possible.',
  })
  @ApiCreatedResponse({ type: SplitResponseDto, description: 'The release (kind `release`), `succeeded` or `pending`' })
  @ApiErrors('payment_not_splittable', 'splits_released')
  async release(
    @MerchantContext() ctx: MerchantContext,
    @Param('id') id: string,
    @Body() body: ReleaseSplitsDto,
  ): Promise<SplitResponseDto> {
    return toSplitResponse(await this.splits.release(caller(ctx), id, body));
  }

  @Get('splits/:id')
  @ApiOperation({ summary: 'Read a split, with its returns' })
  @ApiOkResponse({ type: SplitResponseDto })
  async get(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<SplitResponseDto> {
    const split = await this.splits.get(ctx.merchantId, id);
    return toSplitResponse(split, await this.splits.returnsOf([split.id]));
  }

  @Post('splits/:id/returns')
  @Idempotent()
  @ApiOperation({
    summary: 'Return part or all of a split from a receiver to the merchant',
    description: "The returned money is the merchant's again (refundable), not splittable again.",
  })
  @ApiCreatedResponse({ type: SplitReturnResponseDto, description: 'The return: `succeeded`, `pending` or `failed`' })
  @ApiErrors(['parameter_invalid', 'e.g. no such receiver'], 'amount_invalid')
  @ApiErrors(['split_not_returnable', 'not succeeded, or a release'], 'split_return_exceeds_available')
  async createReturn(
    @MerchantContext() ctx: MerchantContext,
    @Param('id') id: string,
    @Body() body: CreateSplitReturnDto,
    @Req() req: { rawBody?: Buffer },
  ): Promise<SplitReturnResponseDto> {
    assertPlainAmountLiterals(req.rawBody);
    return toSplitReturnResponse(await this.splits.createReturn(caller(ctx), id, body));
  }
}
