import { randomBytes } from 'node:crypto';
import { checkSignedRequest, signedHeaders } from '../shared/hmac-protocol.util';
import { bigOf as fromJsonInteger, numOf as toJsonInteger } from '../shared/sim-format.util';

/** PGB/1 header names. */
const BANK_HEADERS = {
  account: 'x-bank-account',
  timestamp: 'x-bank-timestamp',
  nonce: 'x-bank-nonce',
  signature: 'x-bank-signature',
} as const;
import { CallbackDispatcher, WECHATPAY_RETRY_SCHEDULE_MS } from '../shared/callback-dispatcher';
import { SimRoute, SimulatorBase } from '../shared/simulator-base';
import { SimRequest, SimResponse } from '../shared/simulator-http';
import { InMemorySimulatorStore, SimulatorStore } from '../shared/simulator-store';

type Json = Record<string, any>;

export interface BankSimulatorConfig {
  accountId: string;
  hmacSecret: string;
  hangMs?: number;
}

export interface BankTransfer {
  transferId: string;
  bankReference: string;
  status: 'processing' | 'succeeded' | 'failed';
  amount: bigint;
  currency: string;
  merchantId: string;
  failureCode?: string;
  createdAt: Date;
  completedAt?: Date;
}

/**
 * Bank-transfer simulator for PGB/1 (bank-protocol.util.ts), mounted at
 * /sandbox/bank. The shared switches apply: `failNextCreate` rejects the
 * next transfer (`account_closed`), `timeoutNext` books it but holds the
 * answer past the adapter's timeout, `serverErrorNext` answers 500 without
 * booking, `slowMs` delays answers. `asyncRefund` (the shared "settles
 * later" switch) makes transfers answer `processing` and succeed after
 * `asyncRefundDelayMs`. No callbacks: the platform learns outcomes by query.
 */
export class BankSimulator extends SimulatorBase {
  protected readonly dispatcher: CallbackDispatcher;

  constructor(
    private readonly config: BankSimulatorConfig,
    readonly transfers: SimulatorStore<BankTransfer> = new InMemorySimulatorStore<BankTransfer>(),
  ) {
    super('/sandbox/bank', config.hangMs ?? 30_000);
    // Unused (the bank has no notifications) but part of every simulator's shape: stop() clears it.
    this.dispatcher = new CallbackDispatcher(
      { schedule: WECHATPAY_RETRY_SCHEDULE_MS, compression: 1, isAcknowledged: (s) => s >= 200 && s < 300 },
      this.controls,
    );
  }

  protected route(req: SimRequest, path: string): SimRoute | undefined {
    let g: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/v1/transfers')
      return { op: 'create', run: () => this.authenticated(req, (b) => this.create(b)) };
    if (req.method === 'GET' && (g = /^\/v1\/transfers\/([^/]+)$/.exec(path)))
      return { op: 'api', run: () => this.authenticated(req, () => this.view(decodeURIComponent(g![1]))) };
    return undefined;
  }

  protected injectedFailure(req: SimRequest): SimResponse {
    return this.authenticated(req, (b) => this.create(b, 'account_closed'));
  }

  private signed(status: number, value: unknown): SimResponse {
    const body = JSON.stringify(value);
    return {
      status,
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(BANK_HEADERS, this.config.hmacSecret, 'response', body),
      },
      body,
    };
  }

  private error(status: number, code: string, message: string): SimResponse {
    return this.signed(status, { error: { code, message } });
  }

  private authenticated(req: SimRequest, fn: (b: Json) => SimResponse): SimResponse {
    const body = req.rawBody.toString('utf8');
    const get = (h: string) => {
      const v = req.headers[h];
      return Array.isArray(v) ? undefined : v;
    };
    if (get(BANK_HEADERS.account) !== this.config.accountId)
      return this.error(401, 'unknown_account', 'unknown account');
    const check = checkSignedRequest(BANK_HEADERS, this.config.hmacSecret, req.method, req.url, body, get);
    if (check !== 'ok') return this.error(401, check, 'request authentication failed');
    try {
      return fn(body ? JSON.parse(body) : {});
    } catch {
      return this.error(400, 'invalid_request', 'malformed request');
    }
  }

  private toJson(t: BankTransfer): Json {
    return {
      transfer_id: t.transferId,
      bank_reference: t.bankReference,
      status: t.status,
      amount: toJsonInteger(t.amount),
      currency: t.currency,
      ...(t.failureCode ? { failure_code: t.failureCode } : {}),
    };
  }

  private create(b: Json, forcedFailure?: string): SimResponse {
    const amount = fromJsonInteger(b.amount);
    if (!b.transfer_id || amount < 1n || !/^[A-Z]{3}$/.test(b.currency ?? '') || !b.beneficiary?.merchant_id)
      return this.error(400, 'invalid_request', 'transfer_id, amount, currency, beneficiary');
    const existing = this.transfers.get(b.transfer_id);
    if (existing)
      return existing.amount === amount
        ? this.signed(200, this.toJson(existing))
        : this.error(409, 'transfer_id_reused', 'transfer_id reused with a different amount');
    const async = this.controls.switches.asyncRefund && !forcedFailure;
    const t: BankTransfer = {
      transferId: b.transfer_id,
      bankReference: `BR${randomBytes(8).toString('hex').toUpperCase()}`,
      status: forcedFailure ? 'failed' : async ? 'processing' : 'succeeded',
      amount,
      currency: b.currency,
      merchantId: b.beneficiary.merchant_id,
      failureCode: forcedFailure,
      createdAt: new Date(),
      completedAt: async ? undefined : new Date(),
    };
    this.transfers.put(t.transferId, t);
    if (async) {
      this.later(this.controls.switches.asyncRefundDelayMs, () => {
        t.status = 'succeeded';
        t.completedAt = new Date();
      });
    }
    return this.signed(200, this.toJson(t));
  }

  private view(transferId: string): SimResponse {
    const t = this.transfers.get(transferId);
    return t ? this.signed(200, this.toJson(t)) : this.error(404, 'not_found', 'no such transfer');
  }
}
