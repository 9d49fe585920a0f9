import { PlatformCertificate, WechatPlatformKeys } from './wechatpay-platform-keys';

const cert = (serial: string, from: number, to: number): PlatformCertificate => ({
  serial,
  publicKeyPem: `pem-${serial}`,
  notBefore: new Date(from),
  notAfter: new Date(to),
});

describe('WechatPlatformKeys', () => {
  let now = 1_000_000;
  let listed: PlatformCertificate[] = [];
  let downloads = 0;
  let fail = false;
  const download = async () => {
    downloads++;
    if (fail) throw new Error('down');
    return listed;
  };
  beforeEach(() => {
    now = 1_000_000;
    downloads = 0;
    fail = false;
    listed = [cert('A', 0, 10_000_000)];
  });
  const keys = (pinned: Record<string, string> = {}) =>
    new WechatPlatformKeys(pinned, download, { refreshMs: 1000, unknownSerialRefreshMinMs: 100, now: () => now });

  it('downloads once, then again only when the list is refreshMs old', async () => {
    const k = keys();
    expect(await k.keysFor('A')).toEqual({ A: 'pem-A' });
    expect(await k.keysFor('A')).toEqual({ A: 'pem-A' });
    expect(downloads).toBe(1);
    listed = [cert('A', 0, 10_000_000), cert('B', 0, 10_000_000)];
    now += 1000;
    expect(await k.keysFor('A')).toEqual({ A: 'pem-A', B: 'pem-B' });
    expect(downloads).toBe(2);
  });

  it('keeps the certificates it holds when a refresh fails, and drops expired ones', async () => {
    const k = keys({ PUB_KEY_ID_1: 'pinned' });
    await k.keysFor('A');
    fail = true;
    now += 1000;
    expect(await k.keysFor('A')).toEqual({ A: 'pem-A', PUB_KEY_ID_1: 'pinned' });
    now = 10_000_000;
    expect(await k.keysFor('A')).toEqual({ PUB_KEY_ID_1: 'pinned' });
  });

  it('refreshes for an unknown serial at most once per unknownSerialRefreshMinMs, with one download in flight', async () => {
    const k = keys();
    await k.keysFor('A');
    await Promise.all([k.keysFor('X'), k.keysFor('Y'), k.keysFor('Z')]);
    expect(downloads).toBe(2);
    now += 100;
    await k.keysFor('X');
    expect(downloads).toBe(3);
  });

  it('names the newest valid certificate when no public key id is configured', async () => {
    listed = [cert('OLD', 0, 10_000_000), cert('NEW', 500, 10_000_000)];
    expect(await keys().current(undefined)).toEqual({ serial: 'NEW', publicKeyPem: 'pem-NEW' });
    expect(await keys({ PUB_KEY_ID_1: 'p' }).current('PUB_KEY_ID_1')).toEqual({
      serial: 'PUB_KEY_ID_1',
      publicKeyPem: 'p',
    });
  });

  it('in public-key mode never downloads', async () => {
    const k = new WechatPlatformKeys({ PUB_KEY_ID_1: 'p' });
    expect(await k.keysFor('unknown')).toEqual({ PUB_KEY_ID_1: 'p' });
  });
});
