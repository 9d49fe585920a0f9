import { X509Certificate } from 'node:crypto';
import { decryptResource } from './wechatpay-signature.util';

/** One WeChat Pay platform certificate as /v3/certificates lists it, decrypted and checked. */
export interface PlatformCertificate {
  /** The certificate's serial number (hex, upper case), as Wechatpay-Serial names it. */
  serial: string;
  publicKeyPem: string;
  notBefore: Date;
  notAfter: Date;
}

export interface PlatformKeysOptions {
  /** Fetch the list again after this long (WeChat rotates with an overlap of days; default 12 h). */
  refreshMs: number;
  /** At most one refresh per this long because of an unknown serial (an attacker can send any serial). */
  unknownSerialRefreshMinMs: number;
  now?: () => number;
}

export const DEFAULT_PLATFORM_KEYS_OPTIONS: PlatformKeysOptions = {
  refreshMs: 12 * 3600_000,
  unknownSerialRefreshMinMs: 60_000,
};

/**
 * The WeChat Pay keys Paygrid verifies with, by serial: the configured public
 * keys (public-key mode, PUB_KEY_ID_…), plus in certificate mode the platform
 * certificates downloaded from /v3/certificates. Several are held at once, so
 * during a rotation answers signed with the old and with the new key both
 * verify. A serial not held triggers one download (rate-limited) before the
 * message is refused; the list is also fetched again once it is `refreshMs` old.
 */
export class WechatPlatformKeys {
  private certificates: PlatformCertificate[] = [];
  private fetchedAt?: number;
  private lastUnknownRefreshAt?: number;
  private inflight?: Promise<void>;
  private readonly opts: PlatformKeysOptions;

  constructor(
    private readonly pinned: Record<string, string>,
    /** Certificate mode: downloads and checks the current list; undefined in public-key mode. */
    private readonly download?: () => Promise<PlatformCertificate[]>,
    opts: Partial<PlatformKeysOptions> = {},
    private readonly onRefreshError: (err: unknown) => void = () => undefined,
  ) {
    this.opts = { ...DEFAULT_PLATFORM_KEYS_OPTIONS, ...opts };
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Every key usable now, by serial (expired certificates left out). */
  snapshot(): Record<string, string> {
    const now = this.now();
    const out: Record<string, string> = { ...this.pinned };
    for (const c of this.certificates)
      if (c.notBefore.getTime() <= now && now < c.notAfter.getTime()) out[c.serial] = c.publicKeyPem;
    return out;
  }

  /** The keys to verify a message that names `serial`, refreshed first if stale or if `serial` is unknown. */
  async keysFor(serial: string | undefined): Promise<Record<string, string>> {
    if (!this.download) return this.snapshot();
    const now = this.now();
    if (this.fetchedAt === undefined || now - this.fetchedAt >= this.opts.refreshMs) await this.refresh();
    else if (serial && !Object.prototype.hasOwnProperty.call(this.snapshot(), serial)) {
      // A download already under way may bring it: wait for that one rather than start another.
      if (this.inflight) await this.inflight;
      if (Object.prototype.hasOwnProperty.call(this.snapshot(), serial)) return this.snapshot();
      if (
        this.lastUnknownRefreshAt === undefined ||
        now - this.lastUnknownRefreshAt >= this.opts.unknownSerialRefreshMinMs
      ) {
        this.lastUnknownRefreshAt = now;
        await this.refresh();
      }
    }
    return this.snapshot();
  }

  /**
   * The key requests name in Wechatpay-Serial and seal sensitive fields with:
   * the configured public key, else the newest valid platform certificate.
   */
  async current(preferredId?: string): Promise<{ serial: string; publicKeyPem: string } | undefined> {
    const keys = await this.keysFor(preferredId);
    if (preferredId && keys[preferredId]) return { serial: preferredId, publicKeyPem: keys[preferredId] };
    const newest = this.certificates
      .filter((c) => keys[c.serial] !== undefined)
      .sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime())[0];
    return newest && { serial: newest.serial, publicKeyPem: newest.publicKeyPem };
  }

  /** One download at a time; a failed one keeps the certificates already held. */
  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        this.certificates = await this.download!();
        this.fetchedAt = this.now();
      } catch (err) {
        this.onRefreshError(err);
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}

/** One `data[]` entry of the /v3/certificates answer. */
interface CertificateEntry {
  serial_no?: unknown;
  effective_time?: unknown;
  expire_time?: unknown;
  encrypt_certificate?: { algorithm?: unknown; nonce?: unknown; associated_data?: unknown; ciphertext?: unknown };
}

/**
 * Decrypts and checks the /v3/certificates list: each certificate is
 * AEAD_AES_256_GCM sealed with the APIv3 key (which only WeChat and the
 * merchant know), and its serial must be the one the entry names.
 */
export function openPlatformCertificates(answer: { data?: unknown }, apiV3Key: string): PlatformCertificate[] {
  if (!Array.isArray(answer.data)) throw new Error('certificates answer without data');
  return (answer.data as CertificateEntry[]).map((e) => {
    const enc = e.encrypt_certificate ?? {};
    if (enc.algorithm !== 'AEAD_AES_256_GCM' || typeof enc.ciphertext !== 'string' || typeof enc.nonce !== 'string')
      throw new Error('certificate entry is not AEAD_AES_256_GCM');
    const pem = decryptResource(enc.ciphertext, apiV3Key, enc.nonce, String(enc.associated_data ?? ''));
    const cert = new X509Certificate(pem);
    const serial = cert.serialNumber.toUpperCase();
    if (typeof e.serial_no !== 'string' || e.serial_no.toUpperCase() !== serial)
      throw new Error('certificate serial differs from serial_no');
    return {
      serial,
      publicKeyPem: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
    };
  });
}
