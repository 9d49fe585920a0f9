import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError, serviceUnavailable } from '../../common/errors/domain-error';
import { hasPrefix } from '../../common/ids/ids.util';
import { CASHIER_CSS, CASHIER_JS } from './cashier-assets';
import { CASHIER_CSP, CashierView, renderCashier, renderCounterPage, renderNotFound } from './cashier-page.util';
import { CashierStream, CashierStreams } from './cashier-streams.service';
import { cashierStatus, isFinalStatus, sseEventName } from './cashier-status.util';
import { CheckoutErrors } from './checkout.errors';
import { CheckoutService, SessionState } from './checkout.service';
import { formatMajor, parseMajor } from '../../common/money/major-units.util';
import { PayerApp, inAppChannel, payerAppOf } from './payer-app.util';

function page(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CASHIER_CSP,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    })
    .send(html);
}

const tooManyStreams = () =>
  serviceUnavailable('Too many live status streams are open; poll GET /checkout/{id}/status instead', 5);

const seeOther = (res: Response, location: string) => res.redirect(303, location);

/**
 * The payer's side of checkout sessions (docs/cashier.md): server-rendered
 * HTML under /checkout, no authentication (the session id is the capability,
 * and the page shows only what the payer may see). Not part of the merchant
 * API, hence not in OpenAPI. Which wallet opened the page is read from its
 * User-Agent; in sandbox mode `?as=alipay|wechat` plays that wallet.
 */
