import { DomainError, invalidRequest, notFound } from '../../common/errors/domain-error';

export const MerchantErrors = {
  merchantNotFound: (id: string) => notFound('merchant', id),
  appNotFound: (id: string) => notFound('app', id),
  keyNotFound: (id: string) => notFound('key', id, 'key_id'),
  tooManyKeys: () =>
    new DomainError({
      code: 'too_many_active_keys',
      message: 'An app may hold at most two active keys; revoke one first',
    }),
  publicKeyInvalid: (why: string) => invalidRequest('public_key_invalid', why, 'public_key'),
  providerFamilyUnknown: (family: string) =>
    invalidRequest('parameter_invalid', `Unknown provider family '${family}'; use wechat or alipay`, 'family'),
  providerAccountInvalid: (why: string, param: string) => invalidRequest('parameter_invalid', why, param),
  alipayAuthorisationExpired: (merchantId: string) =>
    new DomainError({
      code: 'alipay_authorisation_expired',
      message: `Merchant ${merchantId}'s Alipay authorisation has expired and could not be refreshed; it must authorise the platform's app again`,
    }),
  webhookUrlInvalid: (why: string) => invalidRequest('webhook_url_invalid', why, 'webhook_url'),
};
