import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { ListQueryDto, Page, toPage } from '../../common/http/pagination';
import { AdminApi, CurrentActor } from './admin-api.decorator';
import { toAdminTokenResponse, toAuditLogEntryResponse } from './admin.mapper';
import { AdminTokensService } from './admin-tokens.service';
import type { Actor } from './audit-log.service';
import { AuditLogService } from './audit-log.service';
import { AdminTokenResponseDto, AuditLogEntryDto, CreateAdminTokenDto } from './dto/admin-token.dto';
import { ApiErrors } from '../../common/http/api-errors.decorator';

class AuditLogQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Only entries about this object id' })
  @IsOptional()
  @IsString()
  target_id?: string;

  @ApiPropertyOptional({ description: 'Only entries by this actor (admin token id)' })
  @IsOptional()
  @IsString()
  actor?: string;
}

class AuditLogPageDto {
  @ApiProperty({ type: [AuditLogEntryDto] }) data: AuditLogEntryDto[];
  @ApiProperty() has_more: boolean;
}

@AdminApi('admin: tokens and audit')
@Controller('admin/v1')
export class AdminController {
  constructor(
    private readonly tokens: AdminTokensService,
    private readonly audit: AuditLogService,
  ) {}

  @Post('tokens')
  @ApiOperation({ summary: 'Create an admin or viewer token (shown once)' })
  @ApiCreatedResponse({ type: AdminTokenResponseDto })
  async createToken(@CurrentActor() actor: Actor, @Body() body: CreateAdminTokenDto): Promise<AdminTokenResponseDto> {
    const { token, secret } = await this.tokens.create(actor, body.name, body.role);
    return toAdminTokenResponse(token, secret);
  }

  @Get('tokens')
  @ApiOperation({ summary: 'List admin tokens (never their values)' })
  @ApiOkResponse({ type: [AdminTokenResponseDto] })
  async listTokens(): Promise<AdminTokenResponseDto[]> {
    return (await this.tokens.list()).map((t) => toAdminTokenResponse(t));
  }

  @Delete('tokens/:id')
  @ApiOperation({ summary: 'Revoke an admin token' })
  @ApiOkResponse({ type: AdminTokenResponseDto })
  @ApiErrors(['resource_missing', 'no such admin token'])
  async revokeToken(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<AdminTokenResponseDto> {
    return toAdminTokenResponse(await this.tokens.revoke(actor, id));
  }

  @Get('audit-log')
  @ApiOperation({ summary: 'Admin writes, newest first (append-only)' })
  @ApiOkResponse({ type: AuditLogPageDto })
  async auditLog(@Query() query: AuditLogQueryDto): Promise<Page<AuditLogEntryDto>> {
    const rows = await this.audit.list(query, { targetId: query.target_id, actor: query.actor });
    return toPage(rows, query, toAuditLogEntryResponse);
  }
}
