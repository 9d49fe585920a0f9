import { createSign, createVerify, sign } from 'node:crypto';
import { privateKeyOf, publicKeyOf } from './key-objects.util';

/**
 * SHA256withRSA (PKCS#1 v1.5, base64 signature): Alipay's RSA2 and WeChat
 * Pay v3 both sign this way. A 2048-bit private-key operation costs about
 * 1 ms of CPU, so request paths sign with the async variant, which runs in
 * libuv's threadpool; PKCS#1 v1.5 is deterministic, so both give the same
 * bytes. Verifying is ~20x cheaper and stays synchronous.
 */

export function rsaSha256Sign(message: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKeyOf(privateKeyPem), 'base64');
}

export function rsaSha256SignAsync(message: string, privateKeyPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(message, 'utf8'), privateKeyOf(privateKeyPem), (err, signature) =>
      err ? reject(err) : resolve(signature.toString('base64')),
    );
  });
}

export function rsaSha256Verify(message: string, signature: string, publicKeyPem: string): boolean {
  if (!signature) return false;
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKeyOf(publicKeyPem), signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * What a signer builds once for either signer: the exact message, and how
 * its signature becomes the result (a header, a body, signed params).
 */
export interface SigningJob<T> {
  message: string;
  finish(signature: string): T;
}

export function signNow<T>(job: SigningJob<T>, privateKeyPem: string): T {
  return job.finish(rsaSha256Sign(job.message, privateKeyPem));
}

export async function signOffThread<T>(job: SigningJob<T>, privateKeyPem: string): Promise<T> {
  return job.finish(await rsaSha256SignAsync(job.message, privateKeyPem));
}
