import { parseFlags } from './cli-flags.util';

describe('parseFlags (CLI)', () => {
  it('keeps the whole value of an = flag, query string included', () => {
    expect(parseFlags(['mch_1', '--webhook-url=https://x/hooks?tenant=42&a=b']).flags).toEqual({
      'webhook-url': 'https://x/hooks?tenant=42&a=b',
    });
  });

  it('reads the space-separated form the same way, and a bare flag as true', () => {
    expect(parseFlags(['pos', '--webhook-url', 'https://x/hooks?tenant=42', '--dry-run'])).toEqual({
      positional: ['pos'],
      flags: { 'webhook-url': 'https://x/hooks?tenant=42', 'dry-run': 'true' },
    });
  });

  it('an empty = value stays empty rather than taking the next argument', () => {
    expect(parseFlags(['--name=', 'next'])).toEqual({ positional: ['next'], flags: { name: '' } });
  });
});
