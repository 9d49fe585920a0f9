import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class PingResponseDto {
  @ApiProperty({ example: 'ping' }) object: 'ping';
  @ApiProperty({ example: 'mch_01jb8y3k2m9x7q4w5e6r7t8y9u' }) merchant_id: string;
  @ApiProperty({ example: 'app_01jb8y3k2m9x7q4w5e6r7t8y9u' }) app_id: string;
  @ApiProperty({ example: 'key_01jb8y3k2m9x7q4w5e6r7t8y9u' }) key_id: string;
  @ApiProperty({ description: 'The request that produced this body (on a replay: the first request)' })
  request_id: string;
  @ApiProperty({ description: 'Server time, RFC 3339' }) server_time: string;
}

export class CreatePingDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'hello' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  message?: string;

  @ApiPropertyOptional({
    enum: ['conflict', 'api_error'],
    description:
      'Diagnostics: fail after execution began (a 409 business error or a 500), to see how idempotency stores errors',
  })
  @IsOptional()
  @IsIn(['conflict', 'api_error'])
  simulate_error?: 'conflict' | 'api_error';
}

export class PostPingResponseDto extends PingResponseDto {
  @ApiPropertyOptional({ nullable: true, type: String }) message: string | null;
  @ApiProperty({
    description: 'How many POST /v1/ping executions this app had on this replica (in memory), this one included',
  })
  executions: number;
}
