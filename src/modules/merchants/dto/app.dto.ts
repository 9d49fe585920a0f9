import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { CHANNELS, type Channel } from '../../providers/provider.port';

export class CreateAppDto {
  @ApiProperty({ example: 'Acme web shop' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: CHANNELS, isArray: true, example: ['alipay_qr', 'wechat_native', 'card'] })
  @IsArray()
  @ArrayUnique()
  @IsIn(CHANNELS, { each: true })
  channels: Channel[];

  @ApiPropertyOptional({
    example: 'https://shop.example.com/paygrid/webhooks',
    description: 'https; http only to loopback in sandbox',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  webhook_url?: string;
}

export class UpdateAppDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CHANNELS, { each: true })
  channels?: Channel[];

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes the endpoint' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  // "" is neither a URL nor null (the create route refuses it too).
  @IsNotEmpty({ message: 'webhook_url must be a URL, or null to remove the endpoint' })
  @MaxLength(2048)
  webhook_url?: string | null;
}

export class AppResponseDto {
  @ApiProperty({ example: 'app_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'app' }) object: 'app';
  @ApiProperty() merchant_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status: string;
  @ApiProperty({ enum: CHANNELS, isArray: true }) channels: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) webhook_url: string | null;
  @ApiPropertyOptional({ description: '`whsec_…`, shown only when a webhook URL is first set' })
  webhook_secret?: string;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class CreateKeyDto {
  @ApiProperty({ enum: ['hmac', 'rsa'] })
  @IsIn(['hmac', 'rsa'])
  type: 'hmac' | 'rsa';

  @ApiPropertyOptional({ description: 'PEM RSA public key (2048 bits or more); required for type rsa' })
  @ValidateIf((o: CreateKeyDto) => o.type === 'rsa' || o.public_key !== undefined)
  @IsString()
  @MaxLength(8192)
  public_key?: string;
}

export class KeyResponseDto {
  @ApiProperty({ example: 'key_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'key' }) object: 'key';
  @ApiProperty() app_id: string;
  @ApiProperty({ enum: ['hmac', 'rsa'] }) type: string;
  @ApiProperty({
    enum: ['test', 'live'],
    description:
      'The mode of the instance that issued the key: `test` in sandbox mode (secret `sk_test_…`), `live` in live mode (`sk_live_…`). A live instance refuses test keys (401 `key_mode_mismatch`).',
  })
  mode: string;
  @ApiProperty({ enum: ['active', 'revoked'] }) status: string;
  @ApiPropertyOptional({
    description: 'The HMAC secret (`sk_test_…` or `sk_live_…`), shown only in the create response',
  })
  secret?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) public_key?: string | null;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revoked_at: string | null;
}
