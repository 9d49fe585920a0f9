import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';

export const PAYOUT_STATUSES = ['awaiting_approval', 'in_transit', 'paid', 'failed'] as const;

export class PayoutResponseDto {
  @ApiProperty({ example: 'po_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'payout' }) object: 'payout';
  @ApiProperty() merchant_id: string;
  @ApiProperty({ type: 'integer', description: 'Integer in minor units of `currency`' }) amount: number;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ enum: PAYOUT_STATUSES }) status: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The settlement whose completion started it' })
  settlement_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) bank_reference: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_code: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_message: string | null;
  @ApiProperty() approval_required: boolean;
  @ApiPropertyOptional({ nullable: true, type: String }) approved_by: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) approved_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) paid_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failed_at: string | null;
  @ApiProperty() created_at: string;
}

export class PayoutPageDto {
  @ApiProperty({ type: [PayoutResponseDto] }) data: PayoutResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class ListPayoutsQueryDto extends ListQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^mch_[0-9a-z]{26}$/, { message: 'merchant_id must be a merchant id' })
  merchant_id?: string;

  @ApiPropertyOptional({ enum: PAYOUT_STATUSES })
  @IsOptional()
  @IsIn(PAYOUT_STATUSES)
  status?: (typeof PAYOUT_STATUSES)[number];
}
