import { invalidRequest, notFound } from '../../common/errors/domain-error';

export const VaultErrors = {
  cardUndecryptable: () =>
    invalidRequest(
      'card_encryption_invalid',
      'card.encrypted is not a JWE this platform can decrypt (RSA-OAEP-256 / A256GCM with the kid from /.well-known/jwks.json)',
      'card.encrypted',
    ),
  cardInvalid: (message: string, param = 'card') => invalidRequest('card_invalid', message, param),
  cardExpired: () => invalidRequest('card_expired', 'The card has expired', 'card'),
  tokenNotFound: (id: string) => notFound('card token', id, 'card.token'),
};
