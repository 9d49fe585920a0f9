import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiProperty({
    enum: [
      'invalid_request_error',
      'authentication_error',
      'permission_error',
      'rate_limit_error',
      'idempotency_error',
      'provider_error',
      'api_error',
    ],
  })
  type: string;

  @ApiProperty({ example: 'parameter_invalid', description: 'Stable machine-readable code' })
  code: string;

  @ApiProperty({ example: 'amount must be a positive integer' })
  message: string;

  @ApiPropertyOptional({ example: 'amount' })
  param?: string;

  @ApiProperty({ example: 'req_8f14e45fceea167a5a36dedd' })
  request_id: string;
}

/** docs/api.md's one error shape, for OpenAPI. */
export class ErrorResponseDto {
  @ApiProperty({ type: ErrorDetailDto })
  error: ErrorDetailDto;
}
