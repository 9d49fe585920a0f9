import { withHeartbeat } from './rabbit-connection';

describe('withHeartbeat', () => {
  it('asks the broker for heartbeats so a silent partition closes the connection', () => {
    expect(new URL(withHeartbeat('amqp://guest:guest@127.0.0.1:5672', 5)).searchParams.get('heartbeat')).toBe('5');
    expect(withHeartbeat('amqp://u:p@host:5672/vh', 3)).toBe('amqp://u:p@host:5672/vh?heartbeat=3');
  });

  it('keeps a heartbeat the operator put in AMQP_URL', () => {
    expect(withHeartbeat('amqp://h:5672?heartbeat=30', 5)).toBe('amqp://h:5672?heartbeat=30');
  });
});
