import { constants, generateKeyPairSync, publicDecrypt } from 'node:crypto';
import { rsaSha256Sign, rsaSha256SignAsync, rsaSha256Verify, signNow, signOffThread } from './rsa-sha256.util';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

describe('SHA256withRSA signing', () => {
  it('signs byte-identically in the threadpool and on the main thread (PKCS#1 v1.5 is deterministic)', async () => {
    for (const message of ['', 'x', 'app_id=1&biz_content={"subject":"测试"}', 'POST\n/v3/p\n1\nN\n{}\n']) {
      const async = await rsaSha256SignAsync(message, privateKey);
      expect(async).toBe(rsaSha256Sign(message, privateKey));
      expect(rsaSha256Verify(message, async, publicKey)).toBe(true);
    }
  });

  it('uses PKCS#1 v1.5 padding (the signature decrypts to a padded DigestInfo)', async () => {
    const block = publicDecrypt(
      { key: publicKey, padding: constants.RSA_NO_PADDING },
      Buffer.from(await rsaSha256SignAsync('x', privateKey), 'base64'),
    );
    expect(block.subarray(0, 2).toString('hex')).toBe('0001');
  });

  it('rejects, rather than throws, on a key that does not parse', async () => {
    await expect(rsaSha256SignAsync('x', 'not a pem')).rejects.toThrow();
  });

  it('finishes a signing job with the same signature either way', async () => {
    const job = { message: 'm', finish: (signature: string) => `sig=${signature}` };
    expect(await signOffThread(job, privateKey)).toBe(signNow(job, privateKey));
  });
});
