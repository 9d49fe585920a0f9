import { randomBytes } from 'node:crypto';

/** Prefixes of docs/api.md, plus internal ones. Ids are opaque to clients. */
export type IdPrefix =
  | 'mch'
  | 'app'
  | 'key'
  | 'pay'
  | 're'
  | 'evt'
  | 'stl'
  | 'po'
  | 'je'
  | 'whd'
  | 'tok'
  | 'req'
  | 'atk'
  | 'aud'
  | 'acct'
  | 'pk'
  | 'cb'
  | 'rcn'
  | 'ptx'
  | 'dlq'
  | 'wha'
  | 'cs'
  | 'cc'
  | 'mpa'
  | 'spl'
  | 'spr'
  | 'rcx';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * `prefix_` + 10 chars of millisecond time + 16 random chars (Crockford base32).
 * Time first means ids sort by creation, so `ORDER BY id DESC` is newest-first
 * and cursor pagination (`starting_after`) needs no second column.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[bytes[i] % 32];
  return `${prefix}_${time}${rand}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return typeof id === 'string' && id.startsWith(`${prefix}_`) && /^[a-z]+_[0-9a-z]{26}$/.test(id);
}
