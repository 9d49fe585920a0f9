import { SsrfRefusedError, resolveDestination } from './ssrf-guard.util';

const fakeDns = (table: Record<string, string[]>) => async (host: string) => {
  const addrs = table[host];
  if (!addrs) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('webhook SSRF guard', () => {
  const resolver = fakeDns({
    'hooks.example.com': ['93.184.216.34'],
    'internal.example.com': ['10.0.0.7'],
    'mixed.example.com': ['93.184.216.34', '192.168.1.1'],
    'meta.example.com': ['169.254.169.254'],
    'v6private.example.com': ['fd12::1'],
    'loop.example.com': ['127.0.0.1'],
  });
  const refused = [
    'https://127.0.0.1/hook',
    'https://0x7f000001/hook',
    'https://2130706433/hook',
    'https://0177.0.0.1/hook',
    'https://127.1/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::1]/hook',
    'https://0.0.0.0/hook',
    'https://[::]/hook',
    'https://10.1.2.3/hook',
    'https://172.16.5.4/hook',
    'https://192.168.0.10/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/hook',
    'https://[fd00::1]/hook',
    'https://[fe80::1]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://[64:ff9b::a00:1]/hook',
    'https://internal.example.com/hook',
    'https://mixed.example.com/hook',
    'https://meta.example.com/hook',
    'https://v6private.example.com/hook',
    'https://loop.example.com/hook',
    'https://nowhere.example.com/hook',
    'file:///etc/passwd',
    'gopher://example.com/',
    'https://user:pw@hooks.example.com/',
    'http://hooks.example.com/plain-http',
  ];

  it.each(refused)('refuses %s outside sandbox', async (url) => {
    await expect(resolveDestination(url, { allowLoopback: false, resolver })).rejects.toBeInstanceOf(SsrfRefusedError);
  });

  it('allows a public https endpoint and pins the checked address', async () => {
    await expect(
      resolveDestination('https://hooks.example.com/x', { allowLoopback: false, resolver }),
    ).resolves.toMatchObject({
      address: '93.184.216.34',
      family: 4,
    });
  });

  it('allows loopback (http too) only when loopback is allowed, and still refuses private addresses', async () => {
    await expect(
      resolveDestination('http://127.0.0.1:8080/x', { allowLoopback: true, resolver }),
    ).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(
      resolveDestination('http://[::ffff:127.0.0.1]:8080/x', { allowLoopback: true, resolver }),
    ).resolves.toBeDefined();
    await expect(resolveDestination('https://10.0.0.1/x', { allowLoopback: true, resolver })).rejects.toBeInstanceOf(
      SsrfRefusedError,
    );
    await expect(
      resolveDestination('http://hooks.example.com/x', { allowLoopback: true, resolver }),
    ).rejects.toBeInstanceOf(SsrfRefusedError);
  });
});
