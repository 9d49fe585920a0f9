import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { ListQueryDto } from '../../../common/http/pagination';
import { CHANNELS } from '../../providers/provider.port';
import { PAYMENT_STATUSES, PaymentStatus, REFUND_STATUSES, RefundStatus } from '../payment-state-machine';
import type { PaymentFilter } from '../payments.repository';
import { REFUND_ATTENTIONS, RefundAttention } from '../entities/refund.entity';

export class CreatedRangeDto {
  @ApiPropertyOptional({ description: 'created at or after (RFC 3339)' })
  @IsOptional()
  @IsDateString({ strict: true })
  gte?: string;

  @ApiPropertyOptional({ description: 'created before (RFC 3339)' })
  @IsOptional()
  @IsDateString({ strict: true })
  lt?: string;
}

export class ListPaymentsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Find by your order number' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/)
  out_trade_no?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  status?: PaymentStatus;

  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: string;

  @ApiPropertyOptional({ type: CreatedRangeDto, description: '`created[gte]` and `created[lt]`' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CreatedRangeDto)
  created?: CreatedRangeDto;
}

export class AdminListPaymentsQueryDto extends ListPaymentsQueryDto {
  @ApiPropertyOptional({ description: 'Only this merchant' })
  @IsOptional()
  @IsString()
  merchant_id?: string;
}

export class ExpandQueryDto {
  @ApiPropertyOptional({ description: 'Comma-separated: `refunds`, `timeline`', example: 'refunds,timeline' })
  @IsOptional()
  @Matches(/^(refunds|timeline)(,(refunds|timeline))*$/, { message: 'expand may list refunds and timeline' })
  expand?: string;
}

export class ListRefundsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Only refunds of this payment' })
  @IsOptional()
  @Matches(/^pay_[0-9a-z]{26}$/)
  payment_id?: string;

  @ApiPropertyOptional({ enum: REFUND_STATUSES })
  @IsOptional()
  @IsIn(REFUND_STATUSES)
  status?: RefundStatus;
}

export class AdminListRefundsQueryDto extends ListRefundsQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  merchant_id?: string;

  @ApiPropertyOptional({
    enum: REFUND_ATTENTIONS,
    description: 'Only refunds flagged for an operator for this reason (provider_abnormal: WeChat ABNORMAL)',
  })
  @IsOptional()
  @IsIn(REFUND_ATTENTIONS)
  attention?: RefundAttention;
}

/** The repository filter a payments list query asks for (merchant and admin routes alike). */
export function paymentFilterFrom(q: ListPaymentsQueryDto, merchantId?: string): PaymentFilter {
  return {
    merchantId,
    status: q.status,
    channel: q.channel,
    outTradeNo: q.out_trade_no,
    createdGte: q.created?.gte ? new Date(q.created.gte) : undefined,
    createdLt: q.created?.lt ? new Date(q.created.lt) : undefined,
    startingAfter: q.starting_after,
    limit: q.limit ?? 20,
  };
}
