import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { newId } from '../../common/ids/ids.util';
import { PlatformKeysService } from '../auth/platform-keys.service';
import { encryptionContext } from '../crypto/encrypted-column';
import { KeyRing } from '../crypto/key-ring';
import { StoredSecretsService } from '../crypto/stored-secrets.service';
import type { CardInput } from '../providers/provider.port';
import { cardBrand, cardExpired, luhnValid } from '../providers/card/card-protocol.util';
import { CardToken } from './entities/card-token.entity';
import { VaultErrors } from './vault.errors';

export interface VaultedCard {
  /** Clear card data for the one acquirer call; never stored, never logged. */
  card: CardInput;
  view: { brand: string; last4: string; exp_month: number; exp_year: number; token: string };
}

const FINGERPRINT_SECRET = 'card_fingerprint_key';

/**
 * The card vault (PCI scope in one place): the number is stored only
 * encrypted with the key ring, recognised again by a keyed fingerprint, and
 * handed out only as brand, last four and expiry. The CVC passes through to
 * the acquirer once and is never written anywhere.
 */
@Injectable()
export class CardVaultService {
  private fingerprintKey?: Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keyRing: KeyRing,
    private readonly platformKeys: PlatformKeysService,
    private readonly secrets: StoredSecretsService,
  ) {}

  /** Decrypts the merchant's JWE with the platform key, validates the card and vaults it. */
  async fromJwe(merchantId: string, compact: string): Promise<VaultedCard> {
    let payload: unknown;
    try {
      payload = await this.platformKeys.decryptCardJwe(compact);
    } catch (err) {
      // A retired kid has its own answer: the client can act on it (re-read the JWKS, encrypt again).
      if (err instanceof DomainError && err.code === 'card_encryption_key_retired') throw err;
      throw VaultErrors.cardUndecryptable();
    }
    const card = this.parseCard(payload);
    const token = await this.store(merchantId, card);
    return { card, view: this.view(token) };
  }

  /** A card vaulted earlier by the same merchant; another merchant's token is not found. */
  async fromToken(merchantId: string, tokenId: string): Promise<VaultedCard> {
    const token = await this.dataSource.manager.findOneBy(CardToken, { id: tokenId, merchantId });
    if (!token) throw VaultErrors.tokenNotFound(tokenId);
    if (cardExpired(token.expMonth, token.expYear)) throw VaultErrors.cardExpired();
    const number = this.keyRing.decrypt(token.panEnc, encryptionContext('card_tokens', 'pan_enc', token.id));
    return { card: { number, exp_month: token.expMonth, exp_year: token.expYear }, view: this.view(token) };
  }

  private parseCard(payload: unknown): CardInput {
    const p = payload as Record<string, unknown> | null;
    if (!p || typeof p !== 'object') throw VaultErrors.cardInvalid('The decrypted card data is not an object');
    const number = typeof p.number === 'string' ? p.number.replace(/[\s-]/g, '') : '';
    if (!/^\d{12,19}$/.test(number) || !luhnValid(number))
      throw VaultErrors.cardInvalid('The card number is not valid', 'card.number');
    const expMonth = p.exp_month;
    const expYear = p.exp_year;
    if (!Number.isInteger(expMonth) || (expMonth as number) < 1 || (expMonth as number) > 12)
      throw VaultErrors.cardInvalid('exp_month must be 1-12', 'card.exp_month');
    if (!Number.isInteger(expYear) || (expYear as number) < 2000 || (expYear as number) > 2100)
      throw VaultErrors.cardInvalid('exp_year must be a four-digit year', 'card.exp_year');
    if (cardExpired(expMonth as number, expYear as number)) throw VaultErrors.cardExpired();
    if (p.cvc !== undefined && (typeof p.cvc !== 'string' || !/^\d{3,4}$/.test(p.cvc)))
      throw VaultErrors.cardInvalid('cvc must be 3 or 4 digits', 'card.cvc');
    if (p.holder_name !== undefined && (typeof p.holder_name !== 'string' || p.holder_name.length > 100))
      throw VaultErrors.cardInvalid('holder_name must be a string', 'card.holder_name');
    return {
      number,
      exp_month: expMonth as number,
      exp_year: expYear as number,
      cvc: p.cvc as string | undefined,
      holder_name: p.holder_name as string | undefined,
    };
  }

  /** One token per merchant and card: the same card gets its existing token back. */
  private async store(merchantId: string, card: CardInput): Promise<CardToken> {
    const fingerprint = createHmac('sha256', await this.getFingerprintKey())
      .update(card.number)
      .digest('hex');
    const id = newId('tok');
    const row: CardToken = {
      id,
      merchantId,
      fingerprint,
      panEnc: this.keyRing.encrypt(card.number, encryptionContext('card_tokens', 'pan_enc', id)),
      holderNameEnc: card.holder_name
        ? this.keyRing.encrypt(card.holder_name, encryptionContext('card_tokens', 'holder_name_enc', id))
        : null,
      brand: cardBrand(card.number),
      last4: card.number.slice(-4),
      expMonth: card.exp_month,
      expYear: card.exp_year,
      createdAt: new Date(),
    };
    await this.dataSource.createQueryBuilder().insert().into(CardToken).values(row).orIgnore().execute();
    const stored = await this.dataSource.manager.findOneByOrFail(CardToken, { merchantId, fingerprint });
    if (stored.expMonth !== card.exp_month || stored.expYear !== card.exp_year) {
      // A reissued card keeps its number: the token follows the newest expiry.
      await this.dataSource.manager.update(
        CardToken,
        { id: stored.id },
        { expMonth: card.exp_month, expYear: card.exp_year },
      );
      Object.assign(stored, { expMonth: card.exp_month, expYear: card.exp_year });
    }
    return stored;
  }

  private view(t: CardToken): VaultedCard['view'] {
    return { brand: t.brand, last4: t.last4, exp_month: t.expMonth, exp_year: t.expYear, token: t.id };
  }

  private async getFingerprintKey(): Promise<Buffer> {
    this.fingerprintKey ??= await this.secrets.getOrCreate(FINGERPRINT_SECRET, () => randomBytes(32));
    return this.fingerprintKey;
  }
}
