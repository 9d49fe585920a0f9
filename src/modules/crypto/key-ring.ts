import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface DataKey {
  id: string;
  key: Buffer;
}

const FORMAT = 'pg1';

/**
 * AES-256-GCM envelope for data at rest. A ciphertext is
 * `pg1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), so the key version
 * travels with every value: new writes use the newest key, old values still
 * decrypt, and `reencrypt` moves them forward. An optional context (AAD)
 * binds a value to where it belongs (e.g. the row id), so a ciphertext copied
 * into another row does not decrypt.
 */
export class KeyRing {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: DataKey[]) {
    if (keys.length === 0) throw new Error('KeyRing needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`data key ${k.id} is not 32 bytes`);
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.currentKeyId = keys[keys.length - 1].id;
  }

  encrypt(plaintext: string | Buffer, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      FORMAT,
      this.currentKeyId,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ct.toString('base64url'),
    ].join('.');
  }

  decryptToBuffer(ciphertext: string, context = ''): Buffer {
    const parts = ciphertext.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT) throw new Error('not a key ring ciphertext');
    const [, keyId, iv, tag, ct] = parts;
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`data key '${keyId}' is not in the key ring`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
  }

  decrypt(ciphertext: string, context = ''): string {
    return this.decryptToBuffer(ciphertext, context).toString('utf8');
  }

  keyIdOf(ciphertext: string): string {
    return ciphertext.split('.')[1];
  }

  /** Whether a value was written under an older key and should be re-encrypted. */
  isStale(ciphertext: string): boolean {
    return this.keyIdOf(ciphertext) !== this.currentKeyId;
  }

  reencrypt(ciphertext: string, context = ''): string {
    return this.encrypt(this.decryptToBuffer(ciphertext, context), context);
  }
}
