import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { isCurrency, isTimeZone } from '../../../common/money/currency';
import { ListQueryDto } from '../../../common/http/pagination';

@ValidatorConstraint({ name: 'currency' })
export class IsCurrencyConstraint implements ValidatorConstraintInterface {
  validate = (v: unknown) => isCurrency(v);
  defaultMessage = () => 'must be an ISO 4217 currency code in upper case';
}

@ValidatorConstraint({ name: 'timezone' })
export class IsTimeZoneConstraint implements ValidatorConstraintInterface {
  validate = (v: unknown) => isTimeZone(v);
  defaultMessage = () => 'must be an IANA time zone such as Asia/Shanghai';
}

export class CreateMerchantDto {
  @ApiProperty({ example: 'Acme Coffee' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ example: 'CNY', default: 'CNY' })
  @IsOptional()
  @Validate(IsCurrencyConstraint)
  settlement_currency?: string;

  @ApiPropertyOptional({
    example: 'Asia/Shanghai',
    default: 'Asia/Shanghai',
    description: 'Settlement days are cut at midnight here',
  })
  @IsOptional()
  @Validate(IsTimeZoneConstraint)
  timezone?: string;

  @ApiPropertyOptional({
    example: 60,
    default: 0,
    minimum: 0,
    maximum: 10000,
    description: 'Platform fee in basis points',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10000)
  fee_bps?: number;

  @ApiPropertyOptional({ example: 1, default: 1, minimum: 0, maximum: 30, description: 'Settle T+N days' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30)
  settlement_delay_days?: number;
}

export class UpdateMerchantDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @Validate(IsCurrencyConstraint) settlement_currency?: string;
  @ApiPropertyOptional() @IsOptional() @Validate(IsTimeZoneConstraint) timezone?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(10000) fee_bps?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(30) settlement_delay_days?: number;
}

export class ListMerchantsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'suspended'] })
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';
}

export class MerchantResponseDto {
  @ApiProperty({ example: 'mch_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'merchant' }) object: 'merchant';
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status: string;
  @ApiProperty({ example: 'CNY' }) settlement_currency: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timezone: string;
  @ApiProperty({ example: 60 }) fee_bps: number;
  @ApiProperty({ example: 1 }) settlement_delay_days: number;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class MerchantPageDto {
  @ApiProperty({ type: [MerchantResponseDto] }) data: MerchantResponseDto[];
  @ApiProperty() has_more: boolean;
}
