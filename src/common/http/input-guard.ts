import type { NextFunction, Request, Response } from 'express';
import { DomainError, invalidRequest } from '../errors/domain-error';

/** Deepest JSON nesting a request body may have; Paygrid's own bodies need 3. */
export const MAX_BODY_DEPTH = 32;

/**
 * C0 controls (NUL included: PostgreSQL refuses it in text) and DEL. Tab, LF
 * and CR are ordinary text in a description or a note.
 */
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type StringProblem = 'control_character' | 'lone_surrogate';

/** Why `s` cannot be stored as text: a control character, or a lone UTF-16 surrogate (not valid Unicode). */
export function stringProblem(s: string): StringProblem | undefined {
  if (CONTROL_CHARS.test(s)) return 'control_character';
  if (LONE_SURROGATE.test(s)) return 'lone_surrogate';
  return undefined;
}

export type ValueProblem =
  | { kind: 'too_deep' }
  | { kind: 'string'; problem: StringProblem; param: string }
  | { kind: 'key'; problem: StringProblem; param: string };

/**
 * Walks a parsed JSON value without recursion (a 5,000-deep array must not
 * blow the stack here either) and reports the first thing no field accepts:
 * nesting beyond `maxDepth`, or a key or string value that cannot be text.
 * `param` is the path in the API's bracket notation (`card[token]`).
 */
export function inspectValue(root: unknown, maxDepth = MAX_BODY_DEPTH): ValueProblem | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) return { kind: 'string', problem, param: path };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return { kind: 'too_deep' };
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((v, i) => [String(i), v])
      : Object.entries(value as Record<string, unknown>);
    for (const [k, v] of entries) {
      const param = path ? `${path}[${k}]` : k;
      if (!Array.isArray(value)) {
        const problem = stringProblem(k);
        if (problem) return { kind: 'key', problem, param: path || k };
      }
      stack.push({ value: v, depth: depth + 1, path: param });
    }
  }
  return undefined;
}

const DESCRIBE: Record<StringProblem, string> = {
  control_character: 'must not contain control characters (U+0000-U+001F except tab, LF, CR; U+007F)',
  lone_surrogate: 'must be valid Unicode (a lone UTF-16 surrogate is not)',
};

function toError(problem: ValueProblem, where: 'body' | 'query'): DomainError {
  if (problem.kind === 'too_deep') {
    return invalidRequest('body_too_deep', `The request body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  }
  const what = problem.kind === 'key' ? `A ${where} parameter name in '${problem.param}'` : `'${problem.param}'`;
  return invalidRequest('parameter_invalid', `${what} ${DESCRIBE[problem.problem]}`, problem.param || undefined);
}

/** The route cannot name anything: a path segment with a control character or invalid Unicode. */
function pathCannotExist(path: string): boolean {
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true; // malformed percent-encoding or encoded lone surrogate
    }
    if (stringProblem(decoded)) return true;
  }
  return false;
}

/**
 * Runs after the body parsers and before routing, for every request: text
 * that no field could store is refused here with a 400 (body, query) or 404
 * (an id in the path that cannot exist), before validation, class-transformer
 * (whose recursion a deep body would overflow) or any query sees it.
 */
export function inputGuardMiddleware(req: Request, _res: Response, next: NextFunction): void {
  if (pathCannotExist(req.path)) {
    next(
      new DomainError({
        code: 'resource_missing',
        message: 'No such object: the id in the path cannot exist',
      }),
    );
    return;
  }
  const query = inspectValue(req.query, 8);
  if (query) {
    next(toError(query, 'query'));
    return;
  }
  const body: unknown = req.body;
  if (body !== null && typeof body === 'object') {
    const problem = inspectValue(body);
    if (problem) {
      next(toError(problem, 'body'));
      return;
    }
  }
  next();
}
