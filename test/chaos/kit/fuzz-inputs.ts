import fc from 'fast-check';

/**
 * What the fuzzer sends instead of a good value: the input classes of issue 16 (wrong types, nulls, control
 * characters incl. NUL, lone surrogates, huge strings, deep nesting, bad JSON and encodings, odd headers, bad ids).
 * Each mutation is plain data, so a failure prints exactly what was sent and fast-check can replay it by seed.
 */

/** A value placed in a JSON body that JSON.stringify cannot write as we want it: nesting `depth` levels deep. */
export interface Deep {
  deep: number;
  shape: 'array' | 'object';
}

export const isDeep = (v: unknown): v is Deep =>
  typeof v === 'object' && v !== null && 'deep' in v && 'shape' in v && Object.keys(v).length === 2;

const controlChar = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

export const badString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    '\u0001\u001f',
    'x\u007fy',
    '\ud800',
    'a\udfffb',
    '\udc00\ud800',
    '',
    ' ',
    '\u202eevil',
    '\ufeff',
    '%00',
    '../../etc/passwd',
    "'; DROP TABLE payments; --",
    '${jndi:ldap://127.0.0.1/a}',
    '9'.repeat(400),
    '-1',
    '1e309',
    'NaN',
    'null',
    'true',
    '0x10',
    'pay_01jb8y3k2m9x7q4w5e6r7t8y9u',
    'http://169.254.169.254/latest/meta-data',
    '2025-02-30',
    '\u00e9\u4e2d\ud83d\ude00',
  ),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.oneof(controlChar, loneSurrogate), fc.string({ maxLength: 8 }))
    .map(([a, b, c]) => a + b + c),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'a'.repeat(n)),
);

export const deepValue: fc.Arbitrary<Deep> = fc.record({
  deep: fc.oneof(fc.integer({ min: 33, max: 64 }), fc.integer({ min: 65, max: 6_000 })),
  shape: fc.constantFrom('array' as const, 'object' as const),
});

export const badValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: badString, weight: 4 },
  { arbitrary: fc.constant(null), weight: 3 },
  {
    arbitrary: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1.5, -0, 1e308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2)),
    weight: 2,
  },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constantFrom([], {}, [null], [[]], { a: null }, ['\u0000'], { '\u0000': 1 }), weight: 2 },
  { arbitrary: fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), { maxLength: 5 }), weight: 1 },
  { arbitrary: deepValue, weight: 2 },
);

export const badKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '\u0000',
    'a\u0000',
    '\ud800',
    '',
    'a'.repeat(2000),
    '$where',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/** A body's bytes that are not (good) JSON, or are JSON in a form the parser may mishandle. */
export const rawBody: fc.Arbitrary<{ bytes: Buffer; contentType?: string; label: string }> = fc.oneof(
  fc
    .constantFrom(
      '{',
      '{"a":',
      '[1,2',
      '}',
      "{'a':1}",
      '{"a":1}{"b":2}',
      '{"amount": 01}',
      '{"amount": 1e999999}',
      'NaN',
      '"string"',
      'true',
      'null',
      '1',
      ' ',
      '{"a":"\\u0000"}',
      '{"a":"\\ud800"}',
      '{"a":"\\uZZZZ"}',
      '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
      '{"amount":1,"amount":"x","amount":null}',
      '\u0000',
    )
    .map((s) => ({ bytes: Buffer.from(s, 'utf8'), label: `json ${JSON.stringify(s).slice(0, 60)}` })),
  fc
    .constantFrom(
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"a":"<ff fe>"}
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]), // overlong NUL
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // CESU surrogate
      Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM + {}
      Buffer.from([0x80, 0x81, 0x82]),
    )
    .map((bytes) => ({ bytes, label: `bytes ${bytes.toString('hex')}` })),
  fc.constant({
    bytes: Buffer.from('{"name":"x"}', 'utf16le'),
    contentType: 'application/json; charset=utf-16',
    label: 'utf-16 body',
  }),
  fc.constant({
    bytes: Buffer.from('{"name":"x"}', 'utf8'),
    contentType: 'application/json; charset=utf-7',
    label: 'charset utf-7',
  }),
  fc.constant({
    bytes: Buffer.from(`{"a":"${'x'.repeat(1_200_000)}"}`),
    label: 'body over the 1 MiB limit',
  }),
  fc.integer({ min: 33, max: 20_000 }).map((d) => ({
    bytes: Buffer.from('['.repeat(d) + ']'.repeat(d)),
    label: `array nested ${d} deep`,
  })),
);

