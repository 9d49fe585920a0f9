import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';

const ID = /^[a-z]+_[0-9a-z]{26}$/;

export class ListWebhookDeliveriesQueryDto extends ListQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID) merchant_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID) app_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID) event_id?: string;
  @ApiPropertyOptional({ enum: ['pending', 'succeeded', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'succeeded', 'failed'])
  status?: 'pending' | 'succeeded' | 'failed';
}

export class WebhookAttemptDto {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: Number }) status_code: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Timeout, connection error, refused destination or `HTTP <status>`; response bodies are never stored',
  })
  error: string | null;
  @ApiProperty() latency_ms: number;
  @ApiProperty() succeeded: boolean;
  @ApiProperty({ enum: ['initial', 'retry', 'manual'] }) trigger: string;
  @ApiProperty({ format: 'date-time' }) attempted_at: string;
}

export class WebhookDeliveryResponseDto {
  @ApiProperty({ example: 'whd_01jb8x4k2m9q7r5t3v1w0y6z8a' }) id: string;
  @ApiProperty({ enum: ['webhook_delivery'] }) object: 'webhook_delivery';
  @ApiProperty({ description: 'Also the `webhook-id` header of every attempt' }) event_id: string;
  @ApiProperty() event_type: string;
  @ApiProperty() merchant_id: string;
  @ApiProperty() app_id: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) next_attempt_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) last_status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, type: Number }) last_latency_ms: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) delivered_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiPropertyOptional({
    type: [WebhookAttemptDto],
    description: 'The attempt log, oldest first (single-delivery reads only)',
  })
  attempt_log?: WebhookAttemptDto[];
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryResponseDto] }) data: WebhookDeliveryResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    description:
      'Seconds the previous secret stays valid (both signatures sent); default WEBHOOK_SECRET_OVERLAP_SECONDS',
    minimum: 0,
    maximum: 2592000,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(2_592_000)
  overlap_seconds?: number;
}

export class RotateWebhookSecretResponseDto {
  @ApiProperty() app_id: string;
  @ApiProperty({ description: 'The new `whsec_…` secret, shown this once' }) webhook_secret: string;
  @ApiProperty({ format: 'date-time' }) previous_secret_expires_at: string;
}

export class WebhookEndpointStatusDto {
  @ApiProperty() app_id: string;
  @ApiProperty({ enum: ['enabled', 'disabled'] }) status: string;
}
