import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import { DeadLettersService } from './dead-letters.service';
import { DeadLetterDepthDto, ReplayDeadLettersDto, ReplayDeadLettersResponseDto } from './dto/dead-letters.dto';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@AdminApi('admin: events')
@ApiErrors(['resource_missing', 'no consumer of that name'])
@ApiErrors(['dead_letters_unavailable', 'no RabbitMQ configured'])
@ApiErrors(['service_unavailable', 'RabbitMQ unreachable'])
@Controller('admin/v1/dead-letters')
export class DeadLettersAdminController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get(':consumer')
  @ApiOperation({ summary: "How many events wait in a consumer's dead-letter queue" })
  @ApiOkResponse({ type: DeadLetterDepthDto })
  depth(@Param('consumer') consumer: string): Promise<DeadLetterDepthDto> {
    return this.deadLetters.depth(consumer);
  }

  @Post(':consumer/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: "Move the oldest dead-lettered events back into the consumer's queue with a fresh attempt count (audited)",
  })
  @ApiOkResponse({ type: ReplayDeadLettersResponseDto })
  replay(
    @CurrentActor() actor: Actor,
    @Param('consumer') consumer: string,
    @Body() body: ReplayDeadLettersDto,
  ): Promise<ReplayDeadLettersResponseDto> {
    return this.deadLetters.replay(consumer, body.limit ?? 1, actor);
  }
}
