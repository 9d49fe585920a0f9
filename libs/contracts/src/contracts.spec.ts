import { EVENT_TYPES, OBJECT_SCHEMAS, envelopeProblem, eventSchema, objectKindOf, topicMatches } from './index';

describe('event contracts', () => {
  it('has an object schema for every event type', () => {
    for (const type of EVENT_TYPES) {
      expect(OBJECT_SCHEMAS[objectKindOf(type)]).toBeDefined();
      expect(eventSchema(type).title).toBe(type);
    }
  });

  it('matches topic patterns as RabbitMQ does', () => {
    expect(topicMatches('#', 'payment.succeeded')).toBe(true);
    expect(topicMatches('payment.*', 'payment.succeeded')).toBe(true);
    expect(topicMatches('payment.*', 'refund.succeeded')).toBe(false);
    expect(topicMatches('*.succeeded', 'refund.succeeded')).toBe(true);
    expect(topicMatches('settlement.#', 'settlement')).toBe(true);
    expect(topicMatches('settlement.#', 'settlement.completed')).toBe(true);
    expect(topicMatches('payment.succeeded', 'payment.failed')).toBe(false);
    expect(topicMatches('*', 'payment.failed')).toBe(false);
  });

  it('refuses malformed envelopes', () => {
    const ok = {
      id: 'evt_01234567890123456789abcdef'.slice(0, 30),
      type: 'payment.succeeded',
      created_at: new Date().toISOString(),
      merchant_id: 'mch_x',
      app_id: null,
      version: 1,
      aggregate_id: 'pay_x',
      aggregate_sequence: 1,
      data: { object: {} },
    };
    expect(envelopeProblem(ok)).toBeUndefined();
    expect(envelopeProblem({ ...ok, type: 'payment.exploded' })).toMatch(/unknown type/);
    expect(envelopeProblem({ ...ok, version: 2 })).toMatch(/version/);
    expect(envelopeProblem('x')).toBe('not an object');
  });
});
