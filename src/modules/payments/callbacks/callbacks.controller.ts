import { Controller, HttpCode, Param, ParseEnumPipe, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ProviderCallbacksService } from './provider-callbacks.service';

/**
 * `POST /callbacks/{alipay,wechatpay,card,stripe}`: provider notifications, not for
 * merchants. The raw bytes go to the adapter, which verifies before anything
 * is read; the answer is in the provider's own format.
 */
@ApiExcludeController()
@Controller('callbacks')
export class CallbacksController {
  constructor(private readonly callbacks: ProviderCallbacksService) {}

  @Post(':provider')
  @HttpCode(200)
  async receive(
    @Param('provider', new ParseEnumPipe(['alipay', 'wechatpay', 'card', 'stripe']))
    provider: 'alipay' | 'wechatpay' | 'card' | 'stripe',
    @Req() req: Request & { rawBody?: Buffer },
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.callbacks.handle(provider, {
      headers: req.headers,
      rawBody: req.rawBody ?? Buffer.alloc(0),
    });
    res.status(answer.status).type(answer.contentType).send(answer.body);
  }
}
