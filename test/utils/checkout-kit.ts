import { createServer, Server } from 'node:http';

export const UA = {
  chrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  alipay:
    'Mozilla/5.0 (Linux; U; Android 13; zh-CN; V2049A Build/TP1A.220624.014) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 Mobile Safari/537.36 NebulaSDK/1.8.100112 Nebula AliApp(AP/10.5.26.8000) AlipayClient/10.5.26.8000 Language/zh-Hans',
  wechat:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI Language/zh_CN',
};

export interface ReceivedWebhook {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** A merchant's server: receives webhooks at /hooks and the buyer's return at /paid. */
export async function merchantServer(): Promise<{
  server: Server;
  url: string;
  webhooks: ReceivedWebhook[];
  returns: string[];
  close(): Promise<void>;
}> {
  const webhooks: ReceivedWebhook[] = [];
  const returns: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.startsWith('/hooks')) {
        webhooks.push({
          id: String(req.headers['webhook-id']),
          body: Buffer.concat(chunks).toString('utf8'),
          headers: req.headers as Record<string, string>,
        });
        res.statusCode = 204;
        return res.end();
      }
      returns.push(`http://${req.headers.host}${req.url}`);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><html lang="en"><title>Shop</title><h1>Thank you for your order</h1></html>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    server,
    url,
    webhooks,
    returns,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** A browser-less payer: fetch with a User-Agent, no automatic redirects. */
export async function payerGet(
  url: string,
  ua = UA.chrome,
): Promise<{ status: number; location: string | null; html: string; headers: Headers }> {
  const res = await fetch(url, { headers: { 'user-agent': ua }, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), html: await res.text(), headers: res.headers };
}

export async function payerPost(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; location: string | null; html: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA.chrome },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

export interface SseEvent {
  event: string;
  data: any;
}

/**
 * A Server-Sent Events client over fetch (what EventSource does, minus its
 * reconnects): collects `event:`/`data:` blocks and says when the server
 * ended the stream.
 */
export async function openEventStream(url: string): Promise<{
  status: number;
  headers: Headers;
  body: string;
  events: SseEvent[];
  ended: () => boolean;
  close(): void;
}> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
  const events: SseEvent[] = [];
  let ended = false;
  if (res.status !== 200 || !res.body) {
    const body = await res.text();
    return { status: res.status, headers: res.headers, body, events, ended: () => true, close: () => undefined };
  }
  const reader = res.body.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) });
        }
      }
    } catch {
      // aborted by close()
    }
    ended = true;
  })();
  return { status: 200, headers: res.headers, body: '', events, ended: () => ended, close: () => abort.abort() };
}
