import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

/** SQLSTATE codes we branch on; never on message text (CONVENTIONS "Data access"). */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_CHECK_VIOLATION = '23514';
export const PG_RAISE_EXCEPTION = 'P0001';
export const PG_SERIALIZATION_FAILURE = '40001';
export const PG_DEADLOCK_DETECTED = '40P01';

export function sqlState(err: unknown): string | undefined {
  if (err instanceof QueryFailedError) return (err.driverError as { code?: string } | undefined)?.code;
  return (err as { code?: string } | undefined)?.code;
}

/** The constraint a unique/check violation named, to tell which invariant tripped. */
export function violatedConstraint(err: unknown): string | undefined {
  const driverError = err instanceof QueryFailedError ? err.driverError : err;
  return (driverError as { constraint?: string } | undefined)?.constraint;
}

export interface TransactionOptions {
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
  /** How many times a serialization failure or deadlock is retried. */
  retries?: number;
}

/**
 * The one transaction helper. The callback receives the EntityManager
 * explicitly; repositories that must join take it as an argument. 40001 and
 * 40P01 are retried with jitter, so the callback must be safe to run again.
 */
export async function withTransaction<T>(
  dataSource: DataSource,
  fn: (manager: EntityManager) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await dataSource.transaction(options.isolation ?? 'READ COMMITTED', fn);
    } catch (err) {
      const code = sqlState(err);
      const retryable = code === PG_SERIALIZATION_FAILURE || code === PG_DEADLOCK_DETECTED;
      if (!retryable || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
    }
  }
}
