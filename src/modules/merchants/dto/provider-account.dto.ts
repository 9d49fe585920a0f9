import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export class UpsertProviderAccountDto {
  @ApiPropertyOptional({
    enum: ['direct', 'collected'],
    description:
      '`direct`: service-provider mode, the provider settles to the merchant. `collected` (default): the platform collects and pays out (二清; see docs/provider-accounts.md)',
  })
  @IsOptional()
  @IsIn(['direct', 'collected'])
  mode?: 'direct' | 'collected';

  @ApiPropertyOptional({ example: '1900000109', description: 'WeChat Pay only: the sub-merchant number' })
  @IsOptional()
  @Matches(/^[0-9]{8,32}$/, { message: 'sub_mchid must be the digits of a WeChat Pay sub-merchant number' })
  sub_mchid?: string;

  @ApiPropertyOptional({ example: 'wx8888888888888888', description: "WeChat Pay only: the sub-merchant's own appid" })
  @IsOptional()
  @Matches(/^wx[0-9a-zA-Z]{16}$/, { message: 'sub_appid must look like wx followed by 16 characters' })
  sub_appid?: string;

  @ApiPropertyOptional({ example: '2021000000000002', description: 'Alipay only: the authorised app id' })
  @IsOptional()
  @Matches(/^[0-9]{16}$/, { message: 'auth_app_id must be a 16-digit Alipay app id' })
  auth_app_id?: string;

  @ApiPropertyOptional({ description: 'Alipay only: stored encrypted, never returned' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{8,128}$/, { message: 'app_auth_token must be 8-128 characters of A-Z a-z 0-9 . _ -' })
  app_auth_token?: string;

  @ApiPropertyOptional({ description: 'Alipay only: stored encrypted, never returned' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{8,128}$/, { message: 'app_refresh_token must be 8-128 characters of A-Z a-z 0-9 . _ -' })
  app_refresh_token?: string;

  @ApiPropertyOptional({ example: 31536000, description: 'Alipay only: seconds until app_auth_token expires' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10 * 365 * 86400)
  expires_in?: number;

  @ApiPropertyOptional({ example: 32140800, description: 'Alipay only: seconds until app_refresh_token expires' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10 * 365 * 86400)
  re_expires_in?: number;
}

export class AuthoriseAlipayDto {
  @ApiProperty({
    example: 'P26b0ecd3b9c04e9b8c4a0d2b7e5f1a3d',
    description:
      "The `app_auth_code` Alipay appended to the platform's redirect_uri after the merchant authorised the platform's app; exchanged once with alipay.open.auth.token.app",
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{8,128}$/, { message: 'app_auth_code must be 8-128 characters of A-Z a-z 0-9 . _ -' })
  app_auth_code: string;

  @ApiPropertyOptional({
    enum: ['direct', 'collected'],
    description: "The merchant's Alipay money mode once authorised (default `direct`)",
  })
  @IsOptional()
  @IsIn(['direct', 'collected'])
  mode?: 'direct' | 'collected';
}

export class AlipayAuthorisationDto {
  @ApiProperty() authorised: boolean;
  @ApiProperty({ nullable: true, type: String }) auth_app_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The authorising merchant's Alipay user id (2088…), the seller of its trades",
  })
  user_id: string | null;
  @ApiProperty({ nullable: true, type: String }) token_expires_at: string | null;
  @ApiProperty({ nullable: true, type: String }) refresh_expires_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When Alipay last refused to refresh the token (a definite refusal); null once a refresh succeeds',
  })
  refresh_failed_at: string | null;
  @ApiProperty({ nullable: true, type: String, description: "Alipay's code for that refusal" })
  refresh_failure_code: string | null;
  @ApiProperty({
    nullable: true,
    enum: ['refresh_refused', 'refresh_token_expiring'],
    description:
      'Set when the merchant must authorise again soon: Alipay refused the last refresh, or the refresh token expires within 14 days. null: nothing to do',
  })
  warning: 'refresh_refused' | 'refresh_token_expiring' | null;
}

export class ProviderAccountResponseDto {
  @ApiProperty({ example: 'mpa_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'provider_account' }) object: 'provider_account';
  @ApiProperty() merchant_id: string;
  @ApiProperty({ enum: ['wechat', 'alipay'] }) family: string;
  @ApiProperty({ enum: ['direct', 'collected'] }) mode: string;
  @ApiProperty({ nullable: true, type: String }) sub_mchid: string | null;
  @ApiProperty({ nullable: true, type: String }) sub_appid: string | null;
  @ApiPropertyOptional({
    type: AlipayAuthorisationDto,
    description: 'Alipay only; the tokens themselves are never returned',
  })
  alipay_authorisation?: AlipayAuthorisationDto;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}
