import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { MinorAmount } from '../../../common/money/minor-amount.decorator';

export class AdminRefundDto {
  @ApiProperty({ description: 'Refund number, unique per app', example: 'ops-refund-0001' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  out_refund_no: string;

  @MinorAmount({ optional: true })
  amount?: number;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}
