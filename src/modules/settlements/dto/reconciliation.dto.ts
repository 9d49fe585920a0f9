import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';

const PROVIDERS = ['alipay', 'wechatpay', 'card'];
const CATEGORIES = ['matched', 'missing_here', 'missing_at_provider', 'amount_mismatch', 'status_mismatch'];

export class RunReconciliationDto {
  @ApiProperty({ enum: PROVIDERS }) @IsIn(PROVIDERS) provider: string;
  @ApiProperty({ example: '2025-11-26', description: "The provider's bill day (UTC+8)" })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'day must be YYYY-MM-DD' })
  day: string;
}

export class ReconciliationItemDto {
  @ApiProperty({ description: 'Item id (an integer as a string)' }) id: string;
  @ApiProperty() report_id: string;
  @ApiProperty({ enum: PROVIDERS }) provider: string;
  @ApiProperty() business_day: string;
  @ApiProperty({ enum: CATEGORIES }) category: string;
  @ApiProperty({ enum: ['none', 'resolved', 'open'], description: 'open items are the exception list' })
  resolution: string;
  @ApiProperty({ enum: ['payment', 'refund'] }) reference_type: string;
  @ApiProperty() reference_id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) currency: string | null;
  @ApiPropertyOptional({ nullable: true, type: 'integer' }) statement_amount: number | null;
  @ApiPropertyOptional({ nullable: true, type: 'integer' }) ledger_amount: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'statement lines, ledger entries and notes, as seen',
  })
  evidence: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, type: String }) resolved_by: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) resolved_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) resolution_note: string | null;
  @ApiProperty() created_at: string;
}

export class ReconciliationReportDto {
  @ApiProperty({ example: 'rcn_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'reconciliation_report' }) object: 'reconciliation_report';
  @ApiProperty({ enum: PROVIDERS }) provider: string;
  @ApiProperty() business_day: string;
  @ApiProperty() statement_lines: number;
  @ApiProperty() ledger_items: number;
  @ApiProperty() matched: number;
  @ApiProperty() missing_here: number;
  @ApiProperty() missing_at_provider: number;
  @ApiProperty() amount_mismatch: number;
  @ApiProperty() status_mismatch: number;
  @ApiProperty() resolved: number;
  @ApiProperty() open_exceptions: number;
  @ApiProperty() actor: string;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({
    type: [ReconciliationItemDto],
    description: 'Every compared payment and refund (on the single-report read)',
  })
  items?: ReconciliationItemDto[];
}

export class ReconciliationReportPageDto {
  @ApiProperty({ type: [ReconciliationReportDto] }) data: ReconciliationReportDto[];
  @ApiProperty() has_more: boolean;
}

export class ReconciliationItemPageDto {
  @ApiProperty({ type: [ReconciliationItemDto] }) data: ReconciliationItemDto[];
  @ApiProperty() has_more: boolean;
}

export class ListReportsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: PROVIDERS }) @IsOptional() @IsIn(PROVIDERS) provider?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'business_day must be YYYY-MM-DD' })
  business_day?: string;
}

export class ListExceptionsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
  @ApiPropertyOptional({ description: 'Cursor: the id of the last item of the previous page' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,18}$/, { message: 'starting_after must be an item id' })
  starting_after?: string;
  @ApiPropertyOptional({ enum: PROVIDERS }) @IsOptional() @IsIn(PROVIDERS) provider?: string;
}

export class ResolveExceptionDto {
  @ApiProperty({ description: 'What was done about it (1 to 1000 characters)' })
  @IsString()
  @Length(1, 1000)
  note: string;
}
