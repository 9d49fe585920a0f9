import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { MerchantDirectory } from '../merchants/merchant-directory';
import { AuthErrors } from './auth.errors';
import { AuthRepository } from './auth.repository';
import type { MerchantContext } from './merchant-context';
import {
  NONCE_TTL_SECONDS,
  isTimestampInWindow,
  parseAuthorization,
  stringToSign,
  verifyHmac,
  verifyRsa,
} from './request-signature.util';

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
 * Verifies a merchant request: header syntax, timestamp window, key, app
 * and merchant status, signature, then the nonce. The nonce is claimed only
 * after the signature holds, so nobody can burn another app's nonces.
 */
@Injectable()
export class RequestVerifierService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly directory: MerchantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(req: SignedRequest, now: Date = new Date()): Promise<MerchantContext> {
    if (req.authorization.length === 0) throw AuthErrors.authorizationMissing();
    if (req.authorization.length > 1) throw AuthErrors.authorizationDuplicated();
    const parsed = parseAuthorization(req.authorization[0]);
    if (!parsed.ok) throw AuthErrors.authorizationMalformed(parsed.reason);
    const auth = parsed.value;
    if (!isTimestampInWindow(auth.timestamp, Math.floor(now.getTime() / 1000))) throw AuthErrors.timestampOutOfWindow();

    // From memory (merchants' read port): revocations and suspensions reach it within milliseconds on every process.
    const key = await this.directory.keyCredential(auth.keyId);
    // A key of another app answers exactly like a missing key: ids of other apps are not an oracle.
    if (!key || key.appId !== auth.appId) throw AuthErrors.keyUnknown();
    if (key.status === 'revoked') throw AuthErrors.keyRevoked();
    if (key.mode === 'test' && this.config.mode === 'live') throw AuthErrors.keyModeMismatch();
    if (key.expiresAt && key.expiresAt <= now) throw AuthErrors.keyExpired();
    const expectedScheme = key.type === 'hmac' ? 'PAYGRID-HMAC-SHA256' : 'PAYGRID-RSA-SHA256';
    if (auth.scheme !== expectedScheme) throw AuthErrors.schemeMismatch();

    const data = stringToSign(req.method, req.pathWithQuery, auth.timestamp, auth.nonce, req.body);
    const valid =
      key.type === 'hmac'
        ? verifyHmac(key.material, data, auth.signature)
        : verifyRsa(key.material, data, auth.signature);
    if (!valid) throw AuthErrors.signatureInvalid();

    // Only an authenticated caller learns about suspension (403), and a suspended merchant's nonces are not stored.
    if (key.merchant.status !== 'active') throw AuthErrors.merchantSuspended();
    if (key.app.status !== 'active') throw AuthErrors.appSuspended();
    if (!(await this.repo.claimNonce(key.appId, key.merchantId, auth.nonce, NONCE_TTL_SECONDS)))
      throw AuthErrors.nonceReused();

    return { merchantId: key.merchantId, appId: key.appId, keyId: key.id, requestId: req.requestId };
  }
}
