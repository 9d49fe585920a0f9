import { AlipaySdk } from 'alipay-sdk';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Harness } from './sandbox-harness.util';

/** One gateway call as the official SDK judged it. */
export interface SdkCheckedCall {
  method: string;
  biz: Record<string, unknown>;
  /** The request's signature, checked by alipay-sdk in the gateway's role (checkNotifySignV2 with the app's key). */
  requestOk: boolean;
  /** The simulator's answer, checked by alipay-sdk in the merchant's role (checkResponseSign with Alipay's key). */
  answerOk: boolean;
}

export interface AlipaySdkGateway {
  /** Point an adapter's gatewayUrl here. */
  url: string;
  seen: SdkCheckedCall[];
  /** alipay-sdk with the app's public key: checks what the adapter signs outside the gateway (page/wap URLs, APP order strings). */
  gatewaySdk: AlipaySdk;
  close(): Promise<void>;
}

/**
 * A proxy in front of the Alipay simulator that has the official alipay-sdk check each request the adapter sends
 * (as the gateway would) and each answer the simulator gives (as a merchant's SDK would), so the adapter's
 * protocol is held to the SDK's own code, not to ours.
 */
export async function startAlipaySdkGateway(h: Harness): Promise<AlipaySdkGateway> {
  const gatewaySdk = new AlipaySdk({
    appId: h.keys.alipay.appId,
    privateKey: h.keys.alipay.alipayPrivateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey: h.keys.alipay.appPublicKeyPem,
  });
  const merchantSdk = new AlipaySdk({
    appId: h.keys.alipay.appId,
    privateKey: h.keys.alipay.appPrivateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey: h.keys.alipay.alipayPublicKeyPem,
  });
  const seen: SdkCheckedCall[] = [];
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://proxy');
        const params = { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(body)) };
        const requestOk = gatewaySdk.checkNotifySignV2(params);
        const upstream = await fetch(`${h.baseUrl}/sandbox/alipay/gateway.do${url.search}`, {
          method: 'POST',
          headers: { 'content-type': String(req.headers['content-type']) },
          body,
        });
        const text = await upstream.text();
        let answerOk = true;
        try {
          const key = `${params.method.replace(/\./g, '_')}_response`;
          merchantSdk.checkResponseSign(text, key, JSON.parse(text).sign, 't');
        } catch {
          answerOk = false;
        }
        seen.push({ method: params.method, biz: JSON.parse(params.biz_content ?? '{}'), requestOk, answerOk });
        res.writeHead(upstream.status, { 'content-type': 'application/json;charset=utf-8' }).end(text);
      })();
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/gateway.do`,
    seen,
    gatewaySdk,
    async close() {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    },
  };
}
