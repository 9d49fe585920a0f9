import { isIP } from 'node:net';

/**
 * Registration-time check of a webhook URL (API.md "Webhooks"): https only,
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
  if (url.protocol === 'http:' && !(allowLoopback && loopback)) return 'webhook_url must use https (http is allowed to loopback in sandbox only)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'webhook_url must use https';
  if (loopback && !allowLoopback) return 'webhook_url must not point at a loopback address';
  if (!loopback && isIP(host) && isInternalAddress(host)) return 'webhook_url must not point at a private, link-local or reserved address';
  return undefined;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

/** Literal IPv4/IPv6 addresses that are never a merchant's public endpoint. */
export function isInternalAddress(ip: string): boolean {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped) return isInternalAddress(v4mapped[1]);
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return (
      a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 192 && b === 0) || (a === 198 && (b === 18 || b === 19)) || a >= 224
    );
  }
  const lower = ip.toLowerCase();
  return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || lower.startsWith('ff') || lower.startsWith('64:ff9b');
}
