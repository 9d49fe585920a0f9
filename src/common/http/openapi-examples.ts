import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = {
  type?: string | string[];
  format?: string;
  example?: unknown;
  enum?: unknown[];
  items?: Schema;
  $ref?: string;
  allOf?: unknown[];
  anyOf?: unknown[];
  properties?: Record<string, Schema>;
  nullable?: boolean;
  default?: unknown;
};

const ID_SUFFIX = '01jb8y3k2m9x7q4w5e6r7t8y9u';
const PREFIX_BY_FIELD: Record<string, string> = {
  merchant: 'mch',
  app: 'app',
  key: 'key',
  payment: 'pay',
  refund: 're',
  event: 'evt',
  settlement: 'stl',
  payout: 'po',
  entry: 'je',
  ledger_entry: 'je',
  reverses_entry: 'je',
  delivery: 'whd',
  report: 'rcn',
  account: 'acct',
  token: 'tok',
  aggregate: 'pay',
  reference: 'pay',
};
const PREFIX_BY_SCHEMA: Array<[RegExp, string]> = [
  [/^Payment(Response)?Dto$/, 'pay'],
  [/^Refund/, 're'],
  [/^Event/, 'evt'],
  [/^Settlement/, 'stl'],
  [/^Payout/, 'po'],
  [/^(Entry|JournalEntry)/, 'je'],
  [/^WebhookDelivery/, 'whd'],
  [/^WebhookAttempt/, 'wha'],
  [/^AdminToken/, 'atk'],
  [/^AuditLog/, 'aud'],
  [/^Account/, 'acct'],
  [/^PlatformKey/, 'pk'],
  [/^ReconciliationReport/, 'rcn'],
  [/^ReconciliationItem/, 'rci'],
  [/^Merchant/, 'mch'],
  [/^App/, 'app'],
  [/^Key/, 'key'],
];
const MONEY = /(amount|fee|pending|available|in_transit|carried|balance|debits|credits|^net|_net$)/;

/** An illustrative value for a property that has none, from its name and type. */
function exampleFor(schemaName: string, field: string, schema: Schema): unknown {
  // OpenAPI 3.1 spells a nullable type as a list (`["object", "null"]`).
  const s = { ...schema, type: [schema.type].flat().find((t) => t !== 'null') };
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  if (/(_at|^at)$/.test(field) || s.format === 'date-time') return '2026-11-26T08:30:00.000Z';
  if (field === 'id') return `${PREFIX_BY_SCHEMA.find(([re]) => re.test(schemaName))?.[1] ?? 'obj'}_${ID_SUFFIX}`;
  if (field === 'request_id') return 'req_8f14e45fceea167a5a36dedd';
  if (field === 'posting_id') return '4711';
  if (field.endsWith('_id')) return `${PREFIX_BY_FIELD[field.slice(0, -3)] ?? 'obj'}_${ID_SUFFIX}`;
  if (field === 'currency') return 'CNY';
  if (field === 'business_day' || field === 'day') return '2026-11-26';
  if (s.type === 'boolean') return false;
  if (s.type === 'integer' || s.type === 'number') return MONEY.test(field) ? 10000 : 1;
  if (s.type === 'object') return {};
  if (s.type === 'array') return [];
  if (field === 'url') return 'https://shop.example.com/paygrid/webhooks';
  if (field === 'name') return 'Acme Coffee';
  return `${field.replace(/_/g, ' ')} text`;
}

/**
 * Every schema property gets an example (Swagger UI shows them, and "Try it
 * out" starts from them). Properties documented with their own example keep it.
 */
export function addExamples(document: OpenAPIObject): OpenAPIObject {
  for (const [name, schema] of Object.entries((document.components?.schemas ?? {}) as Record<string, Schema>)) {
    for (const [field, prop] of Object.entries(schema.properties ?? {})) {
      if (prop.example !== undefined || prop.$ref || prop.allOf || prop.anyOf) continue;
      if (prop.type === 'array' && prop.items && (prop.items.$ref || prop.items.example !== undefined)) continue;
      prop.example = exampleFor(name, field, prop);
    }
  }
  return document;
}
