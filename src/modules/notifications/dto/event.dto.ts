import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MERCHANT_EVENT_TYPES, type EventType, type MerchantEventType } from '@paygrid/contracts';
import { IsIn, IsOptional } from 'class-validator';
import { ListQueryDto } from '../../../common/http/pagination';

export class ListEventsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: MERCHANT_EVENT_TYPES, description: 'Only events of this type' })
  @IsOptional()
  @IsIn(MERCHANT_EVENT_TYPES)
  type?: MerchantEventType;
}

class EventDataDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The payment, refund, settlement, payout or endpoint, as the API shows it after the change',
  })
  object: Record<string, unknown>;
}

/** The docs/api.md envelope (also the RabbitMQ message body and the webhook body). */
export class EventResponseDto {
  @ApiProperty({ example: 'evt_01jb8x4k2m9q7r5t3v1w0y6z8a' }) id: string;
  @ApiProperty({ enum: MERCHANT_EVENT_TYPES }) type: EventType;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty() merchant_id: string;
  @ApiProperty({ nullable: true, type: String }) app_id: string | null;
  @ApiProperty({ enum: [1] }) version: 1;
  @ApiProperty({ description: 'Id of the object the event is about' }) aggregate_id: string;
  @ApiProperty({
    description: '1, 2, 3 … per aggregate_id in commit order: restores per-object order (deliveries are not ordered)',
  })
  aggregate_sequence: number;
  @ApiProperty({ type: EventDataDto }) data: EventDataDto;
}

export class EventPageDto {
  @ApiProperty({ type: [EventResponseDto] }) data: EventResponseDto[];
  @ApiProperty() has_more: boolean;
}
