import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { KeyObject, createPrivateKey, generateKeyPair, generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { compactDecrypt, decodeProtectedHeader, importPKCS8 } from 'jose';
import { conflict, invalidRequest, notFound } from '../../common/errors/domain-error';
import { newId } from '../../common/ids/ids.util';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import { encryptionContext } from '../crypto/encrypted-column';
import { KeyRing } from '../crypto/key-ring';
import { PlatformKey, PlatformKeyUse } from './entities/platform-key.entity';
import { PlatformKeysRepository } from './platform-keys.repository';

/** What jose's importPKCS8 returns: a WebCrypto key (lib "dom" is not loaded, so named by inference). */
type DecryptionKey = Awaited<ReturnType<typeof importPKCS8>>;

export interface SigningKey {
  kid: string;
  alg: 'EdDSA';
  privateKey: KeyObject;
}

export interface Jwk {
  kid: string;
  kty: string;
  use: string;
  alg: string;
  [member: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

/**
 * How often each replica re-reads the key table, so a rotation made by
 * another replica is picked up. A rotation's grace period must be longer
 * than this, or lagging replicas sign with a key the JWKS no longer shows.
 */
export const PLATFORM_KEYS_REFRESH_MS = 30_000;
const RSA_MODULUS_BITS = 3072;
const CARD_JWE_ALG = 'RSA-OAEP-256';
const CARD_JWE_ENC = 'A256GCM';

const cardEncryptionInvalid = (why: string) => invalidRequest('card_encryption_invalid', why, 'card.encrypted');

/** The JWE names a card encryption key that was retired: the client re-reads the JWKS and encrypts again. */
export const cardEncryptionKeyRetired = (kid: string) =>
  invalidRequest(
    'card_encryption_key_retired',
    `card.encrypted is encrypted to ${kid}, a retired card encryption key: fetch /.well-known/jwks.json again and encrypt to its newest enc key`,
    'card.encrypted',
    { kid },
  );

/**
 * The platform's keys: created at first boot (one active signing key and one
 * active encryption key, whatever the number of replicas booting), kept in
 * memory for the hot path, published as a JWKS, rotated with a grace period.
 */
@Injectable()
export class PlatformKeysService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PlatformKeysService.name);
  private signing: SigningKey | undefined;
  private published: Jwks = { keys: [] };
  private decryptionKeys = new Map<string, DecryptionKey>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: PlatformKeysRepository,
    private readonly keyRing: KeyRing,
    private readonly audit: AuditLogService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureKey('sig');
    await this.ensureKey('enc');
    await this.reload();
    this.refreshTimer = setInterval(() => {
      this.reload().catch((err: unknown) =>
        this.logger.warn({ err }, 'Could not refresh platform keys; keeping the ones in memory'),
      );
    }, PLATFORM_KEYS_REFRESH_MS);
    this.refreshTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  /** The key that signs responses now. Synchronous: it is used inside `res.send`. */
  currentSigningKey(): SigningKey {
    if (!this.signing) throw new Error('Platform keys are not loaded yet');
    return this.signing;
  }

  /** Public signing keys (active and in grace) and the card encryption key. */
  jwks(): Jwks {
    return this.published;
  }

  /**
   * Decrypts a card JWE of docs/api.md (compact, RSA-OAEP-256 + A256GCM, `kid` of
   * one of our encryption keys) and returns the parsed JSON. Anything else
   * is a 400 `card_encryption_invalid`, never a 500.
   */
  async decryptCardJwe(compact: string): Promise<unknown> {
    let header: { alg?: string; enc?: string; kid?: string };
    try {
      header = decodeProtectedHeader(compact);
    } catch {
      throw cardEncryptionInvalid('card.encrypted must be a JWE in compact serialization');
    }
    if (header.alg !== CARD_JWE_ALG || header.enc !== CARD_JWE_ENC)
      throw cardEncryptionInvalid(`the JWE must use alg ${CARD_JWE_ALG} and enc ${CARD_JWE_ENC}`);
    const key = header.kid ? this.decryptionKeys.get(header.kid) : undefined;
    if (!key) {
      // Only this error path reads the table (by primary key): the hot path stays in memory.
      const known = header.kid?.startsWith('pk_') ? await this.repo.findById(undefined, header.kid) : null;
      if (known?.use === 'enc' && known.status === 'retired') throw cardEncryptionKeyRetired(known.id);
      throw cardEncryptionInvalid('the JWE kid does not name a current encryption key of /.well-known/jwks.json');
    }
    let plaintext: Uint8Array;
    try {
      ({ plaintext } = await compactDecrypt(compact, key, {
        keyManagementAlgorithms: [CARD_JWE_ALG],
        contentEncryptionAlgorithms: [CARD_JWE_ENC],
      }));
    } catch {
      throw cardEncryptionInvalid('the JWE does not decrypt with the platform key');
    }
    try {
      return JSON.parse(Buffer.from(plaintext).toString('utf8')) as unknown;
    } catch {
      throw cardEncryptionInvalid('the JWE payload is not JSON');
    }
  }

  /**
   * Retires the active signing key (it stays in the JWKS for `graceSeconds`)
   * and makes a new one active. Other replicas switch within PLATFORM_KEYS_REFRESH_MS.
   */
  rotateSigningKey(graceSeconds: number, actor: Actor = { actor: 'system' }) {
    return this.rotate('sig', graceSeconds, actor);
  }

  /**
   * Card encryption key rotation: a new RSA key becomes the one the JWKS
   * lists first (clients encrypt to it); the old one stays in the JWKS and
   * keeps decrypting for `graceSeconds`, or until `retire(id)` ends it sooner,
   * so JWEs made with a cached JWKS still work during the changeover.
   */
  rotateEncryptionKey(graceSeconds: number, actor: Actor = { actor: 'system' }) {
    return this.rotate('enc', graceSeconds, actor);
  }

  private async rotate(
    use: PlatformKeyUse,
    graceSeconds: number,
    actor: Actor,
  ): Promise<{ use: PlatformKeyUse; retired: string | null; active: string }> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0)
      throw invalidRequest('parameter_invalid', 'grace_seconds must be a non-negative integer', 'grace_seconds');
    const fresh = await this.generate(use);
    const result = await this.repo.withLock(async (m) => {
      const now = new Date();
      const current = await this.repo.findActive(m, use);
      if (current) await this.repo.retire(m, current.id, now, new Date(now.getTime() + graceSeconds * 1000));
      await this.repo.insert(m, fresh);
      await this.audit.record(m, actor, {
        action: 'platform_key.rotate',
        targetType: 'platform_key',
        targetId: fresh.id,
        before: current ? { id: current.id, status: 'active' } : null,
        after: { id: fresh.id, use, status: 'active', retired: current?.id ?? null, grace_seconds: graceSeconds },
      });
      return { use, retired: current?.id ?? null, active: fresh.id };
    });
    await this.reload();
    return result;
  }

  /**
   * Ends a retired key's grace period now: it leaves the JWKS, and a card JWE
   * under its kid is refused with 400 `card_encryption_key_retired` (other
   * replicas within PLATFORM_KEYS_REFRESH_MS). The active key cannot be
   * retired this way (409 `platform_key_active`): rotate first, so there is
   * always a key to encrypt to. Retiring again changes nothing.
   */
  async retire(id: string, actor: Actor = { actor: 'system' }): Promise<PlatformKey> {
    const key = await this.repo.withLock(async (m) => {
      const found = await this.repo.findById(m, id);
      if (!found) throw notFound('platform key', id);
      if (found.status === 'active')
        throw conflict(
          'platform_key_active',
          `${id} is the active ${found.use} key: rotate it first (POST /admin/v1/platform-keys/rotate), then retire it`,
        );
      const now = new Date();
      if (found.retireAfter && found.retireAfter <= now) return found;
      await this.repo.endGrace(m, id, now);
      await this.audit.record(m, actor, {
        action: 'platform_key.retire',
        targetType: 'platform_key',
        targetId: id,
        before: { retire_after: found.retireAfter?.toISOString() ?? null },
        after: { retire_after: now.toISOString() },
      });
      return Object.assign(found, { retireAfter: now });
    });
    await this.reload();
    return key;
  }

  listKeys(): Promise<PlatformKey[]> {
    return this.repo.listAll();
  }

  /** Re-reads the table: the signing key, the JWKS and the decryption keys. */
  async reload(now: Date = new Date()): Promise<void> {
    const keys = await this.repo.listPublished(now);
    const active = keys.find((k) => k.use === 'sig' && k.status === 'active');
    if (!active) throw new Error('No active platform signing key');
    if (active.id !== this.signing?.kid) {
      this.signing = { kid: active.id, alg: 'EdDSA', privateKey: createPrivateKey(this.decryptPrivate(active)) };
    }
    const decryptionKeys = new Map<string, DecryptionKey>();
    for (const k of keys.filter((key) => key.use === 'enc')) {
      decryptionKeys.set(
        k.id,
        this.decryptionKeys.get(k.id) ?? (await importPKCS8(this.decryptPrivate(k), CARD_JWE_ALG)),
      );
    }
    this.decryptionKeys = decryptionKeys;
    this.published = { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.id, use: k.use, alg: k.alg }) as Jwk) };
  }

  private async ensureKey(use: PlatformKeyUse): Promise<void> {
    if ((await this.repo.countActive(use)) > 0) return;
    // Generated outside the lock (RSA takes a while); thrown away if another replica got there first.
    const candidate = await this.generate(use);
    await this.repo.withLock(async (m) => {
      if (await this.repo.findActive(m, use)) return;
      await this.repo.insert(m, candidate);
      await this.audit.record(
        m,
        { actor: 'system' },
        {
          action: 'platform_key.create',
          targetType: 'platform_key',
          targetId: candidate.id,
          after: { id: candidate.id, use, alg: candidate.alg },
        },
      );
      this.logger.log(`Created platform ${use === 'sig' ? 'signing' : 'encryption'} key ${candidate.id}`);
    });
  }

  private async generate(use: PlatformKeyUse): Promise<PlatformKey> {
    const { publicKey, privateKey } =
      use === 'sig'
        ? generateKeyPairSync('ed25519')
        : await promisify(generateKeyPair)('rsa', { modulusLength: RSA_MODULUS_BITS });
    const key = new PlatformKey();
    key.id = newId('pk');
    key.use = use;
    key.kty = use === 'sig' ? 'OKP' : 'RSA';
    key.alg = use === 'sig' ? 'EdDSA' : CARD_JWE_ALG;
    key.publicJwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    key.privateKeyEnc = this.keyRing.encrypt(pem, encryptionContext('platform_keys', 'private_key_enc', key.id));
    key.status = 'active';
    key.createdAt = new Date();
    key.retiredAt = null;
    key.retireAfter = null;
    return key;
  }

  private decryptPrivate(key: PlatformKey): string {
    return this.keyRing.decrypt(key.privateKeyEnc, encryptionContext('platform_keys', 'private_key_enc', key.id));
  }
}