export const contentType: fc.Arbitrary<string> = fc.constantFrom(
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset="',
  'application/xml',
  '',
  'application/json, text/plain',
  '*/*',
  'application/merge-patch+json',
  'application/json;;;;',
  'application/vnd.api+json',
);

/** Extra or odd header lines (node:http refuses control characters in values, as any client must). */
export const oddHeaders: fc.Arbitrary<{ label: string; headers: Array<[string, string]>; dropContentType?: boolean }> =
  fc.oneof(
    fc.constant({
      label: 'duplicate content-type',
      headers: [['content-type', 'text/plain']] as Array<[string, string]>,
    }),
    fc.constant({
      label: 'two idempotency keys',
      headers: [
        ['idempotency-key', 'fuzz-a'],
        ['idempotency-key', 'fuzz-b'],
      ] as Array<[string, string]>,
    }),
    fc.integer({ min: 256, max: 12_000 }).map((n) => ({
      label: `idempotency key of ${n} chars`,
      headers: [['idempotency-key', 'k'.repeat(n)]] as Array<[string, string]>,
    })),
    fc.constant({
      label: 'idempotency key in latin-1',
      headers: [['idempotency-key', 'caf\u00e9-\u00ff']] as Array<[string, string]>,
    }),
    fc.integer({ min: 4_000, max: 14_000 }).map((n) => ({
      label: `a ${n}-byte header`,
      headers: [['x-pad', 'p'.repeat(n)]] as Array<[string, string]>,
    })),
    fc.integer({ min: 17_000, max: 40_000 }).map((n) => ({
      label: `a ${n}-byte header (over the server's limit)`,
      headers: [['x-pad', 'p'.repeat(n)]] as Array<[string, string]>,
    })),
    fc.integer({ min: 100, max: 400 }).map((n) => ({
      label: `${n} headers`,
      headers: Array.from({ length: n }, (_, i) => [`x-h${i}`, String(i)] as [string, string]),
    })),
    fc.constantFrom('gzip', 'br', 'deflate', 'x-unknown', 'gzip, gzip').map((enc) => ({
      label: `content-encoding ${enc} on a plain body`,
      headers: [['content-encoding', enc]] as Array<[string, string]>,
    })),
    fc.constant({ label: 'accept text/html', headers: [['accept', 'text/html']] as Array<[string, string]> }),
    fc.constant({
      label: 'x-forwarded-for garbage',
      headers: [['x-forwarded-for', 'not-an-ip, , 999.1.1.1']] as Array<[string, string]>,
    }),
    fc.constant({ label: 'no content-type', headers: [] as Array<[string, string]>, dropContentType: true }),
  );

/** A path segment where an id goes, as sent on the wire (percent-encoded or deliberately broken). */
export const badId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%00',
    'pay_%00x',
    '%zz',
    '%',
    '%ED%A0%80',
    '%FF',
    '..',
    '.',
    '%2e%2e%2f%2e%2e',
    'a'.repeat(300),
    'PAY_01JB8Y3K2M9X7Q4W5E6R7T8Y9U',
    'pay_01jb8y3k2m9x7q4w5e6r7t8y9',
    'mch_01jb8y3k2m9x7q4w5e6r7t8y9u',
    '%F0%9F%92%A9',
    '%20',
    '0',
    '-1',
    '%7Bid%7D',
    'null',
    'undefined',
    "'%3B%20select%201",
    '__proto__',
    'x'.repeat(3000),
    '%C0%80',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
);

