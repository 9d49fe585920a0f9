/**
 * Every environment variable Paygrid reads, in one table: name, description,
 * default, whether it is sensitive (never logged), and how it is parsed.
 * `loadConfig` turns the environment into one typed object or refuses to boot
 * naming each bad variable. The README's configuration table mirrors this file.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Parser<T> = (raw: string, name: string) => T;

export interface VariableSpec<T> {
  description: string;
  /** Used when the variable is unset or empty; undefined means "optional, no value". */
  default?: T;
  sensitive?: boolean;
  parse: Parser<T>;
}

const fail = (name: string, why: string): never => {
  throw new Error(`${name} ${why}`);
};

export const str: Parser<string> = (raw) => raw;
export const int =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    if (!/^-?\d+$/.test(raw.trim())) return fail(name, `must be an integer, got '${raw}'`);
    const n = Number(raw);
    if (n < min || n > max) return fail(name, `must be between ${min} and ${max}, got ${n}`);
    return n;
  };
export const bool: Parser<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return fail(name, `must be true or false, got '${raw}'`);
};
export const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, name) =>
    (values as string[]).includes(raw) ? (raw as T) : fail(name, `must be one of ${values.join(', ')}, got '${raw}'`);
export const url =
  (...protocols: string[]): Parser<string> =>
  (raw, name) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return fail(name, 'must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      return fail(name, `must use ${protocols.join(' or ')}, got '${parsed.protocol}'`);
    }
    return raw.replace(/\/$/, '');
  };
/** A comma-separated list of URLs, each checked like `url`; empty entries are ignored. */
export const urlList =
  (...protocols: string[]): Parser<string[]> =>
  (raw, name) => {
    const parse = url(...protocols);
    const urls = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry, i) => parse(entry, `${name} entry ${i + 1}`));
    return urls.length > 0 ? urls : fail(name, 'must list at least one URL');
  };
export const byteSize: Parser<number> = (raw, name) => {
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!m) return fail(name, `must be a size like 1mb or 512kb, got '${raw}'`);
  const unit = (m[2] ?? 'b').toLowerCase();
  return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
};

/** `PAYGRID_DATA_KEYS`: comma-separated `keyId:base64(32 bytes)`; the last one encrypts new data. */
export const dataKeys: Parser<Array<{ id: string; key: Buffer }>> = (raw, name) => {
  const keys = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const idx = entry.indexOf(':');
      const id = entry.slice(0, idx);
      const key = Buffer.from(entry.slice(idx + 1), 'base64');
      if (idx <= 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) return fail(name, `has a bad key id in '${id}'`);
      if (key.length !== 32) return fail(name, `key '${id}' must be 32 bytes, base64-encoded`);
      return { id, key };
    });
  if (keys.length === 0) return fail(name, 'must list at least one key');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) return fail(name, 'has a duplicate key id');
  return keys;
};
