// The cashier's only script and stylesheet, served from /checkout/assets (the CSP allows nothing inline).
// Kept as strings so the compiled build (dist/) carries them without a copy step.

export const CASHIER_JS = String.raw`
// Progressive enhancement of the cashier: live status by Server-Sent Events
// (GET /checkout/{id}/events), by polling /status where a stream is not to
// be had, and the WeChat JSAPI button. Everything also works without this file.
(function () {
  'use strict';
  var main = document.querySelector('main[data-status-url]');
  var status = document.getElementById('status');
  var jsapi = document.getElementById('jsapi-params');
  var payButton = document.getElementById('wechat-pay');

  if (payButton && jsapi) {
    payButton.addEventListener('click', function () {
      var params = JSON.parse(jsapi.textContent);
      if (typeof WeixinJSBridge === 'undefined') {
        status.textContent = 'Open this page in WeChat to pay.';
        return;
      }
      WeixinJSBridge.invoke('getBrandWCPayRequest', params, function () {
        // The result is only a hint: the status below comes from the server, which hears it from WeChat Pay.
        poll();
      });
    });
  }

  if (!main || !status) return;
  var state = status.getAttribute('data-state');

  function done(body) {
    status.textContent = 'Paid';
    status.setAttribute('data-state', 'complete');
    if (body.redirect_url) {
      setTimeout(function () {
        window.location.assign(body.redirect_url);
      }, 1500);
    } else if (state !== 'complete') {
      window.location.reload();
    }
  }

  function poll() {
    fetch(main.getAttribute('data-status-url'), { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (body) {
        if (!body) return setTimeout(poll, 4000);
        if (body.status === 'complete') return done(body);
        if (body.status === 'expired' || body.payment_status === 'failed' || body.payment_status === 'closed')
          return window.location.reload();
        setTimeout(poll, 2000);
      })
      .catch(function () {
        setTimeout(poll, 4000);
      });
  }

  function changed(body) {
    if (body.status === 'complete') return done(body);
    if (body.status === 'expired' || body.payment_status === 'failed' || body.payment_status === 'closed')
      window.location.reload();
  }

  // The stream pushes each change; when it cannot be had (no EventSource, refused with 503, a proxy that
  // breaks it), the page polls as before. Reconnects after a drop are EventSource's own, a few at most.
  function live() {
    var url = main.getAttribute('data-events-url');
    if (!url || typeof EventSource === 'undefined') return setTimeout(poll, 1000);
    var source = new EventSource(url);
    var failures = 0;
    var fallen = false;
    function fallBack() {
      if (fallen) return;
      fallen = true;
      source.close();
      setTimeout(poll, 1000);
    }
    function on(name) {
      source.addEventListener(name, function (e) {
        failures = 0;
        var body = JSON.parse(e.data);
        if (body.status !== 'open') source.close();
        changed(body);
      });
    }
    on('status');
    on('paid');
    on('expired');
    source.onerror = function () {
      failures++;
      if (source.readyState === EventSource.CLOSED || failures >= 3) fallBack();
    };
  }

  if (state === 'complete') {
    var back = document.getElementById('return');
    if (back) done({ redirect_url: back.getAttribute('href') });
  } else if (state === 'pending') {
    live();
  }
})();
`;

export const CASHIER_CSS = String.raw`
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif}
body{margin:0;padding:1rem;background:Canvas;color:CanvasText}
main{max-width:26rem;margin:0 auto}
header{text-align:center}
.merchant{font-weight:600;margin:.25rem 0}
h1{font-size:2.25rem;margin:.25rem 0}
.currency{font-size:1.25rem;font-weight:400}
.subject{margin:.25rem 0 1rem;opacity:.8}
h2{font-size:1.05rem}
.qr{width:min(16rem,70vw);margin:0 auto;background:#fff;padding:.25rem}
.qr svg{display:block;width:100%;height:auto}
.channels{list-style:none;padding:0;margin:0}
.channels li{margin:.5rem 0}
button,.button{display:block;box-sizing:border-box;width:100%;padding:.8rem 1rem;font:inherit;font-weight:600;text-align:center;border:2px solid #1677ff;border-radius:.5rem;background:#1677ff;color:#fff;text-decoration:none;cursor:pointer}
button:focus-visible,.button:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
#status{font-size:1.25rem;text-align:center;font-weight:600}
#status[data-state=complete]{color:#15803d}
.sandbox{font-size:.9rem;border-left:4px solid #f59e0b;padding-left:.5rem}
.sandbox-actions form{display:inline-block;width:48%;margin-right:2%}
.sandbox-actions button{background:transparent;color:inherit}
.notice{border-left:4px solid #dc2626;padding-left:.5rem}
label{display:block;font-weight:600;margin:.5rem 0}
input{box-sizing:border-box;width:100%;font:inherit;font-size:1.5rem;padding:.5rem;margin-bottom:1rem}
`;
