import { request } from 'node:http';
import { signRequest } from '@paygrid/sdk';

export interface RawRequest {
  method: string;
  /** Path and query exactly as they go on the wire (already percent-encoded, or deliberately not). */
  pathWithQuery: string;
  /** Header lines in order; a name may repeat (duplicate headers). */
  headers: Array<[string, string]>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface MerchantCredentials {
  appId: string;
  keyId: string;
  secret: string;
}

/** The Authorization header of a /v1 request over its exact bytes, as the SDK signs it. */
export function signedAuthorization(creds: MerchantCredentials, req: RawRequest): string {
  return signRequest(creds, { method: req.method, pathWithQuery: req.pathWithQuery, body: req.body ?? '' });
}

/**
 * One HTTP/1.1 request with nothing normalised: node:http sends the path, repeated header lines and body bytes as
 * given (fetch would re-encode the URL, merge duplicates and refuse some headers). A fresh connection each time, so
 * a request the server closes on cannot poison the next one.
 */
export function sendRaw(baseUrl: string, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // With header lines given as a flat array node:http adds no Host line of its own; HTTP/1.1 needs one.
    const headerLines: string[] = ['host', url.host];
    for (const [name, value] of req.headers) headerLines.push(name, value);
    if (req.body !== undefined && !req.headers.some(([n]) => n.toLowerCase() === 'content-length'))
      headerLines.push('content-length', String(req.body.length));
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.pathWithQuery,
        // The flat [name, value, name, value] form keeps duplicates and their order.
        headers: headerLines,
        agent: false,
        insecureHTTPParser: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    r.on('error', reject);
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}
