/**
 * JSON Schemas (draft 2020-12) of the envelope and of each event's object.
 * docs/asyncapi.yaml carries the same schemas; the contracts spec checks
 * they name the same types. `validateEnvelope` is a dependency-free structural
 * check consumers can run before trusting a message.
 */
import { CHANNELS } from './channels';
import { EVENT_TYPES, EventEnvelope, EventType, isEventType } from './event-types';

const idPattern = (prefix: string) => `^${prefix}_[0-9a-z]{26}$`;

const money = {
  amount: { type: 'integer', minimum: 0, description: 'Minor unit of currency' },
  currency: { type: 'string', pattern: '^[A-Z]{3}$' },
} as const;

export const OBJECT_SCHEMAS = {
  payment: {
    $id: 'https://paygrid.dev/schemas/payment.json',
    type: 'object',
    required: ['id', 'object', 'status', 'amount', 'currency', 'channel', 'out_trade_no'],
    properties: {
      id: { type: 'string', pattern: idPattern('pay') },
      object: { const: 'payment' },
      status: { enum: ['pending', 'requires_action', 'authorized', 'succeeded', 'failed', 'closed'] },
      ...money,
      amount_refunded: { type: 'integer', minimum: 0 },
      money_mode: { enum: ['direct', 'collected'] },
      channel: { enum: CHANNELS },
      out_trade_no: { type: 'string' },
    },
    additionalProperties: true,
  },
  refund: {
    $id: 'https://paygrid.dev/schemas/refund.json',
    type: 'object',
    required: ['id', 'object', 'status', 'payment_id', 'amount', 'currency'],
    properties: {
      id: { type: 'string', pattern: idPattern('re') },
      object: { const: 'refund' },
      status: { enum: ['pending', 'succeeded', 'failed'] },
      payment_id: { type: 'string', pattern: idPattern('pay') },
      ...money,
    },
    additionalProperties: true,
  },
  split: {
    $id: 'https://paygrid.dev/schemas/split.json',
    type: 'object',
    required: ['id', 'object', 'kind', 'status', 'payment_id', 'amount', 'amount_returned', 'currency'],
    properties: {
      id: { type: 'string', pattern: idPattern('spl') },
      object: { const: 'split' },
      kind: { enum: ['split', 'release'] },
      status: { enum: ['pending', 'succeeded', 'failed'] },
      payment_id: { type: 'string', pattern: idPattern('pay') },
      ...money,
      amount_returned: { type: 'integer', minimum: 0 },
      receivers: { type: 'array', items: { type: 'object' } },
    },
    additionalProperties: true,
  },
  settlement: {
    $id: 'https://paygrid.dev/schemas/settlement.json',
    type: 'object',
    required: ['id', 'object', 'currency'],
    properties: {
      id: { type: 'string', pattern: idPattern('stl') },
      object: { const: 'settlement' },
      currency: money.currency,
    },
    additionalProperties: true,
  },
  payout: {
    $id: 'https://paygrid.dev/schemas/payout.json',
    type: 'object',
    required: ['id', 'object', 'status', 'amount', 'currency'],
    properties: {
      id: { type: 'string', pattern: idPattern('po') },
      object: { const: 'payout' },
      status: { type: 'string' },
      ...money,
    },
    additionalProperties: true,
  },
  webhook_endpoint: {
    $id: 'https://paygrid.dev/schemas/webhook-endpoint.json',
    type: 'object',
    required: ['id', 'object', 'status', 'disabled_reason'],
    properties: {
      id: { type: 'string', pattern: idPattern('app') },
      object: { const: 'webhook_endpoint' },
      url: { type: ['string', 'null'] },
      status: { const: 'disabled' },
      disabled_reason: { type: 'string' },
    },
    additionalProperties: true,
  },
  checkout_session: {
    $id: 'https://paygrid.dev/schemas/checkout-session.json',
    type: 'object',
    required: ['id', 'object', 'status', 'out_trade_no', 'amount', 'currency', 'payment_id'],
    properties: {
      id: { type: 'string', pattern: idPattern('cs') },
      object: { const: 'checkout_session' },
      status: { enum: ['open', 'complete', 'expired'] },
      out_trade_no: { type: 'string' },
      ...money,
      payment_id: { oneOf: [{ type: 'string', pattern: idPattern('pay') }, { type: 'null' }] },
    },
    additionalProperties: true,
  },
  reconciliation: {
    $id: 'https://paygrid.dev/schemas/reconciliation-exception.json',
    type: 'object',
    required: [
      'id',
      'object',
      'provider',
      'business_day',
      'category',
      'reference_type',
      'reference_id',
      'report_id',
      'item_id',
    ],
    properties: {
      id: { type: 'string', pattern: idPattern('rcx') },
      object: { const: 'reconciliation_exception' },
      provider: { type: 'string' },
      business_day: { type: 'string', format: 'date' },
      category: { enum: ['missing_here', 'missing_at_provider', 'amount_mismatch', 'status_mismatch'] },
      reference_type: { enum: ['payment', 'refund'] },
      reference_id: { type: 'string' },
      currency: { oneOf: [{ type: 'string', pattern: '^[A-Z]{3}$' }, { type: 'null' }] },
      statement_amount: { type: ['integer', 'null'] },
      ledger_amount: { type: ['integer', 'null'] },
      report_id: { type: 'string', pattern: idPattern('rcn') },
      item_id: { type: 'string' },
      merchant_id: { oneOf: [{ type: 'string', pattern: idPattern('mch') }, { type: 'null' }] },
    },
    additionalProperties: true,
  },
} as const;

