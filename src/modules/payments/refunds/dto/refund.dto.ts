import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { MinorAmount } from '../../../../common/money/minor-amount.decorator';

export class CreateRefundDto {
  @ApiProperty({ example: 'pay_01jb8y3k2m9x7q4w5e6r7t8y9u' })
  @IsString()
  @Matches(/^pay_[0-9a-z]{26}$/, { message: 'payment_id must be a pay_ id' })
  payment_id: string;

  @ApiProperty({ description: 'Your refund number, unique per app', example: 'refund-0001' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'out_refund_no must be 1-64 letters, digits, _ or -' })
  out_refund_no: string;

  @MinorAmount({ optional: true, description: 'Amount to refund in minor units (default: all that is left)' })
  amount?: number;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}
