/** Where @nestjs/swagger's @ApiProperty keeps a property's OpenAPI doc (its API_MODEL_PROPERTIES, not exported). */
const API_MODEL_PROPERTIES = 'swagger/apiModelProperties';

type Ctor = abstract new (...args: never[]) => unknown;

interface PropertyDoc {
  nullable?: boolean;
  type?: unknown;
}

function propertyDoc(target: Ctor, key: string): PropertyDoc | undefined {
  return Reflect.getMetadata(API_MODEL_PROPERTIES, target.prototype as object, key) as PropertyDoc | undefined;
}

/** The DTO class a property's OpenAPI doc names, when it names one (`type: () => CardInputDto` or a class). */
function nestedClass(doc: PropertyDoc | undefined): Ctor | undefined {
  const t = doc?.type;
  if (typeof t !== 'function') return undefined;
  const resolved: unknown = t.prototype === undefined ? (t as () => unknown)() : t;
  const cls = Array.isArray(resolved) ? (resolved[0] as unknown) : resolved;
  if (typeof cls !== 'function' || cls === String || cls === Number || cls === Boolean || cls === Object)
    return undefined;
  return cls as Ctor;
}

/**
 * Paygrid's rule for an explicit JSON `null`: it is refused (400
 * `parameter_invalid`) on every field whose OpenAPI schema does not say
 * `nullable: true`; a field that is nullable documents what null means
 * (e.g. an app's `webhook_url: null` removes the endpoint). Omit a field to
 * leave it unset. Returns the bracketed path of the first refused null.
 */
export function refusedNull(dto: Ctor, value: unknown, prefix = ''): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const param = prefix ? `${prefix}[${key}]` : key;
    const doc = propertyDoc(dto, key);
    if (v === null) {
      // Unknown fields are left to forbidNonWhitelisted, which names them.
      if (doc && !doc.nullable) return param;
      continue;
    }
    const nested = nestedClass(doc);
    if (!nested) continue;
    const items = Array.isArray(v) ? v.map((item, i) => [`${param}[${i}]`, item] as const) : [[param, v] as const];
    for (const [p, item] of items) {
      if (item === null) return p;
      const inner = refusedNull(nested, item, p);
      if (inner) return inner;
    }
  }
  return undefined;
}
