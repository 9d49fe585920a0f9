import { create } from 'qrcode';

export interface QrSvgOptions {
  /** Accessible name of the image (the SVG's <title>). */
  label?: string;
  /** Quiet zone in modules; the QR specification asks for 4. */
  margin?: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A QR code as a small standalone SVG (one path, no styles or scripts), so it
 * can be inlined in a page under a strict CSP or served as image/svg+xml.
 * The matrix comes from the maintained `qrcode` package (error correction M);
 * only the drawing is ours, because its own SVG renderer is callback-only.
 */
export function qrSvg(text: string, opts: QrSvgOptions = {}): string {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const margin = opts.margin ?? 4;
  const size = modules.size;
  const full = size + margin * 2;
  let d = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!modules.get(y, x)) continue;
      // Runs of dark modules on a row become one rectangle: a third of the path text of one per module.
      let run = 1;
      while (x + run < size && modules.get(y, x + run)) run++;
      d += `M${x + margin} ${y + margin}h${run}v1h-${run}z`;
      x += run - 1;
    }
  }
  const label = esc(opts.label ?? 'QR code');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${full} ${full}" shape-rendering="crispEdges" role="img" aria-label="${label}">` +
    `<title>${label}</title><rect width="${full}" height="${full}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`
  );
}

const CACHE_LIMIT = 512;
const dataUrls = new Map<string, string>();

/**
 * `data:image/svg+xml;base64,…` of a QR code, memoised: a pending payment is
 * read (and its next_action rendered) far more often than it is created.
 */
export function qrSvgDataUrl(text: string): string {
  let url = dataUrls.get(text);
  if (url) return url;
  url = `data:image/svg+xml;base64,${Buffer.from(qrSvg(text)).toString('base64')}`;
  if (dataUrls.size >= CACHE_LIMIT) dataUrls.delete(dataUrls.keys().next().value!);
  dataUrls.set(text, url);
  return url;
}
