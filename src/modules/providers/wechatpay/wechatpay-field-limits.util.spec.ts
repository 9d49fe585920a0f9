import { wechatFieldViolation } from './wechatpay-field-limits.util';

describe('wechatFieldViolation', () => {
  const prod = 'https://api.mch.weixin.qq.com';
  const sandbox = 'http://127.0.0.1:3000/sandbox/wechatpay';
  const ok = {
    channel: 'wechat_native' as const,
    amount: 100n,
    subject: 'Coffee',
    notifyUrl: 'https://pay.example.com/callbacks/wechatpay',
  };

  it('accepts a description of 127 characters and refuses 128, naming subject', () => {
    expect(wechatFieldViolation({ ...ok, subject: '咖'.repeat(127) }, prod)).toBeUndefined();
    expect(wechatFieldViolation({ ...ok, subject: 's'.repeat(128) }, prod)).toEqual({
      field: 'subject',
      message: expect.stringContaining('127'),
    });
  });

  it('refuses a notify_url with a query string or a fragment, against any host', () => {
    for (const base of [prod, sandbox]) {
      expect(wechatFieldViolation({ ...ok, notifyUrl: `${ok.notifyUrl}?a=1` }, base)?.field).toBe('notify_url');
      expect(wechatFieldViolation({ ...ok, notifyUrl: `${ok.notifyUrl}#x` }, base)?.field).toBe('notify_url');
    }
  });

  it("requires https against WeChat's production hosts, and takes http against the sandbox", () => {
    const http = { ...ok, notifyUrl: 'http://pay.example.com/callbacks/wechatpay' };
    expect(wechatFieldViolation(http, prod)?.field).toBe('notify_url');
    expect(wechatFieldViolation(http, 'https://api2.mch.weixin.qq.com')?.field).toBe('notify_url');
    expect(wechatFieldViolation(http, sandbox)).toBeUndefined();
    expect(wechatFieldViolation(ok, prod)).toBeUndefined();
  });

  it('refuses an amount under 1 fen and a notify_url that is no URL', () => {
    expect(wechatFieldViolation({ ...ok, amount: 0n }, prod)?.field).toBe('amount');
    expect(wechatFieldViolation({ ...ok, notifyUrl: 'not a url' }, prod)?.field).toBe('notify_url');
  });
});
