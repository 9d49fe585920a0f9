import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const money = (description: string) =>
  ApiProperty({ type: 'integer', description: `${description} Integer in minor units of \`currency\`.` });

export class SettlementLineDto {
  @ApiProperty({ example: 'je_01jb8y3k2m9x7q4w5e6r7t8y9u', description: 'The ledger entry this line settles' })
  ledger_entry_id: string;
  @ApiProperty({ enum: ['payment', 'refund', 'adjustment'] }) kind: string;
  @ApiProperty({ example: 'payment.captured' }) entry_type: string;
  @ApiProperty({ enum: ['payment', 'refund', 'split', 'split_return'] }) reference_type: string;
  @ApiProperty({ example: 'pay_01jb8y3k2m9x7q4w5e6r7t8y9u', description: 'The payment or refund id' })
  reference_id: string;
  @ApiProperty({ description: 'When the payment or refund succeeded (RFC 3339 UTC)' }) occurred_at: string;
  @money('Captured (+) or refunded (−).') gross_amount: number;
  @money('Fee charged (+) or returned by a refund (−).') fee_amount: number;
  @money('gross − fee.') net_amount: number;
}

export class SettlementResponseDto {
  @ApiProperty({ example: 'stl_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'settlement' }) object: 'settlement';
  @ApiProperty() merchant_id: string;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ example: '2025-11-26', description: "The business day, a calendar day in the merchant's timezone" })
  business_day: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timezone: string;
  @ApiProperty({ description: 'The end of the business day (local midnight) as an RFC 3339 UTC instant' })
  cutoff_at: string;
  @ApiProperty({ enum: ['completed'] }) status: string;
  @ApiProperty() line_count: number;
  @money('Σ captured payments.') payments_amount: number;
  @money('Σ refunds (positive).') refunds_amount: number;
  @money('Σ corrections (reversals), signed.') adjustments_amount: number;
  @money('Fees charged minus fees returned.') fee_amount: number;
  @money('payments − refunds + adjustments − fees.') net_amount: number;
  @money('Moved from pending to available by this settlement (never negative).') transferred_amount: number;
  @money('Carried in from the previous settlement.') carried_in: number;
  @money('Left for the next settlements: a negative day or pending money a refund already used (docs/settlement.md).')
  carried_forward: number;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The ledger entry that moved the money' })
  ledger_entry_id: string | null;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({
    type: [SettlementLineDto],
    description: 'Each payment and refund the settlement covers (on the single-object read; at most 1000)',
  })
  lines?: SettlementLineDto[];
}

export class SettlementPageDto {
  @ApiProperty({ type: [SettlementResponseDto] }) data: SettlementResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class ListSettlementsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ example: 'CNY' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code in upper case' })
  currency?: string;

  @ApiPropertyOptional({ example: '2025-11-26', description: 'Only the settlement(s) of this business day' })
  @IsOptional()
  @Matches(DAY_PATTERN, { message: 'business_day must be YYYY-MM-DD' })
  business_day?: string;
}

export class AdminListSettlementsQueryDto extends ListSettlementsQueryDto {
  @ApiPropertyOptional({ description: "Only this merchant's settlements" })
  @IsOptional()
  @IsString()
  @Matches(/^mch_[0-9a-z]{26}$/, { message: 'merchant_id must be a merchant id' })
  merchant_id?: string;
}

export class RunSettlementsDto {
  @ApiProperty({ example: '2025-11-26', description: "The business day to settle (each merchant's own timezone)" })
  @Matches(DAY_PATTERN, { message: 'day must be YYYY-MM-DD' })
  day: string;

  @ApiPropertyOptional({ description: 'Only this merchant; default every merchant with unsettled money' })
  @IsOptional()
  @Matches(/^mch_[0-9a-z]{26}$/, { message: 'merchant_id must be a merchant id' })
  merchant_id?: string;

  @ApiPropertyOptional({
    default: false,
    description:
      'Settle a day that has not ended yet (what is posted so far; later entries of that day go into the next settlement)',
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class RunSettlementsResponseDto {
  @ApiProperty({
    type: [SettlementResponseDto],
    description: 'The settlements of that day, created now or earlier (a day is settled once)',
  })
  data: SettlementResponseDto[];
}
