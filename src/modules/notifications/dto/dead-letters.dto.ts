import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class ReplayDeadLettersDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000,
    default: 1,
    description: 'How many of the oldest dead-lettered events to move back into the consumer queue',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class DeadLetterDepthDto {
  @ApiProperty({ example: 'webhooks' }) consumer: string;
  @ApiProperty({ description: 'Messages in the consumer dead-letter queue' }) depth: number;
}

export class ReplayedEventDto {
  @ApiProperty({ example: 'evt_01jb8y3k2m9x7q4w5e6r7t8y9u' }) event_id: string;
  @ApiProperty({ example: 'payment.succeeded' }) type: string;
}

export class ReplayDeadLettersResponseDto {
  @ApiProperty({ example: 'webhooks' }) consumer: string;
  @ApiProperty({ type: [ReplayedEventDto], description: 'Moved back, oldest first; each gets a fresh attempt count' })
  replayed: ReplayedEventDto[];
  @ApiProperty({ description: 'Messages left in the dead-letter queue' }) remaining: number;
}
