import { create } from 'qrcode';
import { qrSvg, qrSvgDataUrl } from './qr-svg.util';

/** Reads the dark modules back out of the path: the drawing must be the matrix, module for module. */
function modulesOf(svg: string, margin = 4): Set<string> {
  const d = /<path fill="#000" d="([^"]*)"/.exec(svg)![1];
  const dark = new Set<string>();
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const [x, y, run] = [Number(m[1]) - margin, Number(m[2]) - margin, Number(m[3])];
    for (let i = 0; i < run; i++) dark.add(`${x + i},${y}`);
  }
  return dark;
}

describe('qrSvg', () => {
  it('draws exactly the dark modules of the qrcode matrix', () => {
    const text = 'https://qr.alipay.com/bax01234567890';
    const { modules } = create(text, { errorCorrectionLevel: 'M' });
    const expected = new Set<string>();
    for (let y = 0; y < modules.size; y++)
      for (let x = 0; x < modules.size; x++) if (modules.get(y, x)) expected.add(`${x},${y}`);
    expect(modulesOf(qrSvg(text))).toEqual(expected);
  });

  it('is a standalone, accessible SVG without scripts or styles, and escapes its label', () => {
    const svg = qrSvg('weixin://wxpay/bizpayurl?pr=abc', { label: 'Pay <here> & "now"' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('role="img"');
    expect(svg).toContain('<title>Pay &#60;here&#62; &#38; &#34;now&#34;</title>');
    expect(svg).not.toMatch(/<script|style=|<here>/);
  });

  it('gives a base64 SVG data URL, the same for the same text', () => {
    const a = qrSvgDataUrl('hello');
    expect(a).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(a.split(',')[1], 'base64').toString()).toBe(qrSvg('hello'));
    expect(qrSvgDataUrl('hello')).toBe(a);
    expect(qrSvgDataUrl('hello2')).not.toBe(a);
  });
});