/** A query string fragment: a known or unknown parameter with a value no field can hold. */
export const badQueryValue: fc.Arbitrary<(name: string) => string> = fc.oneof(
  fc
    .constantFrom(
      '-1',
      'abc',
      '1e9',
      '0',
      '1.5',
      '%00',
      '%01',
      '%FF',
      '%ED%A0%80',
      '%zz',
      '',
      'null',
      '%E2%80%AE',
      'x'.repeat(6000),
      "'%20or%201%3D1",
    )
    .map((v) => (name: string) => `${name}=${v}`),
  fc
    .constantFrom(
      '[]=1',
      '[a]=1',
      '[]=1&{n}[]=2',
      '=1&{n}=2',
      '[gte]=abc',
      '[gte][x]=1',
      '[__proto__][x]=1',
      '[a][b][c][d][e][f][g]=1',
    )
    .map((suffix) => (name: string) => `${name}${suffix.replace('{n}', name)}`),
  fc
    .string({ unit: 'binary', maxLength: 20 })
    .map((s) => (name: string) => `${name}=${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\u0000'))}`),
);

export type Mutation =
  | { kind: 'field'; pick: number; value: unknown }
  | { kind: 'addField'; name: string; value: unknown }
  | { kind: 'wholeBody'; value: unknown }
  | { kind: 'rawBody'; raw: { bytes: Buffer; contentType?: string; label: string } }
  | { kind: 'contentType'; contentType: string }
  | { kind: 'headers'; odd: { label: string; headers: Array<[string, string]>; dropContentType?: boolean } }
  | { kind: 'pathId'; pick: number; id: string }
  | { kind: 'query'; pick: number; unknownName: boolean; value: (name: string) => string }
  | { kind: 'auth'; variant: 'none' | 'garbage' | 'wrong-scheme' | 'stale-signature' };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('field' as const), pick: fc.nat(), value: badValue }), weight: 5 },
  {
    arbitrary: fc.record({
      kind: fc.constant('addField' as const),
      name: badKey,
      value: fc.oneof(badValue, fc.string({ maxLength: 5 })),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('wholeBody' as const), value: badValue }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('rawBody' as const), raw: rawBody }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('contentType' as const), contentType }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('headers' as const), odd: oddHeaders }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('pathId' as const), pick: fc.nat(), id: badId }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      pick: fc.nat(),
      unknownName: fc.boolean(),
      value: badQueryValue,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('auth' as const),
      variant: fc.constantFrom(
        'none' as const,
        'garbage' as const,
        'wrong-scheme' as const,
        'stale-signature' as const,
      ),
    }),
    weight: 1,
  },
);

/** JSON text of a body, writing Deep markers as real nesting (JSON.stringify would overflow on the deepest). */
export function bodyText(value: unknown): string {
  const deeps: Deep[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (isDeep(v)) {
      deeps.push(v);
      return `\u0001deep${deeps.length - 1}\u0001`;
    }
    return v;
  });
  return text.replace(/"\\u0001deep(\d+)\\u0001"/g, (_m, i: string) => {
    const d = deeps[Number(i)];
    return d.shape === 'array'
      ? '['.repeat(d.deep) + ']'.repeat(d.deep)
      : '{"a":'.repeat(d.deep) + '1' + '}'.repeat(d.deep);
  });
}

/** A short description of a mutation for failure reports (no 300 kB strings in the output). */
export function describeMutation(m: Mutation): string {
  const short = (v: unknown) => {
    if (isDeep(v)) return `<${v.shape} nested ${v.deep} deep>`;
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 80 ? `${s.slice(0, 60)}…(${s.length} chars)` : s;
  };
  switch (m.kind) {
    case 'field':
      return `field #${m.pick} = ${short(m.value)}`;
    case 'addField':
      return `extra field ${short(m.name)} = ${short(m.value)}`;
    case 'wholeBody':
      return `body = ${short(m.value)}`;
    case 'rawBody':
      return `raw body: ${m.raw.label}`;
    case 'contentType':
      return `content-type ${JSON.stringify(m.contentType)}`;
    case 'headers':
      return `headers: ${m.odd.label}`;
    case 'pathId':
      return `path id ${short(m.id)}`;
    case 'query':
      return `query ${short(m.value(m.unknownName ? 'zz_unknown' : '<param>'))}`;
    case 'auth':
      return `auth ${m.variant}`;
  }
}
