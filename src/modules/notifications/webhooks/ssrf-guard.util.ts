import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { isInternalAddress, isLoopbackHost } from '../../../common/net/webhook-url.util';

/** Why a destination was refused; recorded in the delivery log (never the response body). */
export class SsrfRefusedError extends Error {
  readonly code = 'destination_refused';
  constructor(message: string) {
    super(message);
    this.name = 'SsrfRefusedError';
  }
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** Refuses an address that is internal, unless it is loopback and loopback is allowed (sandbox). */
export function addressProblem(address: string, allowLoopback: boolean): string | undefined {
  if (isLoopbackHost(address)) return allowLoopback ? undefined : `${address} is a loopback address`;
  if (isInternalAddress(address)) return `${address} is a private, link-local or reserved address`;
  return undefined;
}

/**
 * Delivery-time check of a webhook URL (S7). The URL parser has already
 * normalised numeric tricks (`0x7f000001`, `2130706433`, `0177.0.0.1` →
 * 127.0.0.1; `[::ffff:127.0.0.1]` → `::ffff:7f00:1`). Names are resolved and
 * refused if ANY address is internal, and the request then connects to the
 * checked address itself (see `pinnedLookup`), so a DNS answer that changes
 * between check and connect (rebinding) cannot slip through.
 */
export async function resolveDestination(
  raw: string,
  opts: { allowLoopback: boolean; resolver?: Resolver },
): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SsrfRefusedError('webhook URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SsrfRefusedError(`scheme ${url.protocol} is not allowed`);
  if (url.username || url.password) throw new SsrfRefusedError('webhook URL must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await (opts.resolver ?? systemResolver)(host);
    } catch (err) {
      throw new SsrfRefusedError(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (addresses.length === 0) throw new SsrfRefusedError(`${host} has no addresses`);
  for (const a of addresses) {
    const problem = addressProblem(a.address, opts.allowLoopback);
    if (problem) throw new SsrfRefusedError(isIP(host) ? problem : `${host} resolves to ${problem}`);
  }
  const loopbackOnly = addresses.every((a) => isLoopbackHost(a.address));
  if (url.protocol === 'http:' && !(opts.allowLoopback && loopbackOnly))
    throw new SsrfRefusedError('http is allowed to loopback in sandbox only');
  return { url, address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}

/** A `lookup` for http.request that answers only with the address already checked. */
export function pinnedLookup(address: string, family: 4 | 6) {
  return (_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
