import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIP,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { MinorAmount } from '../../../common/money/minor-amount.decorator';
import { IsCurrencyConstraint } from '../../merchants/dto/merchant.dto';
import { CHANNELS, type Channel } from '../../providers/provider.port';

@ValidatorConstraint({ name: 'metadata' })
class MetadataConstraint implements ValidatorConstraintInterface {
  validate(v: unknown): boolean {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const entries = Object.entries(v);
    return (
      entries.length <= 50 &&
      entries.every(([k, val]) => k.length <= 40 && typeof val === 'string' && val.length <= 500)
    );
  }
  defaultMessage = () => 'metadata must be an object of at most 50 string values (keys ≤ 40, values ≤ 500 characters)';
}

export class PayerDto {
  @ApiPropertyOptional({
    description: "WeChat payer's openid under the channel's appid (required for wechat_jsapi and wechat_miniprogram)",
    example: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  openid?: string;

  @ApiPropertyOptional({
    description: "The payer's IP address as the merchant saw it (required for wechat_h5: WeChat checks it)",
    example: '203.0.113.7',
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({
    description:
      "alipay_barcode: the payment code the merchant scanned from the payer's Alipay app (used once, never stored)",
    example: '287651234567890123',
  })
  @IsOptional()
  @Matches(/^\d{16,24}$/, { message: 'payer.auth_code must be 16-24 digits' })
  auth_code?: string;
}

export class CardInputDto {
  @ApiPropertyOptional({
    description:
      'Compact JWE (RSA-OAEP-256 / A256GCM, kid from /.well-known/jwks.json) of {"number","exp_month","exp_year","cvc"}',
  })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  encrypted?: string;

  @ApiPropertyOptional({
    description: 'A card token from an earlier payment',
    example: 'tok_01jb8y3k2m9x7q4w5e6r7t8y9u',
  })
  @IsOptional()
  @IsString()
  @Matches(/^tok_[0-9a-z]{26}$/, { message: 'card.token must be a tok_ id' })
  token?: string;

  @ApiPropertyOptional({
    description:
      "stripe_card only: a Stripe PaymentMethod id created in the payer's browser with Stripe.js and the platform's publishable key. The card data never reaches Paygrid.",
    example: 'pm_card_visa',
  })
  @IsOptional()
  @IsString()
  @Matches(/^pm_[A-Za-z0-9_]{1,250}$/, { message: 'card.payment_method must be a Stripe pm_ id' })
  payment_method?: string;
}

export class CreatePaymentDto {
  @ApiProperty({
    description: 'Your order number, unique per app (≤ 32: letters, digits, _ and -)',
    example: 'order-20261126-0001',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'out_trade_no must be 1-32 letters, digits, _ or -' })
  out_trade_no: string;

  @MinorAmount()
  amount: number;

  @ApiProperty({ example: 'CNY', description: 'ISO 4217, upper case' })
  @Validate(IsCurrencyConstraint)
  currency: string;

  @ApiProperty({ enum: CHANNELS, example: 'alipay_qr' })
  @IsIn(CHANNELS)
  channel: Channel;

  @ApiProperty({ example: 'Coffee beans 1 kg', maxLength: 128 })
  @IsString()
  @Length(1, 128)
  subject: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({
    description: 'Seconds until an unpaid payment closes (60 s to 7 days; default 2 h)',
    example: 7200,
    minimum: 60,
    maximum: 604800,
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(604_800)
  expires_in?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { order_ref: 'A-42' } })
  @IsOptional()
  @IsObject()
  @Validate(MetadataConstraint)
  metadata?: Record<string, string>;

  @ApiPropertyOptional({ example: 'https://shop.example.com/paid' })
  @IsOptional()
  @IsUrl({ protocols: ['https', 'http'], require_tld: false, require_protocol: true })
  @MaxLength(2048)
  return_url?: string;

  @ApiPropertyOptional({
    enum: ['automatic', 'manual'],
    default: 'automatic',
    description: 'manual: authorize now, capture later (cards)',
  })
  @IsOptional()
  @IsIn(['automatic', 'manual'])
  capture_method?: 'automatic' | 'manual';

  @ApiPropertyOptional({
    default: false,
    description:
      'Profit sharing (分账): keep the money frozen at the provider so that it can be split to receivers (POST /v1/payments/{id}/splits) and the rest released. WeChat Pay and Alipay channels only',
  })
  @IsOptional()
  @IsBoolean()
  profit_sharing?: boolean;

  @ApiPropertyOptional({ type: PayerDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PayerDto)
  payer?: PayerDto;

  @ApiPropertyOptional({ type: CardInputDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CardInputDto)
  card?: CardInputDto;
}

export class CapturePaymentDto {
  @MinorAmount({ optional: true, description: 'Amount to capture, at most the authorized amount (default: all of it)' })
  amount?: number;
}
