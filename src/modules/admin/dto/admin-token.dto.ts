import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import type { AdminRole } from '../entities/admin-token.entity';

export class CreateAdminTokenDto {
  @ApiProperty({ example: 'ops-readonly' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ enum: ['admin', 'viewer'] })
  @IsIn(['admin', 'viewer'])
  role: AdminRole;
}

export class AdminTokenResponseDto {
  @ApiProperty({ example: 'atk_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['admin', 'viewer'] }) role: string;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revoked_at: string | null;
  @ApiPropertyOptional({ description: 'The token itself, shown only in the create response' }) token?: string;
}

export class AuditLogEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Admin token id, `cli` or `system`' }) actor: string;
  @ApiProperty({ example: 'merchant.update' }) action: string;
  @ApiProperty() target_type: string;
  @ApiPropertyOptional({ nullable: true, type: String }) target_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: Object }) before: object | null;
  @ApiPropertyOptional({ nullable: true, type: Object }) after: object | null;
  @ApiPropertyOptional({ nullable: true, type: String }) request_id: string | null;
  @ApiProperty() created_at: string;
}
