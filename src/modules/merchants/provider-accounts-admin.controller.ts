import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import { AuthoriseAlipayDto, ProviderAccountResponseDto, UpsertProviderAccountDto } from './dto/provider-account.dto';
import { toProviderAccountResponse } from './provider-accounts.mapper';
import { ProviderAccountsService } from './provider-accounts.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@AdminApi('admin: merchants')
@ApiErrors(['resource_missing', 'no such merchant'])
@Controller('admin/v1/merchants/:id/provider-accounts')
export class ProviderAccountsAdminController {
  constructor(private readonly accounts: ProviderAccountsService) {}

  @Get()
  @ApiOperation({ summary: "List a merchant's provider identities and money modes (never the Alipay tokens)" })
  @ApiOkResponse({ type: [ProviderAccountResponseDto] })
  async list(@Param('id') merchantId: string): Promise<ProviderAccountResponseDto[]> {
    return (await this.accounts.list(merchantId)).map(toProviderAccountResponse);
  }

  @Get(':family')
  @ApiOperation({
    summary:
      "A merchant's identity at one family; for alipay, whether the authorisation needs the merchant again (warning: refresh_refused, refresh_token_expiring)",
  })
  @ApiParam({ name: 'family', enum: ['wechat', 'alipay'] })
  @ApiOkResponse({ type: ProviderAccountResponseDto })
  @ApiErrors(['parameter_invalid', 'an unknown family'])
  async get(@Param('id') merchantId: string, @Param('family') family: string): Promise<ProviderAccountResponseDto> {
    return toProviderAccountResponse(await this.accounts.get(merchantId, family));
  }

  @Put(':family')
  @ApiOperation({
    summary:
      "Attach or change a merchant's identity at wechat (sub_mchid, sub_appid) or alipay (app_auth_token) and its money mode; omitted fields keep their value",
  })
  @ApiParam({ name: 'family', enum: ['wechat', 'alipay'] })
  @ApiOkResponse({ type: ProviderAccountResponseDto })
  @ApiErrors(['parameter_invalid', 'a field of the other family, or direct mode without an identity'])
  async upsert(
    @CurrentActor() actor: Actor,
    @Param('id') merchantId: string,
    @Param('family') family: string,
    @Body() body: UpsertProviderAccountDto,
  ): Promise<ProviderAccountResponseDto> {
    return toProviderAccountResponse(await this.accounts.upsert(actor, merchantId, family, body));
  }

  @Post('alipay/authorise')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Exchange the merchant's Alipay app_auth_code (第三方应用授权) for its app_auth_token and refresh token, stored encrypted; the merchant's Alipay payments then act as the merchant",
    description:
      'Calls alipay.open.auth.token.app (grant_type=authorization_code). The tokens are never returned; the token is refreshed on use before it expires (docs/provider-accounts.md). Audited.',
  })
  @ApiOkResponse({ type: ProviderAccountResponseDto })
  @ApiErrors([
    'parameter_invalid',
    '(`app_auth_code`) Alipay refused the code (unknown, used or expired); nothing changed',
  ])
  @ApiErrors(['service_unavailable', 'Alipay did not answer; nothing changed (Retry-After)'])
  async authoriseAlipay(
    @CurrentActor() actor: Actor,
    @Param('id') merchantId: string,
    @Body() body: AuthoriseAlipayDto,
  ): Promise<ProviderAccountResponseDto> {
    return toProviderAccountResponse(await this.accounts.authoriseAlipay(actor, merchantId, body));
  }
}
