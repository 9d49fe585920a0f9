/**
 * Sandbox only: lets a person call `/v1` from Swagger UI. They click
 * "Authorize" and enter `app_…:key_…:sk_…` as the `paygrid-signature` value;
 * this script (inlined into the page) replaces that value on every `/v1`
 * request with a real PAYGRID-HMAC-SHA256 signature computed in the browser
 * with WebCrypto, over the exact body string the page sends. The secret never
 * leaves the browser. WebCrypto needs a secure context: https, or
 * http://localhost / 127.0.0.1.
 *
 * Plain ES2017 on purpose: it is served as-is to browsers, not compiled.
 */
export const SANDBOX_SIGNING_SCRIPT = String.raw`
(function () {
  var enc = new TextEncoder();
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  }
  function base64(buf) {
    var s = '';
    new Uint8Array(buf).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s);
  }
  function authorizationHeaderName(headers) {
    for (var name in headers) if (name.toLowerCase() === 'authorization') return name;
    return null;
  }
  window.paygridSignRequest = async function (req) {
    var url = new URL(req.url, window.location.href);
    if (url.pathname !== '/v1' && url.pathname.indexOf('/v1/') !== 0) return req;
    req.headers = req.headers || {};
    var name = authorizationHeaderName(req.headers);
    var creds = /^(app_[0-9a-z]+):(key_[0-9a-z]+):(\S+)$/.exec(name ? String(req.headers[name]).trim() : '');
    if (!creds) return req;
    if (req.body != null && typeof req.body !== 'string') {
      console.warn('Paygrid sandbox signing: only JSON bodies can be signed here');
      return req;
    }
    var body = req.body == null ? '' : req.body;
    var timestamp = Math.floor(Date.now() / 1000);
    var nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
    var bodyHash = hex(await crypto.subtle.digest('SHA-256', enc.encode(body)));
    var data = String(req.method).toUpperCase() + '\n' + url.pathname + url.search + '\n' + timestamp + '\n' + nonce + '\n' + bodyHash + '\n';
    var key = await crypto.subtle.importKey('raw', enc.encode(creds[3]), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    var signature = base64(await crypto.subtle.sign('HMAC', key, enc.encode(data)));
    delete req.headers[name];
    req.headers.Authorization = 'PAYGRID-HMAC-SHA256 app_id="' + creds[1] + '",key_id="' + creds[2] + '",timestamp="' + timestamp +
      '",nonce="' + nonce + '",signature="' + signature + '"';
    return req;
  };
})();
`;

/**
 * Swagger UI's `requestInterceptor`. @nestjs/swagger inlines option functions
 * with `toString()`, so this is built from source text (a compiled arrow
 * function could reference helpers that do not exist in the browser).
 */
export const SANDBOX_REQUEST_INTERCEPTOR = new Function(
  'req',
  'return window.paygridSignRequest ? window.paygridSignRequest(req) : req;',
);
