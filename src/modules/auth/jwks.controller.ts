import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Jwks, PlatformKeysService } from './platform-keys.service';

class JwksDto {
  @ApiProperty({
    description:
      'Ed25519 signing keys (`use` `sig`, `alg` `EdDSA`; `kid` = `Paygrid-Key-Id`), retired ones until their grace period ends, and the RSA card encryption key (`use` `enc`, `alg` `RSA-OAEP-256`)',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  keys: Array<Record<string, unknown>>;
}

@ApiTags('platform keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: PlatformKeysService) {}

  /** Public and unsigned: it is how responses' signatures are checked in the first place. */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({ summary: "The platform's public keys: response signing keys and the card encryption key" })
  @ApiOkResponse({ type: JwksDto })
  jwks(): Jwks {
    return this.keys.jwks();
  }
}
