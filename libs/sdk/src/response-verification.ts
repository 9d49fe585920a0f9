import { JsonWebKey, KeyObject, createPublicKey, verify } from 'node:crypto';
import { PaygridSignatureError } from './errors';

export interface Jwk {
  kid: string;
  kty: string;
  use?: string;
  alg?: string;
  [member: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

/** How far a response timestamp may be from this machine's clock. */
export const RESPONSE_TOLERANCE_SECONDS = 300;

/**
 * The platform's JWKS, fetched once and refreshed when a response names a
 * kid we do not know yet (a rotation) or after `ttlMs`. Concurrent refreshes
 * share one request.
 */
export class JwksCache {
  private jwks: Jwks | undefined;
  private fetchedAt = 0;
  private inFlight: Promise<Jwks> | undefined;
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly url: string,
    private readonly fetchFn: typeof fetch,
    private readonly ttlMs = 60 * 60_000,
  ) {}

  async get(forceRefresh = false): Promise<Jwks> {
    if (!forceRefresh && this.jwks && Date.now() - this.fetchedAt < this.ttlMs) return this.jwks;
    this.inFlight ??= this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Forgets the cached JWKS: the next `get()` fetches it (e.g. after the card encryption key was retired). */
  invalidate(): void {
    this.jwks = undefined;
  }

  /** The signing key with this kid, refreshing the JWKS once if it is unknown. */
  async signingKey(kid: string): Promise<KeyObject | undefined> {
    const known = this.findSigningKey(await this.get(), kid);
    if (known) return known;
    return this.findSigningKey(await this.get(true), kid);
  }

  private findSigningKey(jwks: Jwks, kid: string): KeyObject | undefined {
    const jwk = jwks.keys.find((k) => k.kid === kid && (k.use ?? 'sig') === 'sig');
    if (!jwk) return undefined;
    let key = this.publicKeys.get(kid);
    if (!key) {
      const { kid: _kid, use: _use, alg: _alg, ...material } = jwk;
      key = createPublicKey({ key: material as JsonWebKey, format: 'jwk' });
      this.publicKeys.set(kid, key);
    }
    return key;
  }

  private async load(): Promise<Jwks> {
    const res = await this.fetchFn(this.url, { headers: { accept: 'application/json' } });
    if (!res.ok)
      throw new PaygridSignatureError(`Could not fetch the platform JWKS (${res.status})`, {
        transient: res.status === 429 || res.status >= 500,
      });
    const jwks = (await res.json()) as Jwks;
    if (!jwks || !Array.isArray(jwks.keys)) throw new PaygridSignatureError('The platform JWKS is malformed');
    this.jwks = jwks;
    this.fetchedAt = Date.now();
    return jwks;
  }
}

/** `TIMESTAMP\nNONCE\nBODY\n` over the exact body bytes received. */
export function responseStringToSign(timestamp: string, nonce: string, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), Buffer.from(body), Buffer.from('\n', 'utf8')]);
}

/**
 * Throws PaygridSignatureError unless the response carries a fresh Ed25519
 * signature by a key of the platform JWKS over exactly these body bytes.
 */
export async function verifyResponseSignature(
  headers: Headers,
  body: Uint8Array,
  jwks: JwksCache,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const kid = headers.get('paygrid-key-id');
  const timestamp = headers.get('paygrid-timestamp');
  const nonce = headers.get('paygrid-nonce');
  const signature = headers.get('paygrid-signature');
  if (!kid || !timestamp || !nonce || !signature)
    throw new PaygridSignatureError('The response is not signed by Paygrid');
  if (!/^[0-9]{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > RESPONSE_TOLERANCE_SECONDS) {
    throw new PaygridSignatureError('The response signature timestamp is outside the allowed window');
  }
  const key = await jwks.signingKey(kid);
  if (!key) throw new PaygridSignatureError(`The response is signed with an unknown key ${kid}`);
  let valid = false;
  try {
    valid = verify(null, responseStringToSign(timestamp, nonce, body), key, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw new PaygridSignatureError('The response signature does not verify');
  return kid;
}
