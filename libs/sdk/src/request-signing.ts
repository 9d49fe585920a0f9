import { KeyObject, createHash, createHmac, createPrivateKey, randomBytes, sign } from 'node:crypto';

/**
 * Merchant request signatures (docs/api.md "Merchant request signatures"): the
 * five-line string `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nhex(sha256(body))\n`,
 * HMAC-SHA256 with the key's secret (its UTF-8 bytes, `sk_` prefix included)
 * or RSASSA-PKCS1-v1_5 SHA-256 with the merchant's RSA private key.
 */
export interface SigningCredentials {
  appId: string;
  keyId: string;
  /** The HMAC secret (`sk_…`) shown when the key was created. */
  secret?: string;
  /** PEM (PKCS#8 or PKCS#1) or a KeyObject, for apps that registered an RSA public key. */
  privateKey?: string | KeyObject;
}

export interface RequestToSign {
  method: string;
  /** Path and query exactly as they go on the wire, e.g. `/v1/payments?limit=10`. */
  pathWithQuery: string;
  /** The exact body bytes; '' when there is none. */
  body?: string | Uint8Array;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** 16-64 chars of [A-Za-z0-9_-]; defaults to 32 random hex chars. */
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function requestStringToSign(
  method: string,
  pathWithQuery: string,
  timestamp: number,
  nonce: string,
  body: string | Uint8Array = '',
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}\n`;
}

/** The value of the `Authorization` header for one request. */
export function signRequest(credentials: SigningCredentials, request: RequestToSign): string {
  const timestamp = request.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = request.nonce ?? newNonce();
  const data = requestStringToSign(request.method, request.pathWithQuery, timestamp, nonce, request.body ?? '');
  let scheme: string;
  let signature: string;
  if (credentials.secret !== undefined) {
    scheme = 'PAYGRID-HMAC-SHA256';
    signature = createHmac('sha256', Buffer.from(credentials.secret, 'utf8')).update(data, 'utf8').digest('base64');
  } else if (credentials.privateKey !== undefined) {
    scheme = 'PAYGRID-RSA-SHA256';
    const key =
      typeof credentials.privateKey === 'string' ? createPrivateKey(credentials.privateKey) : credentials.privateKey;
    signature = sign('sha256', Buffer.from(data, 'utf8'), key).toString('base64');
  } else {
    throw new Error('Paygrid credentials need a secret (HMAC) or a privateKey (RSA)');
  }
  return `${scheme} app_id="${credentials.appId}",key_id="${credentials.keyId}",timestamp="${timestamp}",nonce="${nonce}",signature="${signature}"`;
}
