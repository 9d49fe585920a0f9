import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MinorAmount } from '../../../../common/money/minor-amount.decorator';

export class SplitReceiverDto {
  @ApiProperty({
    enum: ['merchant', 'personal', 'platform'],
    description:
      "merchant: a provider merchant account (WeChat mchid, Alipay 2088… user id); personal: a person (WeChat openid, Alipay login name); platform: the platform's own receiver (its commission; `account` is not given)",
  })
  @IsIn(['merchant', 'personal', 'platform'])
  type: 'merchant' | 'personal' | 'platform';

  @ApiPropertyOptional({
    description: "The receiver's account at the provider (not for type platform)",
    example: '1900000201',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_@.-]{1,64}$/, { message: 'account must be 1-64 letters, digits or _@.-' })
  account?: string;

  @ApiPropertyOptional({
    description:
      "The receiver's real or registered name; WeChat needs it for merchant receivers and checks it (sent encrypted, never stored)",
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  name?: string;

  @ApiPropertyOptional({
    description:
      'WeChat relation_type (PARTNER, STORE, SERVICE_PROVIDER, …); default PARTNER (SERVICE_PROVIDER for platform)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z_]{2,32}$/, { message: 'relation must be an upper-case relation type such as PARTNER' })
  relation?: string;

  @MinorAmount({ description: 'Amount to this receiver in minor units' })
  amount: number;

  @ApiProperty({ maxLength: 80, example: 'Commission' })
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  description: string;
}

export class CreateSplitDto {
  @ApiProperty({ type: [SplitReceiverDto], minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => SplitReceiverDto)
  receivers: SplitReceiverDto[];

  @ApiPropertyOptional({
    default: false,
    description: 'Release what is left unsplit to the merchant once this split is done (no further splits)',
  })
  @IsOptional()
  @IsBoolean()
  finish?: boolean;
}

export class CreateSplitReturnDto {
  @MinorAmount({ description: 'Amount the receiver gives back, in minor units' })
  amount: number;

  @ApiPropertyOptional({ description: "The receiver's account; required when the split has more than one receiver" })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_@.-]{1,64}$/, { message: 'receiver_account must be 1-64 letters, digits or _@.-' })
  receiver_account?: string;

  @ApiProperty({ maxLength: 80, example: 'Order refunded' })
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  description: string;
}

export class ReleaseSplitsDto {
  @ApiPropertyOptional({ maxLength: 80, default: 'Release the unsplit remainder' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  description?: string;
}

export class SplitReceiverResponseDto {
  @ApiProperty({ enum: ['merchant', 'personal'] }) type: string;
  @ApiProperty() account: string;
  @ApiProperty() amount: number;
  @ApiProperty() description: string;
  @ApiProperty({ description: "The platform's own receiver (its commission)" }) platform: boolean;
  @ApiProperty({ description: 'Returned by this receiver so far' }) amount_returned: number;
  @ApiPropertyOptional({ nullable: true, enum: ['pending', 'succeeded', 'failed'], type: String })
  result: string | null;
}

export class SplitReturnResponseDto {
  @ApiProperty({ example: 'spr_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'split_return' }) object: 'split_return';
  @ApiProperty() split_id: string;
  @ApiProperty() receiver_account: string;
  @ApiProperty() amount: number;
  @ApiProperty() currency: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status: string;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_code: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_message: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) succeeded_at: string | null;
  @ApiProperty() created_at: string;
}

export class SplitResponseDto {
  @ApiProperty({ example: 'spl_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'split' }) object: 'split';
  @ApiProperty({ enum: ['split', 'release'], description: 'release: the unsplit remainder given to the merchant' })
  kind: 'split' | 'release';
  @ApiProperty() payment_id: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status: 'pending' | 'succeeded' | 'failed';
  @ApiProperty({ description: 'Sum of the receivers (a release: what was left unsplit, as Paygrid counts it)' })
  amount: number;
  @ApiProperty() amount_returned: number;
  @ApiProperty() currency: string;
  @ApiProperty() finish: boolean;
  @ApiProperty({ type: [SplitReceiverResponseDto] }) receivers: SplitReceiverResponseDto[];
  @ApiPropertyOptional({ type: [SplitReturnResponseDto] }) returns?: SplitReturnResponseDto[];
  @ApiPropertyOptional({ nullable: true, type: String }) failure_code: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_message: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) succeeded_at: string | null;
  @ApiProperty() created_at: string;
}

export class SplitListDto {
  @ApiProperty({ type: [SplitResponseDto] }) data: SplitResponseDto[];
  @ApiProperty() has_more: boolean;
}
