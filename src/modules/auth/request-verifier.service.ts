import { Injectable } from '@nestjs/common';
import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import { MerchantsService } from '../merchants/merchants.service';
import { AppKey } from '../merchants/entities/app-key.entity';
import { AuthErrors } from './auth.errors';
import { AuthRepository, KeyCredentialRow } from './auth.repository';
import type { MerchantContext } from './merchant-context';
import { NONCE_TTL_SECONDS, ParsedAuthorization, isTimestampInWindow, parseAuthorization, stringToSign, verifyHmac, verifyRsa } from './request-signature.util';

export interface SignedRequest {
  /** Every `Authorization` header as received (Node keeps only the first in `req.headers`). */
  authorization: string[];
  method: string;
  /** Path and raw query exactly as sent (`req.originalUrl`). */
  pathWithQuery: string;
  /** The exact body bytes received; empty when there was none. */
  body: Buffer;
  requestId: string;
}

/**
 * How long decrypted HMAC secrets and parsed RSA public keys stay in memory.
 * Key material never changes for a key id, so this only bounds how long a
 * secret lives in this process; revocation does not depend on it because
 * the key's status is read from the database on every request.
 */
export const KEY_MATERIAL_TTL_MS = 5 * 60_000;
const KEY_MATERIAL_MAX_ENTRIES = 10_000;

/**
 * Verifies a merchant request: header syntax, timestamp window, key, app
 * and merchant status, signature, then the nonce. The nonce is claimed only
 * after the signature holds, so nobody can burn another app's nonces.
 */
@Injectable()
export class RequestVerifierService {
  private readonly material = new Map<string, { key: KeyObject; type: KeyCredentialRow['type']; appId: string; expiresAt: number }>();

  constructor(
    private readonly repo: AuthRepository,
    private readonly merchants: MerchantsService,
  ) {}

  async verify(req: SignedRequest, now: Date = new Date()): Promise<MerchantContext> {
    if (req.authorization.length === 0) throw AuthErrors.authorizationMissing();
    if (req.authorization.length > 1) throw AuthErrors.authorizationDuplicated();
    const parsed = parseAuthorization(req.authorization[0]);
    if (!parsed.ok) throw AuthErrors.authorizationMalformed(parsed.reason);
    const auth = parsed.value;
    if (!isTimestampInWindow(auth.timestamp, Math.floor(now.getTime() / 1000))) throw AuthErrors.timestampOutOfWindow();

    const data = stringToSign(req.method, req.pathWithQuery, auth.timestamp, auth.nonce, req.body);
    const fast = await this.verifyWithCachedMaterial(auth, data, req.requestId, now);
    if (fast) return fast;

    const key = await this.repo.findKeyCredential(auth.keyId);
    // A key of another app answers exactly like a missing key: ids of other apps are not an oracle.
    if (!key || key.appId !== auth.appId) throw AuthErrors.keyUnknown();
    if (key.status === 'revoked') throw AuthErrors.keyRevoked();
    if (key.expiresAt && key.expiresAt <= now) throw AuthErrors.keyExpired();
    const expectedScheme = key.type === 'hmac' ? 'PAYGRID-HMAC-SHA256' : 'PAYGRID-RSA-SHA256';
    if (auth.scheme !== expectedScheme) throw AuthErrors.schemeMismatch();

    const material = this.keyMaterial(key, now.getTime());
    const valid = key.type === 'hmac' ? verifyHmac(material, data, auth.signature) : verifyRsa(material, data, auth.signature);
    if (!valid) throw AuthErrors.signatureInvalid();

    // Only an authenticated caller learns about suspension (403), and a suspended merchant's nonces are not stored.
    if (key.merchantStatus !== 'active') throw AuthErrors.merchantSuspended();
    if (key.appStatus !== 'active') throw AuthErrors.appSuspended();
    if (!(await this.repo.claimNonce(key.appId, auth.nonce, NONCE_TTL_SECONDS))) throw AuthErrors.nonceReused();

    return { merchantId: key.merchantId, appId: key.appId, keyId: key.id, requestId: req.requestId };
  }

  /**
   * Most requests come from a key seen in the last minutes: its material
   * (which never changes for a key id) is in memory, so the signature is
   * checked first and the status read and the nonce claim share one round
   * trip. The outcome is the same as the full path's: the nonce is claimed
   * only when the signature holds and every status check passes, and the
   * errors come in the same order. Returns undefined to take the full path
   * (nothing cached, another scheme, or a signature the cached key rejects).
   */
  private async verifyWithCachedMaterial(auth: ParsedAuthorization, data: string, requestId: string, now: Date): Promise<MerchantContext | undefined> {
    const cached = this.material.get(auth.keyId);
    if (!cached || cached.expiresAt <= now.getTime() || cached.appId !== auth.appId) return undefined;
    if (auth.scheme !== (cached.type === 'hmac' ? 'PAYGRID-HMAC-SHA256' : 'PAYGRID-RSA-SHA256')) return undefined;
    const valid = cached.type === 'hmac' ? verifyHmac(cached.key, data, auth.signature) : verifyRsa(cached.key, data, auth.signature);
    if (!valid) return undefined;
    const { row, claimed } = await this.repo.keyStatusAndClaimNonce(auth.keyId, auth.appId, auth.nonce, NONCE_TTL_SECONDS, now);
    if (!row || row.appId !== auth.appId) throw AuthErrors.keyUnknown();
    if (row.status === 'revoked') throw AuthErrors.keyRevoked();
    if (row.expiresAt && row.expiresAt <= now) throw AuthErrors.keyExpired();
    if (row.merchantStatus !== 'active') throw AuthErrors.merchantSuspended();
    if (row.appStatus !== 'active') throw AuthErrors.appSuspended();
    if (!claimed) throw AuthErrors.nonceReused();
    return { merchantId: row.merchantId, appId: row.appId, keyId: row.id, requestId };
  }

  /** Drops cached material of a key (e.g. after a revocation in this process); optional, see KEY_MATERIAL_TTL_MS. */
  forget(keyId: string): void {
    this.material.delete(keyId);
  }

  private keyMaterial(row: KeyCredentialRow, nowMs: number): KeyObject {
    const cached = this.material.get(row.id);
    if (cached && cached.expiresAt > nowMs) return cached.key;
    const key = row.type === 'hmac' ? createSecretKey(Buffer.from(this.merchants.decryptKeySecret(toAppKey(row)), 'utf8')) : createPublicKey(row.publicKeyPem!);
    if (this.material.size >= KEY_MATERIAL_MAX_ENTRIES) this.evictExpired(nowMs);
    this.material.set(row.id, { key, type: row.type, appId: row.appId, expiresAt: nowMs + KEY_MATERIAL_TTL_MS });
    return key;
  }

  private evictExpired(nowMs: number): void {
    for (const [id, entry] of this.material) if (entry.expiresAt <= nowMs) this.material.delete(id);
    // Still full: drop the oldest entries (Map iterates in insertion order).
    for (const id of this.material.keys()) {
      if (this.material.size < KEY_MATERIAL_MAX_ENTRIES) break;
      this.material.delete(id);
    }
  }
}

function toAppKey(row: KeyCredentialRow): AppKey {
  return Object.assign(new AppKey(), {
    id: row.id,
    appId: row.appId,
    merchantId: row.merchantId,
    type: row.type,
    secretEnc: row.secretEnc,
    publicKeyPem: row.publicKeyPem,
    status: row.status,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  });
}
