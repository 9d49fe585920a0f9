import { createServer } from 'node:net';
import { SETTINGS } from './settings';

let next = SETTINGS.portBase;

/** A free port on 127.0.0.1: the next free one from BENCH_PORT_BASE when set (a shared machine's own range), else one the OS picks. */
export async function freePort(): Promise<number> {
  if (next === undefined) return listenOn(0);
  for (let tries = 0; tries < 100; tries++) {
    const port = next++;
    const got = await listenOn(port).catch(() => undefined);
    if (got !== undefined) return got;
  }
  throw new Error(`no free port from BENCH_PORT_BASE=${SETTINGS.portBase}`);
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const { port: bound } = srv.address() as { port: number };
      srv.close(() => resolvePort(bound));
    });
  });
}
