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

/** Work a transaction runs last, right before COMMIT (see `beforeCommit`). */
const commitQueues = new WeakMap<EntityManager, Array<() => Promise<unknown>>>();

/**
 * Runs `work` as the last statements of `manager`'s transaction, right before
 * its COMMIT, when that transaction was opened by `withTransaction`; at once
 * otherwise. For writes that lock rows every transaction shares (the
 * platform's ledger accounts): whatever the caller still does after asking is
 * then done before the lock is taken, not while others wait for it. `work`
 * still runs inside the transaction: if it fails, everything rolls back.
 */
export async function beforeCommit(manager: EntityManager, work: () => Promise<unknown>): Promise<void> {
  const queue = commitQueues.get(manager);
  if (queue) queue.push(work);
  else await work();
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
      const run = async (m: EntityManager): Promise<T> => {
        const queue: Array<() => Promise<unknown>> = [];
        commitQueues.set(m, queue);
        const result = await fn(m);
        // In order; work queued by queued work runs too.
        for (let i = 0; i < queue.length; i++) await queue[i]();
        return result;
      };
      // READ COMMITTED is every connection's default (data-source.ts): no SET TRANSACTION round trip.
      const isolation = options.isolation ?? 'READ COMMITTED';
      return await (isolation === 'READ COMMITTED'
        ? dataSource.transaction(run)
        : dataSource.transaction(isolation, run));
    } catch (err) {
      const code = sqlState(err);
      const retryable = code === PG_SERIALIZATION_FAILURE || code === PG_DEADLOCK_DETECTED;
      if (!retryable || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
    }
  }
}
