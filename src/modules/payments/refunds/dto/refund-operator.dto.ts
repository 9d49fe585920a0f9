import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const ABNORMAL_REFUND_TARGETS = ['USER_BANK_CARD', 'MERCHANT_BANK_CARD'] as const;

/**
 * Retry a refund WeChat Pay answered ABNORMAL through apply-abnormal-refund.
 * The bank account and the name go to WeChat RSA-OAEP sealed and are never
 * stored, logged or written to the audit log.
 */
export class RetryAbnormalRefundDto {
  @ApiProperty({
    enum: ABNORMAL_REFUND_TARGETS,
    description:
      "USER_BANK_CARD: to the payer's bank card (bank_type, bank_account and real_name required); MERCHANT_BANK_CARD: to the merchant's own bank card, and the merchant pays the payer back itself",
  })
  @IsIn(ABNORMAL_REFUND_TARGETS)
  type: (typeof ABNORMAL_REFUND_TARGETS)[number];

  @ApiPropertyOptional({ description: "USER_BANK_CARD: WeChat Pay's bank code", example: 'ICBC_DEBIT' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9_]{2,32}$/, { message: 'bank_type must be a WeChat Pay bank code such as ICBC_DEBIT' })
  bank_type?: string;

  @ApiPropertyOptional({ description: "USER_BANK_CARD: the payer's card number", example: '6222020200000000000' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{8,30}$/, { message: 'bank_account must be 8-30 digits' })
  bank_account?: string;

  @ApiPropertyOptional({ description: "USER_BANK_CARD: the card holder's name", example: '张三' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  real_name?: string;
}

/** Settle a refund flagged for an operator by hand, after checking what happened at the provider. */
export class ResolveRefundDto {
  @ApiProperty({
    enum: ['succeeded', 'failed'],
    description:
      'succeeded: the money reached the payer (the ledger posts the refund); failed: it did not and will not (the amount becomes refundable again)',
  })
  @IsIn(['succeeded', 'failed'])
  outcome: 'succeeded' | 'failed';

  @ApiProperty({ description: 'Why, for the audit log (and failure_message when failed)', maxLength: 200 })
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  reason: string;
}
