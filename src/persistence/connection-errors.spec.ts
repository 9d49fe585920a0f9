import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './connection-errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['socket reset', withCode('ECONNRESET')],
    ['connection refused', withCode('ECONNREFUSED')],
    ['pool checkout timeout', new Error('timeout exceeded when trying to connect')],
    ['connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['client-side query timeout', new Error('Query read timeout')],
    ['statement timeout (57014)', withCode('57014', 'canceling statement due to statement timeout')],
    ['admin shutdown during a failover (57P01)', withCode('57P01')],
    ['cannot connect now (57P03)', withCode('57P03')],
    ['read-only transaction after a failover (25006)', withCode('25006')],
    ['too many connections (53300)', withCode('53300')],
    ['connection exception class 08', withCode('08006')],
  ])('recognises %s', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], err))).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a serialization failure', withCode('40001')],
    ['invalid text (NUL byte)', withCode('22021')],
    ['a plain bug', new TypeError('Cannot read properties of undefined')],
    ['nothing', undefined],
  ])('does not take %s for an outage', (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
