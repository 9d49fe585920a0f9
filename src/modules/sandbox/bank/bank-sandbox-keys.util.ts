import { createHmac } from 'node:crypto';

/**
 * The sandbox bank's account id and shared secret, derived from the card
 * acquirer's sandbox material. Deriving them (instead of storing a new
 * field) keeps installs whose sandbox keys were generated before the bank
 * existed working: both sides compute the same values from what is stored.
 */
export function bankSandboxKeys(card: { merchantId: string; hmacSecret: string }): {
  accountId: string;
  hmacSecret: string;
} {
  const derive = (label: string) =>
    createHmac('sha256', card.hmacSecret).update(`paygrid-sandbox-bank:${label}`).digest();
  return {
    accountId: `bank_acct_${derive('account').readUInt32BE(0).toString().padStart(10, '0')}`,
    hmacSecret: derive('secret').toString('base64url'),
  };
}
