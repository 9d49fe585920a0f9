import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig } from '../../config/config';
import { DataKey, KeyRing } from './key-ring';

/**
 * Keys come from PAYGRID_DATA_KEYS. Outside production, when unset, a key is
 * generated once into `<dataDir>/data-keys.json` (git-ignored, mode 0600) so
 * the zero-install default works and restarts can read what they wrote.
 */
export function loadKeyRing(config: Pick<AppConfig, 'dataKeys' | 'dataDir' | 'env'>): KeyRing {
  if (config.dataKeys) return new KeyRing(config.dataKeys);
  if (config.env === 'production') throw new Error('PAYGRID_DATA_KEYS is required in production');
  const file = resolve(config.dataDir, 'data-keys.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Array<{ id: string; key: string }>;
    return new KeyRing(stored.map((k): DataKey => ({ id: k.id, key: Buffer.from(k.key, 'base64') })));
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = { id: 'dev1', key: randomBytes(32).toString('base64') };
  writeFileSync(file, JSON.stringify([key]), { mode: 0o600 });
  return new KeyRing([{ id: key.id, key: Buffer.from(key.key, 'base64') }]);
}

export function generateDataKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}
