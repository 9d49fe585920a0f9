import { KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';

/**
 * Parsing a PEM costs more than the RSA operation's bookkeeping around it, and
 * the same few keys sign every request: parse each once. The map only ever
 * holds the configured provider keys (a handful), so it needs no eviction.
 */
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

export function privateKeyOf(pem: string): KeyObject {
  let key = privateKeys.get(pem);
  if (!key) privateKeys.set(pem, (key = createPrivateKey(pem)));
  return key;
}

export function publicKeyOf(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (!key) publicKeys.set(pem, (key = createPublicKey(pem)));
  return key;
}
