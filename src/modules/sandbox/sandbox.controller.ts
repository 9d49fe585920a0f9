import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AlipaySimulator } from './alipay/alipay.simulator';
import { WechatPaySimulator } from './wechatpay/wechatpay.simulator';
import { CardSimulator } from './card/card.simulator';
import { BankSimulator } from './bank/bank.simulator';
import { StripeSimulator } from './stripe/stripe.simulator';
import { SimulatorBase } from './shared/simulator-base';
import { SimRequest } from './shared/simulator-http';

/**
 * The simulators speak foreign protocols whose routing (gateway.do?method=…,
 * signed paths) is part of what they emulate, so each provider gets one
 * catch-all route that hands the raw exchange to its simulator. They are not
 * part of Paygrid's contract, hence excluded from OpenAPI. Needs the app to be
 * created with `rawBody: true` (signatures cover the exact bytes).
 */
async function relay(sim: SimulatorBase, req: Request, res: Response): Promise<void> {
  const simReq: SimRequest = {
    method: req.method,
    url: req.originalUrl,
    headers: req.headers,
    rawBody: (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0),
  };
  const out = await sim.handle(simReq);
  res.status(out.status).set(out.headers);
  if (out.body.length === 0) res.end();
  else res.send(typeof out.body === 'string' ? Buffer.from(out.body, 'utf8') : out.body);
}

@ApiExcludeController()
@Controller('sandbox/alipay')
export class AlipaySimulatorController {
  constructor(@Inject(AlipaySimulator) private readonly sim: AlipaySimulator) {}

  @All('*path')
  handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    return relay(this.sim, req, res);
  }
}

@ApiExcludeController()
@Controller('sandbox/wechatpay')
export class WechatPaySimulatorController {
  constructor(@Inject(WechatPaySimulator) private readonly sim: WechatPaySimulator) {}

  @All('*path')
  handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    return relay(this.sim, req, res);
  }
}

@ApiExcludeController()
@Controller('sandbox/card')
export class CardSimulatorController {
  constructor(@Inject(CardSimulator) private readonly sim: CardSimulator) {}

  @All('*path')
  handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    return relay(this.sim, req, res);
  }
}

@ApiExcludeController()
@Controller('sandbox/stripe')
export class StripeSimulatorController {
  constructor(@Inject(StripeSimulator) private readonly sim: StripeSimulator) {}

  @All('*path')
  handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    return relay(this.sim, req, res);
  }
}

@ApiExcludeController()
@Controller('sandbox/bank')
export class BankSimulatorController {
  constructor(@Inject(BankSimulator) private readonly sim: BankSimulator) {}

  @All('*path')
  handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    return relay(this.sim, req, res);
  }
}
