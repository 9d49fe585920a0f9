import type { OpenAPIObject } from '@nestjs/swagger';

/** Merchants read the document first: their tags come first, in the order they integrate, then the admin API. */
const TAGS: Array<{ name: string; description: string }> = [
  { name: 'payments', description: 'Create, read, close and capture payments (signed `/v1` requests)' },
  { name: 'refunds', description: 'Refund all or part of a succeeded payment' },
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

/**
 * The last touches Nest's generator does not make: JSON Schema nullability (3.1), the tag order, `security: []` on
 * the public routes (so no client sends credentials there), and the 400 of the validation pipe on every operation
 * that takes a body or query parameters.
 */
export function finishOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  toJsonSchemaNullable(document.components?.schemas);
  const errorDetail = document.components?.schemas?.ErrorDetailDto as Schema | undefined;
  // Some codes name what they refer to (`payment_id` of a duplicate, `status` of a payment in the wrong state).
  if (errorDetail) errorDetail.additionalProperties = true;
  toJsonSchemaNullable(document.paths);
  const used = new Set<string>();
  for (const ops of Object.values(document.paths)) {
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
