import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/http/error-response.dto';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import { ProviderAccountResponseDto, UpsertProviderAccountDto } from './dto/provider-account.dto';
import { toProviderAccountResponse } from './provider-accounts.mapper';
import { ProviderAccountsService } from './provider-accounts.service';

@AdminApi('admin: merchants')
@ApiNotFoundResponse({ description: 'No such merchant', type: ErrorResponseDto })
@Controller('admin/v1/merchants/:id/provider-accounts')
export class ProviderAccountsAdminController {
  constructor(private readonly accounts: ProviderAccountsService) {}

  @Get()
  @ApiOperation({ summary: "List a merchant's provider identities and money modes (never the Alipay tokens)" })
  @ApiOkResponse({ type: [ProviderAccountResponseDto] })
  async list(@Param('id') merchantId: string): Promise<ProviderAccountResponseDto[]> {
    return (await this.accounts.list(merchantId)).map(toProviderAccountResponse);
  }

  @Put(':family')
  @ApiOperation({
    summary:
      "Attach or change a merchant's identity at wechat (sub_mchid, sub_appid) or alipay (app_auth_token) and its money mode; omitted fields keep their value",
  })
  @ApiParam({ name: 'family', enum: ['wechat', 'alipay'] })
  @ApiOkResponse({ type: ProviderAccountResponseDto })
  @ApiBadRequestResponse({
    description: '`parameter_invalid`: a field of the other family, or direct mode without an identity',
    type: ErrorResponseDto,
  })
  async upsert(
    @CurrentActor() actor: Actor,
    @Param('id') merchantId: string,
    @Param('family') family: string,
    @Body() body: UpsertProviderAccountDto,
  ): Promise<ProviderAccountResponseDto> {
    return toProviderAccountResponse(await this.accounts.upsert(actor, merchantId, family, body));
  }
}
