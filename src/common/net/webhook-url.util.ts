import { BlockList, isIP } from 'node:net';

/**
 * Registration-time check of a webhook URL (docs/api.md "Webhooks"): https only,
 * plain http allowed to loopback in sandbox; no userinfo; no literal private,
 * link-local or unspecified address. The delivery side resolves DNS and checks
 * again before connecting (names can point anywhere).
 */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'webhook_url must be an absolute URL';
  }
  if (url.username || url.password) return 'webhook_url must not contain credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = isLoopbackHost(host);
  if (url.protocol === 'http:' && !(allowLoopback && loopback))
    return 'webhook_url must use https (http is allowed to loopback in sandbox only)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'webhook_url must use https';
  if (loopback && !allowLoopback) return 'webhook_url must not point at a loopback address';
  if (!loopback && isIP(host) && isInternalAddress(host))
    return 'webhook_url must not point at a private, link-local or reserved address';
  return undefined;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Everything that is not a merchant's public endpoint (IANA special-purpose
 * registries). BlockList also matches IPv4-mapped IPv6 (`::ffff:7f00:1`)
 * against the IPv4 rules; embedded-IPv4 forms (NAT64, 6to4, Teredo,
 * IPv4-compatible) are refused outright.
 */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as Array<[string, number]>) {
  INTERNAL.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as Array<[string, number]>) {
  INTERNAL.addSubnet(net, bits, 'ipv6');
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** Literal IPv4/IPv6 addresses that are never a merchant's public endpoint (loopback included). */
export function isInternalAddress(ip: string): boolean {
  const h = ip.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(h);
  if (family === 0) return false;
  return INTERNAL.check(h, family === 4 ? 'ipv4' : 'ipv6');
}
