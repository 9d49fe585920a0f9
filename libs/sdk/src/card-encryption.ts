import { CompactEncrypt, importJWK } from 'jose';
import type { Jwk, Jwks } from './response-verification';

/** Card data as docs/api.md defines it; it is only ever sent encrypted. */
export interface CardData {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc: string;
  holder_name?: string;
}

export const CARD_JWE_ALG = 'RSA-OAEP-256';
export const CARD_JWE_ENC = 'A256GCM';

/** The platform's card encryption key: the newest `enc` key of the JWKS (keys are listed newest first). */
export function cardEncryptionKey(jwks: Jwks): Jwk {
  const key = jwks.keys.find((k) => k.use === 'enc' && k.alg === CARD_JWE_ALG);
  if (!key) throw new Error('The platform JWKS has no RSA-OAEP-256 encryption key');
  return key;
}

/**
 * `card.encrypted` of docs/api.md: a compact JWE (`alg` RSA-OAEP-256, `enc`
 * A256GCM, `kid` of the platform key) over the card JSON.
 */
export async function encryptCard(card: CardData, jwks: Jwks): Promise<string> {
  const jwk = cardEncryptionKey(jwks);
  const { kid, use: _use, alg: _alg, ...material } = jwk;
  const publicKey = await importJWK({ ...material, kty: jwk.kty }, CARD_JWE_ALG);
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(card)))
    .setProtectedHeader({ alg: CARD_JWE_ALG, enc: CARD_JWE_ENC, kid })
    .encrypt(publicKey);
}
