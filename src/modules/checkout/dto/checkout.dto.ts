import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CheckoutSessionStatus } from '../entities/checkout-session.entity';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
} from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';
import { MinorAmount } from '../../../common/money/minor-amount.decorator';
import { IsCurrencyConstraint } from '../../merchants/dto/merchant.dto';
import { CASHIER_CHANNELS } from '../payer-app.util';

const ReturnUrl = () =>
  IsUrl(
    { protocols: ['https', 'http'], require_tld: false, require_protocol: true },
    { message: 'return_url must be an http(s) URL' },
  );

export class CreateCheckoutSessionDto {
  @ApiProperty({
    description: 'Your order number, unique per app among checkout sessions (≤ 32: letters, digits, _ and -)',
    example: 'order-20261202-0042',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'out_trade_no must be 1-32 letters, digits, _ or -' })
  out_trade_no: string;

  @MinorAmount()
  amount: number;

  @ApiProperty({ example: 'CNY', description: 'ISO 4217, upper case' })
  @Validate(IsCurrencyConstraint)
  currency: string;

  @ApiProperty({ example: 'Coffee beans 1 kg', maxLength: 128 })
  @IsString()
  @Length(1, 128)
  subject: string;

  @ApiPropertyOptional({
    description:
      'Channels the payer may choose from (default: every channel of the app the cashier can run). Cards are not offered by the cashier.',
    example: ['alipay_qr', 'wechat_native', 'wechat_jsapi'],
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsIn(CASHIER_CHANNELS, { each: true, message: `each channel must be one of ${CASHIER_CHANNELS.join(', ')}` })
  channels?: string[];

  @ApiPropertyOptional({
    description: 'Where the buyer is sent after paying, with signed `paygrid_*` query parameters (docs/cashier.md)',
    example: 'https://shop.example.com/orders/42/paid',
  })
  @IsOptional()
  @ReturnUrl()
  @MaxLength(2048)
  return_url?: string;

  @ApiPropertyOptional({
    description: 'Seconds until an unpaid session expires (60 s to 24 h; default 30 min)',
    example: 1800,
    minimum: 60,
    maximum: 86_400,
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(86_400)
  expires_in?: number;
}

export class CreateCounterCodeDto {
  @ApiProperty({ example: 'CNY', description: 'ISO 4217, upper case' })
  @Validate(IsCurrencyConstraint)
  currency: string;

  @ApiProperty({ example: 'Acme Coffee, counter 1', maxLength: 128, description: 'The subject of every payment' })
  @IsString()
  @Length(1, 128)
  subject: string;

  @ApiPropertyOptional({ type: [String], example: ['alipay_wap', 'wechat_jsapi', 'alipay_qr'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsIn(CASHIER_CHANNELS, { each: true, message: `each channel must be one of ${CASHIER_CHANNELS.join(', ')}` })
  channels?: string[];

  @ApiPropertyOptional({ example: 'https://shop.example.com/thanks' })
  @IsOptional()
  @ReturnUrl()
  @MaxLength(2048)
  return_url?: string;
}

export class ListCheckoutSessionsQueryDto extends ListQueryDto {}

export class CheckoutSessionResponseDto {
  @ApiProperty({ example: 'cs_01kbfx3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'checkout_session' }) object: 'checkout_session';
  @ApiProperty({
    description: 'The cashier page, and the one QR code every wallet can scan (聚合码)',
    example: 'https://pay.example.com/checkout/cs_01kbfx3k2m9x7q4w5e6r7t8y9u',
  })
  url: string;
  @ApiProperty({ description: '`url` drawn as a QR code: an SVG data URL', example: 'data:image/svg+xml;base64,…' })
  qr_code_image: string;
  @ApiProperty() app_id: string;
  @ApiProperty() out_trade_no: string;
  @ApiProperty({ example: 10000 }) amount: number;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty() subject: string;
  @ApiProperty({ type: [String] }) channels: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) return_url: string | null;
  @ApiProperty({ enum: ['open', 'complete', 'expired'] }) status: CheckoutSessionStatus;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'The payment of the latest choice of channel; once complete, the payment that paid',
  })
  payment_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) counter_code_id: string | null;
  @ApiProperty() expires_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) completed_at: string | null;
  @ApiProperty() created_at: string;
}

export class CheckoutSessionPageDto {
  @ApiProperty({ type: [CheckoutSessionResponseDto] }) data: CheckoutSessionResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class CounterCodeResponseDto {
  @ApiProperty({ example: 'cc_01kbfx3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'counter_code' }) object: 'counter_code';
  @ApiProperty({ description: 'Print this as a QR code: the payer scans it and enters the amount' }) url: string;
  @ApiProperty({ description: '`url` drawn as a QR code: an SVG data URL' }) qr_code_image: string;
  @ApiProperty() app_id: string;
  @ApiProperty() currency: string;
  @ApiProperty() subject: string;
  @ApiProperty({ type: [String] }) channels: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) return_url: string | null;
  @ApiProperty() created_at: string;
}
