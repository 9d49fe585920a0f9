import { qrSvg } from '../../common/qr/qr-svg.util';
import { CHANNEL_LABELS } from './payer-app.util';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The cashier's pages, rendered on the server. No inline script or style
 * (the CSP allows only /checkout/assets), nothing secret: the payer's page
 * shows what a payer may see and posts forms back to /checkout. Without
 * JavaScript every step works by forms and links, and a waiting page reloads
 * itself through <noscript><meta refresh>.
 */

export const CASHIER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface CashierView {
  sessionId: string;
  merchantName: string;
  subject: string;
  /** Already in major units, e.g. "100.00". */
  amountMajor: string;
  currency: string;
  sandbox: boolean;
  /** Absolute URL of the session: the one code for every wallet. */
  sessionUrl: string;
  state:
    | { kind: 'choose'; channels: string[]; notice?: string }
    | { kind: 'qr_code'; channel: string; content: string }
    | { kind: 'redirect'; channel: string; url: string }
    | { kind: 'wechat_jsapi'; channel: string; params: Record<string, string> }
    | { kind: 'complete'; returnPath?: string }
    | { kind: 'expired' };
}

function layout(title: string, body: string, opts: { refresh?: boolean; statusUrl?: string } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title><link rel="stylesheet" href="/checkout/assets/cashier.css">
${opts.refresh ? '<noscript><meta http-equiv="refresh" content="5"></noscript>' : ''}
<script src="/checkout/assets/cashier.js" defer></script></head>
<body><main${opts.statusUrl ? ` data-status-url="${esc(opts.statusUrl)}" data-events-url="${esc(opts.statusUrl.replace(/\/status$/, '/events'))}"` : ''}>${body}</main></body></html>`;
}

function header(v: CashierView): string {
  return `<header><p class="merchant">${esc(v.merchantName)}</p>
<h1><span class="amount" data-testid="amount">${esc(v.amountMajor)}</span> <span class="currency">${esc(v.currency)}</span></h1>
<p class="subject">${esc(v.subject)}</p>${v.sandbox ? '<p class="sandbox">Sandbox: no real money moves.</p>' : ''}</header>`;
}

function sandboxButtons(v: CashierView): string {
  if (!v.sandbox) return '';
  const b = (outcome: string, label: string) =>
    `<form method="post" action="/checkout/${esc(v.sessionId)}/sandbox"><input type="hidden" name="outcome" value="${outcome}"><button type="submit" data-testid="sandbox-${outcome}">${label}</button></form>`;
  return `<section class="sandbox-actions" aria-label="Sandbox payer"><h2>Act as the payer</h2>${b('success', 'Pay (sandbox)')}${b('fail', 'Fail (sandbox)')}</section>`;
}

const status = (text: string, state: string) =>
  `<p id="status" role="status" aria-live="polite" data-state="${state}">${esc(text)}</p>`;

const otherWay = (v: CashierView) =>
  `<p><a href="/checkout/${esc(v.sessionId)}?choose=1">Choose another way to pay</a></p>`;

export function renderCashier(v: CashierView): string {
  const base = `/checkout/${v.sessionId}`;
  const s = v.state;
  const statusUrl = `${base}/status`;
  switch (s.kind) {
    case 'choose': {
      const buttons = s.channels
        .map(
          (c) =>
            `<li><form method="post" action="${esc(base)}/pay"><input type="hidden" name="channel" value="${esc(c)}"><button type="submit" data-channel="${esc(c)}">${esc(CHANNEL_LABELS[c] ?? c)}</button></form></li>`,
        )
        .join('');
      const sandboxApps = v.sandbox
        ? `<p class="sandbox">Sandbox: open this page as the <a href="${esc(base)}?as=alipay">Alipay app</a> or the <a href="${esc(base)}?as=wechat">WeChat app</a> would after scanning.</p>`
        : '';
      return layout(
        `Pay ${v.merchantName}`,
        `${header(v)}${s.notice ? `<p class="notice" role="alert">${esc(s.notice)}</p>` : ''}
<section aria-labelledby="scan"><h2 id="scan">Scan with Alipay or WeChat</h2>
<figure class="qr">${qrSvg(v.sessionUrl, { label: 'One code for every wallet: scan with Alipay or WeChat' })}</figure>${sandboxApps}</section>
<section aria-labelledby="choose"><h2 id="choose">Or choose how to pay</h2><ul class="channels">${buttons}</ul></section>`,
      );
    }
    case 'qr_code':
      return layout(
        `Pay ${v.merchantName}`,
        `${header(v)}<section aria-labelledby="scan"><h2 id="scan">Scan with ${s.channel.startsWith('wechat') ? 'WeChat' : 'Alipay'}</h2>
<figure class="qr">${qrSvg(s.content, { label: `Payment code for ${s.channel.startsWith('wechat') ? 'WeChat Pay' : 'Alipay'}` })}</figure></section>
${status('Waiting for payment…', 'pending')}${sandboxButtons(v)}${otherWay(v)}`,
        { refresh: true, statusUrl },
      );
    case 'redirect':
      return layout(
        `Pay ${v.merchantName}`,
        `${header(v)}<p><a class="button" href="${esc(s.url)}" data-testid="continue">Continue to ${s.channel.startsWith('wechat') ? 'WeChat Pay' : 'Alipay'}</a></p>
${status('Waiting for payment…', 'pending')}${sandboxButtons(v)}${otherWay(v)}`,
        { refresh: true, statusUrl },
      );
    case 'wechat_jsapi':
      return layout(
        `Pay ${v.merchantName}`,
        `${header(v)}<script type="application/json" id="jsapi-params">${JSON.stringify(s.params).replace(/</g, '\\u003c')}</script>
<p><button type="button" id="wechat-pay" data-testid="wechat-pay">Pay with WeChat</button></p>
${status('Waiting for payment…', 'pending')}${sandboxButtons(v)}${otherWay(v)}`,
        { refresh: true, statusUrl },
      );
    case 'complete':
      return layout(
        `Paid: ${v.merchantName}`,
        `${header(v)}${status('Paid', 'complete')}${
          s.returnPath
            ? `<p><a class="button" href="${esc(s.returnPath)}" id="return" data-testid="return">Return to ${esc(v.merchantName)}</a></p>`
            : '<p>You can close this page.</p>'
        }`,
        { statusUrl },
      );
    case 'expired':
      return layout(`Expired: ${v.merchantName}`, `${header(v)}${status('This checkout has expired.', 'expired')}`);
  }
}

/** The static counter code's page: the payer enters the amount. */
export function renderCounterPage(v: {
  codeId: string;
  merchantName: string;
  subject: string;
  currency: string;
  sandbox: boolean;
  error?: string;
}): string {
  return layout(
    `Pay ${v.merchantName}`,
    `<header><p class="merchant">${esc(v.merchantName)}</p><h1>${esc(v.subject)}</h1>${v.sandbox ? '<p class="sandbox">Sandbox: no real money moves.</p>' : ''}</header>
<form method="post" action="/checkout/counter/${esc(v.codeId)}">
<label for="amount">Amount (${esc(v.currency)})</label>
<input id="amount" name="amount" inputmode="decimal" autocomplete="off" required pattern="[0-9]+([.,][0-9]+)?"${v.error ? ' aria-invalid="true" aria-describedby="amount-error"' : ''}>
${v.error ? `<p id="amount-error" class="notice" role="alert">${esc(v.error)}</p>` : ''}
<button type="submit">Continue</button></form>`,
  );
}

export function renderNotFound(): string {
  return layout('Not found', '<h1>This payment page does not exist.</h1>');
}