@ApiExcludeController()
@Controller('checkout')
export class CashierController {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly streams: CashierStreams,
  ) {}

  @Get('assets/cashier.js')
  script(@Res() res: Response): void {
    res
      .set({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' })
      .send(CASHIER_JS);
  }

  @Get('assets/cashier.css')
  style(@Res() res: Response): void {
    res.set({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }).send(CASHIER_CSS);
  }

  @Get('counter/:id')
  async counter(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const code = hasPrefix(id, 'cc') ? await this.checkout.counterCode(id).catch(() => null) : null;
    if (!code) return page(res, 404, renderNotFound());
    page(res, 200, renderCounterPage(await this.counterView(code)));
  }

  @Post('counter/:id')
  async counterPay(@Param('id') id: string, @Body() body: { amount?: unknown }, @Res() res: Response): Promise<void> {
    const code = hasPrefix(id, 'cc') ? await this.checkout.counterCode(id).catch(() => null) : null;
    if (!code) return page(res, 404, renderNotFound());
    const amount = typeof body?.amount === 'string' ? parseMajor(body.amount, code.currency) : undefined;
    if (amount === undefined)
      return page(
        res,
        400,
        renderCounterPage({ ...(await this.counterView(code)), error: 'Enter an amount such as 12.50' }),
      );
    const session = await this.checkout.sessionFromCounterCode(code, amount);
    seeOther(res, `/checkout/${session.id}`);
  }

  @Get(':id')
  async show(
    @Param('id') id: string,
    @Query() q: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const state = await this.find(id);
    if (!state) return page(res, 404, renderNotFound());
    const { session, payment } = state;
    const app = this.payerApp(req, q.as);
    const choose = q.choose === '1';
    const pendingHere = payment?.status === 'pending' && payment.nextAction;
    if (session.status === 'open' && !choose && app !== 'browser') {
      const channel = inAppChannel(app, session.channels);
      const current = pendingHere && payment.channel === channel;
      if (channel && !current) {
        if (channel === 'wechat_jsapi') {
          // The openid first: WeChat sends the payer back to /wechat-oauth with a code.
          const back = `${this.checkout.cfg.publicBaseUrl}/checkout/${id}/wechat-oauth`;
          return res.redirect(302, this.checkout.oauth!.authorizeUrl(back, id));
        }
        try {
          const after = await this.checkout.startPayment(id, channel);
          const action = after.payment?.nextAction;
          if (after.payment?.status === 'pending' && action?.type === 'redirect') return res.redirect(302, action.url);
          return page(res, 200, renderCashier(await this.view(after, false)));
        } catch (err) {
          return this.failed(res, state, err);
        }
      }
      if (current && payment.nextAction?.type === 'redirect') return res.redirect(302, payment.nextAction.url);
    }
    page(res, 200, renderCashier(await this.view(state, choose, app)));
  }

  @Post(':id/pay')
  async pay(@Param('id') id: string, @Body() body: { channel?: unknown }, @Res() res: Response): Promise<void> {
    const state = await this.find(id);
    if (!state) return page(res, 404, renderNotFound());
    try {
      await this.checkout.startPayment(id, typeof body?.channel === 'string' ? body.channel : '');
    } catch (err) {
      return this.failed(res, state, err);
    }
    seeOther(res, `/checkout/${id}`);
  }

  @Get(':id/wechat-oauth')
  async wechatOauth(@Param('id') id: string, @Query('code') code: unknown, @Res() res: Response): Promise<void> {
    const state = await this.find(id);
    if (!state) return page(res, 404, renderNotFound());
    if (!this.checkout.oauth || typeof code !== 'string' || code.length === 0 || code.length > 128)
      return seeOther(res, `/checkout/${id}?choose=1`);
    try {
      const openid = await this.checkout.oauth.openidFor(code);
      await this.checkout.startPayment(id, 'wechat_jsapi', { openid });
    } catch (err) {
      return this.failed(res, state, err);
    }
    seeOther(res, `/checkout/${id}`);
  }

  @Post(':id/sandbox')
  async sandbox(@Param('id') id: string, @Body() body: { outcome?: unknown }, @Res() res: Response): Promise<void> {
    const state = await this.find(id);
    if (!state || !this.checkout.sandbox) return page(res, 404, renderNotFound());
    if (body?.outcome === 'success' || body?.outcome === 'fail') await this.checkout.sandboxOutcome(id, body.outcome);
    seeOther(res, `/checkout/${id}`);
  }

  @Get(':id/status')
  async status(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const state = await this.find(id);
    res.set({ 'cache-control': 'no-store' });
    if (!state) return void res.status(404).json({ error: 'not_found' });
    res.json(cashierStatus(state.session, state.payment?.status ?? null));
  }

  /**
   * The live status as Server-Sent Events: the current status at once, then
   * each change (`status`), and `paid` or `expired` as the last event before
   * the stream ends. The page falls back to polling /status when this
   * answers anything but a stream (503 when the process has as many streams
   * as it may).
   */
  @Get(':id/events')
  async events(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (this.streams.full) throw tooManyStreams();
    const state = await this.find(id);
    if (!state) throw CheckoutErrors.sessionNotFound(id);
    const first = cashierStatus(state.session, state.payment?.status ?? null);
    const stream: CashierStream = {
      sessionId: id,
      last: first,
      send: (event, data) => void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
      ping: () => void res.write(': ping\n\n'),
      end: () => void res.end(),
    };
    const final = isFinalStatus(first);
    if (!final && !this.streams.add(stream)) throw tooManyStreams();
    res.once('close', () => this.streams.remove(stream));
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    // A dropped connection is retried by the browser after 3 s; the stream then starts with the status again.
    res.write('retry: 3000\n\n');
    stream.send(sseEventName(first), first);
    if (final) stream.end();
    // Node's request timeout is for reading the request; the response may last as long as the session.
    req.socket.setTimeout(0);
  }

  @Get(':id/return')
  async back(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const state = await this.find(id);
    if (!state) return page(res, 404, renderNotFound());
    const url = this.checkout.signedReturn(state.session);
    seeOther(res, url ?? `/checkout/${id}`);
  }

  private async find(id: string): Promise<SessionState | null> {
    if (!hasPrefix(id, 'cs')) return null;
    try {
      return await this.checkout.load(id);
    } catch (err) {
      if (err instanceof DomainError && err.status === 404) return null;
      throw err;
    }
  }

  private payerApp(req: Request, as: unknown): PayerApp {
    if (this.checkout.sandbox && (as === 'alipay' || as === 'wechat')) return as;
    return payerAppOf(req.headers['user-agent']);
  }

  /** A refused choice (provider down, session closed) shows the page again with what happened. */
  private async failed(res: Response, state: SessionState, err: unknown): Promise<void> {
    if (!(err instanceof DomainError) || err.status >= 500) throw err;
    const fresh = await this.checkout.load(state.session.id);
    const view = await this.view(fresh, true);
    if (view.state.kind === 'choose') view.state.notice = err.message;
    page(res, err.status, renderCashier(view));
  }

  private async counterView(code: { id: string; merchantId: string; subject: string; currency: string }) {
    return {
      codeId: code.id,
      merchantName: await this.checkout.merchantName(code.merchantId),
      subject: code.subject,
      currency: code.currency,
      sandbox: this.checkout.sandbox,
    };
  }

  private async view(
    { session, payment }: SessionState,
    choose: boolean,
    app: PayerApp = 'browser',
  ): Promise<CashierView> {
    const base = {
      sessionId: session.id,
      merchantName: await this.checkout.merchantName(session.merchantId),
      subject: session.subject,
      amountMajor: formatMajor(session.amount, session.currency),
      currency: session.currency,
      sandbox: this.checkout.sandbox,
      sessionUrl: this.checkout.sessionUrl(session.id),
    };
    if (session.status === 'complete')
      return {
        ...base,
        state: { kind: 'complete', returnPath: session.returnUrl ? `/checkout/${session.id}/return` : undefined },
      };
    if (session.status === 'expired') return { ...base, state: { kind: 'expired' } };
    const a = payment?.status === 'pending' ? payment.nextAction : null;
    if (a && !choose) {
      if (a.type === 'qr_code')
        return { ...base, state: { kind: 'qr_code', channel: payment!.channel, content: a.qr_code } };
      if (a.type === 'redirect') return { ...base, state: { kind: 'redirect', channel: payment!.channel, url: a.url } };
      if (a.type === 'wechat_jsapi')
        return { ...base, state: { kind: 'wechat_jsapi', channel: payment!.channel, params: a.params } };
    }
    const notice =
      payment && (payment.status === 'failed' || payment.status === 'closed') && !choose
        ? 'That payment did not go through. Choose again.'
        : undefined;
    // JSAPI runs only inside WeChat (which reaches it through the one code above), so other browsers are not offered it.
    const channels = session.channels.filter((c) => c !== 'wechat_jsapi' || app === 'wechat');
    return { ...base, state: { kind: 'choose', channels, notice } };
  }
}
