import { inAppChannel, payerAppOf } from './payer-app.util';

const ALIPAY_UA =
  'Mozilla/5.0 (Linux; U; Android 13; zh-CN; V2049A Build/TP1A.220624.014) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.59 Mobile Safari/537.36 UCBS/3.22.2.59_230817103041 ChannelId(0) NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:360|0|3.0) AliApp(AP/10.5.26.8000) AlipayClient/10.5.26.8000 Language/zh-Hans useStatusBar/true isConcaveScreen/true Region/CNAriver/1.0.0';
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI Language/zh_CN';
const WECOM_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36 MicroMessenger/7.0.1 wxwork/4.1.10 (MicroMessenger/6.2) WindowsWechat';
const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('payerAppOf', () => {
  it.each([
    [ALIPAY_UA, 'alipay'],
    [WECHAT_UA, 'wechat'],
    [WECOM_UA, 'browser'],
    [CHROME_UA, 'browser'],
    [undefined, 'browser'],
  ])('%s -> %s', (ua, app) => expect(payerAppOf(ua)).toBe(app));
});

describe('inAppChannel', () => {
  it('prefers Alipay WAP, then page pay, in Alipay; JSAPI in WeChat; nothing in other browsers', () => {
    expect(inAppChannel('alipay', ['wechat_native', 'alipay_page', 'alipay_wap'])).toBe('alipay_wap');
    expect(inAppChannel('alipay', ['alipay_qr', 'alipay_page'])).toBe('alipay_page');
    expect(inAppChannel('wechat', ['alipay_qr', 'wechat_jsapi'])).toBe('wechat_jsapi');
    expect(inAppChannel('browser', ['alipay_qr', 'wechat_jsapi'])).toBeUndefined();
  });

  it('shows the choice when the session offers nothing the app can start itself', () => {
    expect(inAppChannel('wechat', ['alipay_qr', 'wechat_native'])).toBeUndefined();
    expect(inAppChannel('alipay', ['alipay_qr'])).toBeUndefined();
  });
});
