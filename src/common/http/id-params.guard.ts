import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '../errors/domain-error';
import { IdPrefix, hasPrefix } from '../ids/ids.util';

/** The path segment before `:id` names the kind of object, and so its id prefix. */
const PREFIX_BY_SEGMENT: Record<string, IdPrefix> = {
  payments: 'pay',
  refunds: 're',
  merchants: 'mch',
  apps: 'app',
  keys: 'key',
  tokens: 'atk',
  settlements: 'stl',
  payouts: 'po',
  entries: 'je',
  accounts: 'acct',
  'webhook-deliveries': 'whd',
  events: 'evt',
  reports: 'rcn',
  'platform-keys': 'pk',
};

/** Any other path parameter (sandbox tokens, enum names): printable, unreserved ASCII. */
const SAFE_PARAM = /^[A-Za-z0-9_.:~-]{1,255}$/;

/** The prefix a route's `:name` parameter must carry, from the segment before it; undefined when unknown. */
export function expectedPrefix(routePath: string, param: string): IdPrefix | undefined {
  const segments = routePath.split('/');
  const i = segments.indexOf(`:${param}`);
  return i > 0 ? PREFIX_BY_SEGMENT[segments[i - 1]] : undefined;
}

/**
 * Global: an id in the path that cannot exist (wrong prefix, characters
 * outside the id alphabet, NUL) is a 404 before any guard, pipe or query runs,
 * the same answer as an id that does not exist, so nothing reaches
 * PostgreSQL that it would refuse.
 */
@Injectable()
export class IdParamsGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    for (const [name, value] of Object.entries(req.params ?? {})) {
      if (typeof value !== 'string') continue;
      const prefix = typeof routePath === 'string' ? expectedPrefix(routePath, name) : undefined;
      const ok = prefix ? hasPrefix(value, prefix) : SAFE_PARAM.test(value);
      if (!ok) {
        throw new DomainError({
          code: 'resource_missing',
          message: `No such object: '${SAFE_PARAM.test(value) ? value : '…'}'`,
          param: name,
        });
      }
    }
    return true;
  }
}
