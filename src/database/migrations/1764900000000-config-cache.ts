import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Configuration served from memory (docs/hot-path.md): every change to a
 * merchant, an app or a key NOTIFYs `paygrid_config` from a trigger, so the
 * notification is sent at COMMIT of the same transaction, whoever made the
 * change (API, CLI, a migration, psql). The payload is `table:id:merchant_id`.
 *
 * Per-app rate limits shared by every API process: `rate_limit_buckets`
 * holds one token bucket per app and `paygrid_take_tokens` refills it and
 * grants up to `want` tokens in one round trip, under the row's lock.
 */
export class ConfigCache1764900000000 implements MigrationInterface {
  name = 'ConfigCache1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION paygrid_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE r jsonb;
      BEGIN
        IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
        -- TG_ARGV[0] names the row's merchant column (id for merchants, merchant_id elsewhere).
        PERFORM pg_notify('paygrid_config', TG_TABLE_NAME || ':' || (r ->> 'id') || ':' || (r ->> TG_ARGV[0]));
        RETURN NULL;
      END $$`);
    for (const [table, merchantColumn] of [
      ['merchants', 'id'],
      ['apps', 'merchant_id'],
      ['app_keys', 'merchant_id'],
    ])
      await q.query(
        `CREATE TRIGGER ${table}_config_changed AFTER INSERT OR UPDATE OR DELETE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION paygrid_config_changed('${merchantColumn}')`,
      );

    await q.query(`
      CREATE TABLE rate_limit_buckets (
        app_id text PRIMARY KEY,
        tokens double precision NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION paygrid_take_tokens(p_app text, p_capacity double precision, p_per_ms double precision, p_want integer)
      RETURNS TABLE (granted integer, tokens_left double precision) LANGUAGE plpgsql AS $$
      DECLARE t double precision;
      BEGIN
        INSERT INTO rate_limit_buckets AS b (app_id, tokens, updated_at) VALUES (p_app, p_capacity, clock_timestamp())
        ON CONFLICT (app_id) DO UPDATE SET
          tokens = least(p_capacity,
                         b.tokens + greatest(0, extract(epoch FROM clock_timestamp() - b.updated_at)) * 1000 * p_per_ms),
          updated_at = clock_timestamp()
        RETURNING b.tokens INTO t;
        granted := least(p_want, floor(t))::integer;
        IF granted > 0 THEN
          UPDATE rate_limit_buckets SET tokens = t - granted WHERE app_id = p_app;
        END IF;
        tokens_left := t - granted;
        RETURN NEXT;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION paygrid_take_tokens(text, double precision, double precision, integer)`);
    await q.query(`DROP TABLE rate_limit_buckets`);
    for (const table of ['merchants', 'apps', 'app_keys'])
      await q.query(`DROP TRIGGER ${table}_config_changed ON ${table}`);
    await q.query(`DROP FUNCTION paygrid_config_changed()`);
  }
}
