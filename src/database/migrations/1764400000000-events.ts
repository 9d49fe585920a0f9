import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events (outbox + event store), per-aggregate sequences, the consumers'
 * inbox and dead letters, and webhook deliveries with their attempt log and
 * endpoint health. Owned by the notifications module.
 */
export class Events1764400000000 implements MigrationInterface {
  name = 'Events1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        id text PRIMARY KEY,
        type text NOT NULL,
        merchant_id text NOT NULL,
        app_id text,
        aggregate_id text NOT NULL,
        aggregate_sequence integer NOT NULL CHECK (aggregate_sequence >= 1),
        object jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX events_unpublished_idx ON events (id) WHERE published_at IS NULL`);
    await q.query(`CREATE INDEX events_merchant_id_idx ON events (merchant_id, id)`);
    await q.query(`CREATE UNIQUE INDEX events_aggregate_sequence_key ON events (aggregate_id, aggregate_sequence)`);

    await q.query(`
      CREATE TABLE event_sequences (
        aggregate_id text PRIMARY KEY,
        last_sequence integer NOT NULL
      )`);

    await q.query(`
      CREATE TABLE event_inbox (
        consumer text NOT NULL,
        event_id text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);

    await q.query(`
      CREATE TABLE event_dead_letters (
        id text PRIMARY KEY,
        consumer text NOT NULL,
        event_id text NOT NULL,
        envelope jsonb NOT NULL,
        error text NOT NULL,
        attempts integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX event_dead_letters_consumer_idx ON event_dead_letters (consumer, event_id)`);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id text PRIMARY KEY,
        event_id text NOT NULL REFERENCES events (id),
        event_type text NOT NULL,
        merchant_id text NOT NULL,
        app_id text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        schedule_step integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        last_latency_ms integer,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status <> 'pending' OR next_attempt_at IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX webhook_deliveries_event_app_key ON webhook_deliveries (event_id, app_id)`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (app_id, next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX webhook_deliveries_merchant_id_idx ON webhook_deliveries (merchant_id, id)`);

    await q.query(`
      CREATE TABLE webhook_attempts (
        id text PRIMARY KEY,
        delivery_id text NOT NULL REFERENCES webhook_deliveries (id),
        url text NOT NULL,
        status_code integer,
        error text,
        latency_ms integer NOT NULL,
        succeeded boolean NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('initial', 'retry', 'manual')),
        attempted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_attempts_delivery_id_idx ON webhook_attempts (delivery_id, attempted_at)`);

    await q.query(`
      CREATE TABLE webhook_endpoint_states (
        app_id text PRIMARY KEY,
        status text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing_since timestamptz,
        disabled_at timestamptz,
        disabled_reason text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_endpoint_states`);
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE event_dead_letters`);
    await q.query(`DROP TABLE event_inbox`);
    await q.query(`DROP TABLE event_sequences`);
    await q.query(`DROP TABLE events`);
  }
}
