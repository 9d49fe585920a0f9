import { qrSvg } from '../../../common/qr/qr-svg.util';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The payer's page at the simulator: what is being paid and two buttons.
 * With `qr`, the page also shows that content as a QR code, as the wallet's
 * code would look on a shop's screen. The buttons POST {"outcome": …} to the same URL, exactly what a script does.
 */
export function renderPayerPage(title: string, rows: Array<[string, string]>, note = '', qr?: string): string {
  const table = rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto}th{text-align:left;padding-right:1rem}button{margin:1rem .5rem 0 0;padding:.5rem 1rem}</style>
</head><body><h1>${esc(title)}</h1><p>Paygrid sandbox: act as the payer.</p><table>${table}</table>
${note ? `<p>${esc(note)}</p>` : ''}
${qr ? `<figure style="width:14rem;margin:1rem 0">${qrSvg(qr, { label: 'QR code of this payment' })}<figcaption>Scan with a phone to open this page there</figcaption></figure>` : ''}
<button onclick="act('success')">Pay</button><button onclick="act('fail')">Fail</button><pre id="out"></pre>
<script>
async function act(outcome){
  const r = await fetch(location.href,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({outcome})});
  document.getElementById('out').textContent = await r.text();
}
</script></body></html>`;
}
