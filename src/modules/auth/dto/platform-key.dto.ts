import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export class RotateSigningKeyDto {
  @ApiPropertyOptional({
    enum: ['sig', 'enc'],
    default: 'sig',
    description:
      '`sig`: the response signing key. `enc`: the RSA-OAEP-256 card encryption key; the old one keeps decrypting card JWEs until its grace period ends or `POST /admin/v1/platform-keys/{id}/retire`.',
  })
  @IsOptional()
  @IsIn(['sig', 'enc'])
  use?: 'sig' | 'enc';

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 30 * 24 * 3600,
    default: 86400,
    description:
      'How long the old key stays in the JWKS (and, for `enc`, keeps decrypting). Keep it above 60 s: other replicas switch keys within 30 s. For `enc`, cover how long clients cache the JWKS (the SDK: until it sees a new kid).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  grace_seconds?: number;
}

export class PlatformKeyResponseDto {
  @ApiProperty({ example: 'pk_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ enum: ['sig', 'enc'] }) use: string;
  @ApiProperty({ example: 'EdDSA' }) alg: string;
  @ApiProperty({ enum: ['active', 'retired'] }) status: string;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) retired_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Leaves the JWKS at this time' }) retire_after:
    string | null;
}

export class RotationResponseDto {
  @ApiProperty({ enum: ['sig', 'enc'], description: 'Which key was rotated' }) use: string;
  @ApiProperty({ description: 'The new active key' }) active: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The key retired by this rotation' }) retired:
    string | null;
}
