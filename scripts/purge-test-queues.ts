// Deletes the RabbitMQ queues and exchanges that earlier test, bench and demo runs left on this machine's broker:
// names under `paygrid-test.`, `paygrid-bench.` and `demo<8 hex>.` (never `paygrid.`, the default namespace).
// Specs delete their namespace when they finish; a run that was killed cannot, and each of its quorum queues is a
// Raft group the single local broker keeps running. A few hundred of them slowed the broker until CI timed out.
// A namespace with a consumer on any of its queues belongs to a run still going on, and stays.
// Usage: rabbitmqctl list_queues -q --no-table-headers name consumers | node -r @swc-node/register scripts/purge-test-queues.ts
import { connect } from 'amqplib';

const LEFTOVER = /^(paygrid-test\.|paygrid-bench\.|demo[0-9a-f]{8}\.)/;

/** `<namespace>.<consumer>`, `<namespace>.<consumer>.dlq`, `<namespace>.<consumer>.retry.<ms>ms`. */
function namespaceOf(queue: string): string {
  return queue.replace(/\.[^.]+(\.dlq|\.retry\.\d+ms)?$/, '');
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const rows = Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([name]) => name && LEFTOVER.test(name))
    .map(([name, consumers]) => ({ name, namespace: namespaceOf(name), consumers: Number(consumers ?? 0) }));
  const live = new Set(rows.filter((r) => r.consumers > 0).map((r) => r.namespace));
  const names = rows.filter((r) => !live.has(r.namespace)).map((r) => r.name);
  if (names.length === 0) {
    console.log('no test queues left on the broker');
    return;
  }
  const conn = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createChannel();
  for (const n of names) await ch.deleteQueue(n);
  // Their namespaces' exchanges: `<namespace>.events` and `<namespace>.dlx`.
  const namespaces = new Set(names.map(namespaceOf));
  for (const ns of namespaces) for (const x of ['events', 'dlx']) await ch.deleteExchange(`${ns}.${x}`);
  await conn.close();
  console.log(
    `deleted ${names.length} queues left by earlier runs (${namespaces.size} namespaces; ${live.size} in use kept)`,
  );
}

main().catch((err: Error) => {
  // Best effort: CI goes on with a broker that still holds them.
  console.warn(`could not purge test queues: ${err.message}`);
});
