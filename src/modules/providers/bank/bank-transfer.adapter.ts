import { HttpBackedAdapter } from '../http-backed-adapter';
import { ProviderHttpClient } from '../http/provider-http.client';
import { fromJsonInteger, toJsonInteger } from '../minor-units.util';
import type { BankTransferConfig } from '../providers.config';
import { signBankRequest, verifyBankResponse } from './bank-protocol.util';

export interface TransferInput {
  /** Our payout id: the bank's idempotency key, so a resend never pays twice. */
  transferId: string;
  amount: bigint;
  currency: string;
  merchantId: string;
}

/** not_found: the bank never got the transfer; unknown: we could not learn the answer (timeout, 5xx, bad signature). */
export type TransferStatus = 'processing' | 'succeeded' | 'failed' | 'not_found' | 'unknown';

export interface TransferOutcome {
  status: TransferStatus;
  bankReference?: string;
  failureCode?: string;
  failureMessage?: string;
}

/** The port payouts use; one bank per install. */
export interface BankTransferProvider {
  transfer(input: TransferInput): Promise<TransferOutcome>;
  query(transferId: string): Promise<TransferOutcome>;
}

/** Injection token of the configured BankTransferProvider. */
export const BANK_TRANSFER = Symbol('BANK_TRANSFER');

const STATUS: Record<string, TransferStatus> = { processing: 'processing', succeeded: 'succeeded', failed: 'failed' };

/** Adapter for PGB/1. Results are values, never thrown; only a verified answer is believed. */
export class BankTransferAdapter extends HttpBackedAdapter implements BankTransferProvider {
  constructor(
    private readonly config: BankTransferConfig,
    http?: ProviderHttpClient,
  ) {
    super('bank', config.http, http);
  }

  /** Idempotent on transferId, so it is retried automatically like a query. */
  async transfer(input: TransferInput): Promise<TransferOutcome> {
    const body = {
      transfer_id: input.transferId,
      amount: toJsonInteger(input.amount),
      currency: input.currency,
      beneficiary: { merchant_id: input.merchantId },
    };
    return this.call('POST', '/v1/transfers', body);
  }

  query(transferId: string): Promise<TransferOutcome> {
    return this.call('GET', `/v1/transfers/${encodeURIComponent(transferId)}`);
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    bodyObj?: Record<string, unknown>,
  ): Promise<TransferOutcome> {
    const body = bodyObj === undefined ? '' : JSON.stringify(bodyObj);
    const base = new URL(this.config.baseUrl);
    const signedPath = base.pathname.replace(/\/$/, '') + path;
    const headers = {
      ...signBankRequest(this.config.hmacSecret, this.config.accountId, method, signedPath, body),
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
    const res = await this.http.request(
      { method, url: `${base.origin}${signedPath}`, headers, body: body || undefined },
      { idempotent: true },
    );
    if (res.kind !== 'response') return { status: 'unknown', failureMessage: res.kind };
    if (res.status >= 500 || res.status === 429) return { status: 'unknown', failureMessage: `http ${res.status}` };
    if (verifyBankResponse(this.config.hmacSecret, res.body, (n) => res.headers.get(n) ?? undefined) !== 'ok')
      return { status: 'unknown', failureMessage: 'response signature invalid' };
    let json: Record<string, any>;
    try {
      json = JSON.parse(res.body);
    } catch {
      return { status: 'unknown', failureMessage: 'answer is not JSON' };
    }
    if (res.status === 404) return { status: 'not_found', failureCode: json.error?.code };
    if (res.status >= 400)
      return {
        status: 'failed',
        failureCode: String(json.error?.code ?? `http_${res.status}`),
        failureMessage: String(json.error?.message ?? ''),
      };
    const status = STATUS[json.status] ?? 'unknown';
    // The answer must be about the transfer we sent, for the amount we sent.
    if (
      bodyObj &&
      (json.transfer_id !== bodyObj.transfer_id ||
        fromJsonInteger(json.amount) !== fromJsonInteger(bodyObj.amount as number))
    ) {
      return { status: 'unknown', failureMessage: 'answer does not match the transfer' };
    }
    return {
      status,
      bankReference: json.bank_reference,
      failureCode: json.failure_code,
      failureMessage: json.failure_message,
    };
  }
}

/** When no bank is configured: payouts stay in transit until one is (never "failed" for want of config). */
export class UnconfiguredBank implements BankTransferProvider {
  async transfer(): Promise<TransferOutcome> {
    return { status: 'unknown', failureMessage: 'no bank transfer provider is configured' };
  }

  async query(): Promise<TransferOutcome> {
    return { status: 'unknown', failureMessage: 'no bank transfer provider is configured' };
  }
}
