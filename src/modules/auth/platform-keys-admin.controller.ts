import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import { PlatformKeyResponseDto, RotateSigningKeyDto, RotationResponseDto } from './dto/platform-key.dto';
import type { PlatformKey } from './entities/platform-key.entity';
import { PlatformKeysService } from './platform-keys.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

const toPlatformKeyResponse = (k: PlatformKey): PlatformKeyResponseDto => ({
  id: k.id,
  use: k.use,
  alg: k.alg,
  status: k.status,
  created_at: k.createdAt.toISOString(),
  retired_at: k.retiredAt ? k.retiredAt.toISOString() : null,
  retire_after: k.retireAfter ? k.retireAfter.toISOString() : null,
});

@AdminApi('admin: platform keys')
@Controller('admin/v1/platform-keys')
export class PlatformKeysAdminController {
  constructor(private readonly keys: PlatformKeysService) {}

  @Get()
  @ApiOperation({ summary: "The platform's signing and encryption keys (never their private halves)" })
  @ApiOkResponse({ type: [PlatformKeyResponseDto] })
  async list(): Promise<PlatformKeyResponseDto[]> {
    return (await this.keys.listKeys()).map(toPlatformKeyResponse);
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rotate the response signing key (`use` `sig`, default) or the card encryption key (`enc`); the old one stays in the JWKS for the grace period',
  })
  @ApiOkResponse({ type: RotationResponseDto })
  rotate(@CurrentActor() actor: Actor, @Body() body: RotateSigningKeyDto): Promise<RotationResponseDto> {
    const grace = body.grace_seconds ?? 86400;
    return body.use === 'enc' ? this.keys.rotateEncryptionKey(grace, actor) : this.keys.rotateSigningKey(grace, actor);
  }

  @Post(':id/retire')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "End a rotated-out key's grace period now: it leaves the JWKS; card JWEs under its kid are refused (400 `card_encryption_key_retired`)",
  })
  @ApiOkResponse({ type: PlatformKeyResponseDto })
  @ApiErrors('resource_missing')
  @ApiErrors(['platform_key_active', 'rotate the key first'])
  async retire(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<PlatformKeyResponseDto> {
    return toPlatformKeyResponse(await this.keys.retire(id, actor));
  }
}