export const EVENT_ENVELOPE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://paygrid.dev/schemas/event-envelope.json',
  title: 'Paygrid event envelope (version 1)',
  type: 'object',
  required: [
    'id',
    'type',
    'created_at',
    'merchant_id',
    'app_id',
    'version',
    'aggregate_id',
    'aggregate_sequence',
    'data',
  ],
  properties: {
    id: { type: 'string', pattern: idPattern('evt') },
    type: { enum: [...EVENT_TYPES] },
    created_at: { type: 'string', format: 'date-time' },
    merchant_id: { type: 'string', pattern: idPattern('mch') },
    app_id: { oneOf: [{ type: 'string', pattern: idPattern('app') }, { type: 'null' }] },
    version: { const: 1 },
    aggregate_id: { type: 'string', minLength: 1 },
    aggregate_sequence: { type: 'integer', minimum: 1 },
    data: { type: 'object', required: ['object'], properties: { object: { type: 'object' } } },
  },
  additionalProperties: true,
} as const;

/** The schema of one event type: the envelope with `data.object` narrowed to its object. */
export function eventSchema(type: EventType): Record<string, unknown> {
  const kind = type.split('.')[0] as keyof typeof OBJECT_SCHEMAS;
  return {
    ...EVENT_ENVELOPE_SCHEMA,
    $id: `https://paygrid.dev/schemas/events/${type}.json`,
    title: type,
    properties: {
      ...EVENT_ENVELOPE_SCHEMA.properties,
      type: { const: type },
      data: { type: 'object', required: ['object'], properties: { object: OBJECT_SCHEMAS[kind] } },
    },
  };
}

/** Why `value` is not a version-1 envelope, or undefined when it is one. */
export function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const e = value as Record<string, unknown>;
  if (typeof e.id !== 'string' || !new RegExp(idPattern('evt')).test(e.id)) return 'id must be an evt_ id';
  if (!isEventType(e.type)) return `unknown type ${String(e.type)}`;
  if (typeof e.created_at !== 'string' || Number.isNaN(Date.parse(e.created_at)))
    return 'created_at must be a timestamp';
  if (typeof e.merchant_id !== 'string') return 'merchant_id missing';
  if (e.app_id !== null && typeof e.app_id !== 'string') return 'app_id must be a string or null';
  if (e.version !== 1) return 'version must be 1';
  if (typeof e.aggregate_id !== 'string' || !Number.isInteger(e.aggregate_sequence))
    return 'aggregate_id / aggregate_sequence missing';
  const data = e.data as { object?: unknown } | undefined;
  if (typeof data?.object !== 'object' || data.object === null) return 'data.object missing';
  return undefined;
}

export function validateEnvelope(value: unknown): EventEnvelope {
  const problem = envelopeProblem(value);
  if (problem) throw new Error(`Not a Paygrid event: ${problem}`);
  return value as EventEnvelope;
}
