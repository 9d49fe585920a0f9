import type { OpenAPIObject } from '@nestjs/swagger';

/** Merchants read the document first: their tags come first, in the order they integrate, then the admin API. */
const TAGS: Array<{ name: string; description: string }> = [
  { name: 'payments', description: 'Create, read, close and capture payments (signed `/v1` requests)' },
  { name: 'refunds', description: 'Refund all or part of a succeeded payment' },
  { name: 'checkout', description: 'Hosted cashier: checkout sessions and static counter codes' },
  { name: 'events', description: 'The app’s events, newest first, to catch up after missed webhooks' },
  { name: 'webhooks', description: 'Webhook deliveries of the app and their redelivery' },
  { name: 'balance', description: 'The merchant’s pending and available balance per currency' },
  { name: 'settlements', description: 'Settlements of the merchant and their lines' },
  { name: 'ping', description: 'Check request signing and idempotency without side effects' },
  { name: 'platform keys', description: 'The platform’s public keys (response signatures, card encryption)' },
  { name: 'health', description: 'Liveness and readiness probes' },
];

type Schema = Record<string, unknown> & { nullable?: boolean; type?: unknown; allOf?: unknown[]; $ref?: string };
type Operation = {
  security?: unknown[];
  requestBody?: unknown;
  parameters?: Array<{ in?: string }>;
  responses: Record<string, unknown>;
};

/** OpenAPI 3.1 is JSON Schema: `nullable: true` becomes a `null` member of the type. */
function toJsonSchemaNullable(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(toJsonSchemaNullable);
  if (!node || typeof node !== 'object') return;
  const s = node as Schema;
  if (s.nullable === true) {
    delete s.nullable;
    if (s.allOf || s.$ref) {
      const ref = s.allOf ? { allOf: s.allOf } : { $ref: s.$ref };
      delete s.allOf;
      delete s.$ref;
      delete s.type;
      s.anyOf = [ref, { type: 'null' }];
    } else if (typeof s.type === 'string') {
      s.type = [s.type, 'null'];
    }
  }
  Object.values(s).forEach(toJsonSchemaNullable);
}

/** The validation pipe's answer; the body codes only where there is a body. */
const badRequest = (withBody: boolean) => ({
  description: `The request is not valid: \`parameter_invalid\`, \`parameter_unknown\` (fields not in the schema are refused)${withBody ? ', `body_malformed`' : ''}`,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
});

/** Answered by the load shedder on every route but the health probes, and when PostgreSQL is unreachable. */
const SERVICE_UNAVAILABLE =
  '`service_unavailable`: the process is overloaded (too many requests in flight or too much event-loop delay; answered at once, before the body is read) or a dependency (PostgreSQL) is unreachable. A shed request was not read at all. Retry after `Retry-After` seconds, with the same `Idempotency-Key` on a `POST` (a 503 is never stored as the answer of its key).';

const HEADERS = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 1, example: 1 },
  },
  'Server-Timing': {
    description:
      'The time Paygrid itself spent on the request, in milliseconds: `paygrid;dur=<ms>`, from its first middleware to the answer, excluding the time spent waiting for a provider, which follows as `provider;dur=<ms>` when a provider was called (e.g. `paygrid;dur=1.84, provider;dur=212.40`). The network between you and Paygrid is in neither.',
    schema: { type: 'string', example: 'paygrid;dur=1.84, provider;dur=212.40' },
  },
};

type Response = { description?: string; headers?: Record<string, unknown>; content?: unknown };

/** Every `/v1` answer carries Server-Timing; every 503 carries Retry-After. */
function addHeaders(path: string, op: Operation): void {
  for (const [status, response] of Object.entries(op.responses as Record<string, Response>)) {
    const headers: Record<string, unknown> = { ...(response.headers ?? {}) };
    if (path.startsWith('/v1/')) headers['Server-Timing'] = { $ref: '#/components/headers/Server-Timing' };
    if (status === '503') headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
    if (Object.keys(headers).length > 0) response.headers = headers;
  }
}

/**
 * The 503 of every operation but the health probes (which keep their own and are never shed); an operation's own
 * 503 (RabbitMQ unreachable) keeps its words first.
 */
function addServiceUnavailable(path: string, op: Operation): void {
  if (path.startsWith('/health')) return;
  const own = op.responses['503'] as Response | undefined;
  op.responses['503'] = {
    description: own?.description ? `${own.description}; ${SERVICE_UNAVAILABLE}` : SERVICE_UNAVAILABLE,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } },
  };
}

/**
 * The last touches Nest's generator does not make: JSON Schema nullability (3.1), the tag order, `security: []` on
 * the public routes (so no client sends credentials there), the 400 of the validation pipe on every operation
 * that takes a body or query parameters, the 503 of overload and outages (all but the health probes), and the response
 * headers `Server-Timing` (every `/v1` answer) and `Retry-After` (every 503).
 */
export function finishOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  toJsonSchemaNullable(document.components?.schemas);
  const errorDetail = document.components?.schemas?.ErrorDetailDto as Schema | undefined;
  // Some codes name what they refer to (`payment_id` of a duplicate, `status` of a payment in the wrong state).
  if (errorDetail) errorDetail.additionalProperties = true;
  toJsonSchemaNullable(document.paths);
  const used = new Set<string>();
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  for (const [path, ops] of Object.entries(document.paths)) {
    for (const op of Object.values(ops as Record<string, Operation & { tags?: string[] }>)) {
      op.tags?.forEach((t) => used.add(t));
      if (!op.security?.length) op.security = [];
      const takesInput = op.requestBody !== undefined || (op.parameters ?? []).some((p) => p.in === 'query');
      if (takesInput && !op.responses['400']) {
        op.responses = Object.fromEntries(
          Object.entries({ ...op.responses, '400': badRequest(op.requestBody !== undefined) }).sort(([a], [b]) =>
            a.localeCompare(b),
          ),
        );
      }
      addServiceUnavailable(path, op);
      addHeaders(path, op);
      op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  const admin = [...used].filter((t) => t.startsWith('admin')).sort();
  const known = new Set(TAGS.map((t) => t.name));
  document.tags = [
    ...TAGS.filter((t) => used.has(t.name)),
    ...[...used].filter((t) => !known.has(t) && !t.startsWith('admin')).map((name) => ({ name })),
    ...admin.map((name) => ({ name, description: `Admin API (\`/admin/v1\`, bearer token): ${name.slice(7)}` })),
  ];
  return document;
}
