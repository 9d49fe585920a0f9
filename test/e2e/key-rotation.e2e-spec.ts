import { randomBytes } from 'node:crypto';
import { ENCRYPTED_COLUMNS } from '../../src/database/encrypted-columns';
import { ReencryptService } from '../../src/modules/crypto/reencrypt.service';
import { MerchantsRepository } from '../../src/modules/merchants/merchants.repository';
import { MerchantDirectory } from '../../src/modules/merchants/merchant-directory';
import { MerchantsService } from '../../src/modules/merchants/merchants.service';
import { TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { http } from '../utils/http';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

describe('data key rotation (e2e)', () => {
  let db: TestDatabase;
  const k1 = `k1:${randomBytes(32).toString('base64')}`;
  const k2 = `k2:${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('keeps old rows readable after adding a key, and the re-encrypt command moves them to the new key', async () => {
    // Written under k1.
    const before = await startTestApp({ PAYGRID_DATA_KEYS: k1 }, { db });
    const m = await http('POST', `${before.baseUrl}/admin/v1/merchants`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'Rot' },
    });
    const a = await http('POST', `${before.baseUrl}/admin/v1/merchants/${m.body.id}/apps`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'A', channels: ['card'], webhook_url: 'http://127.0.0.1:9/h' },
    });
    const k = await http('POST', `${before.baseUrl}/admin/v1/apps/${a.body.id}/keys`, {
      token: TEST_ADMIN_TOKEN,
      body: { type: 'hmac' },
    });
    await before.close();

    // k2 added (last = current): old values still decrypt; new writes use k2.
    const rotated = await startTestApp({ PAYGRID_DATA_KEYS: `${k1},${k2}` }, { db });
    try {
      const repo = rotated.app.get(MerchantsRepository);
      const merchants = rotated.app.get(MerchantsService);
      const key = (await repo.findKey(k.body.id))!;
      expect(key.secretEnc).toMatch(/^pg1\.k1\./);
      expect(merchants.decryptKeySecret(key)).toBe(k.body.secret);

      const service = rotated.app.get(ReencryptService);
      expect((await service.staleCounts(ENCRYPTED_COLUMNS)).find((r) => r.table === 'app_keys')!.rewritten).toBe(1);
      const report = await service.reencryptAll(ENCRYPTED_COLUMNS);
      expect(report.find((r) => r.table === 'app_keys' && r.column === 'secret_enc')!.rewritten).toBe(1);
      expect(report.find((r) => r.table === 'apps' && r.column === 'webhook_secret_enc')!.rewritten).toBe(1);
      // Running it again has nothing left to do.
      expect((await service.reencryptAll(ENCRYPTED_COLUMNS)).every((r) => r.rewritten === 0)).toBe(true);
    } finally {
      await rotated.close();
    }

    const pg = await rawClient(db.url);
    try {
      const row = (await pg.query('SELECT secret_enc FROM app_keys WHERE id = $1', [k.body.id])).rows[0];
      expect(row.secret_enc).toMatch(/^pg1\.k2\./);
    } finally {
      await pg.end();
    }

    // k1 can now leave the ring: everything still decrypts with k2 alone.
    const after = await startTestApp({ PAYGRID_DATA_KEYS: k2 }, { db });
    try {
      const key = (await after.app.get(MerchantsRepository).findKey(k.body.id))!;
      expect(after.app.get(MerchantsService).decryptKeySecret(key)).toBe(k.body.secret);
      const endpoint = (await after.app.get(MerchantDirectory).webhookEndpoint(a.body.id))!;
      expect(endpoint.secrets).toEqual([a.body.webhook_secret]);
    } finally {
      await after.close();
    }
  });
});
