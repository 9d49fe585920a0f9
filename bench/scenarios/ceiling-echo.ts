import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runLoad } from '../lib/http-load';
import { freePort } from '../lib/ports';
import { spawnNode, waitForLog } from '../lib/processes';
import type { Scenario } from '../lib/scenario';
import { SETTINGS, log, wants } from '../lib/settings';
import { sleep } from '../lib/stats';

const env = process.env;

/**
 * Ceiling B: the framework alone. `bench/echo-server.ts` in its own process, with createHttpApp's platform
 * settings and one echo controller: no database, no signatures. The signed GET is compared with it.
 */
export const ceilingEcho: Scenario = {
  name: 'echo',
  wanted: () => wants('get'),
  async run(ctx) {
    const m = await ctx.measure('echo', () => runEcho(ctx.logDir, ctx.profileDir));
    ctx.ceilings.echo = m.value.throughput;
    return [
      {
        scenario: 'ceiling B: NestJS echo route (GET)',
        unit: 'req/s',
        throughput: m.value.throughput,
        p50: m.value.p50,
        p99: m.value.p99,
        errors: m.value.errors,
      },
    ];
  },
};

async function runEcho(logDir: string, profileDir?: string) {
  const port = await freePort();
  const echoLog = join(logDir, 'echo.log');
  const echo = spawnNode(
    'echo',
    'bench/echo-server.ts',
    {
      NODE_ENV: 'production',
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      PAYGRID_DATA_KEYS: `e1:${randomBytes(32).toString('base64')}`,
    },
    echoLog,
    profileDir && SETTINGS.profile?.includes('echo') ? profileDir : undefined,
  );
  try {
    await waitForLog(echo, echoLog, 'echo server listening');
    log(`ceiling B: NestJS echo route, ${SETTINGS.connections} connections, ${SETTINGS.seconds} s`);
    if (SETTINGS.profile?.includes('echo')) echo.toggleProfile();
    const r = await runLoad({
      baseUrl: `http://127.0.0.1:${port}`,
      connections: SETTINGS.connections,
      seconds: SETTINGS.seconds,
      build: (i) => ({ method: 'GET', path: `/v1/echo/pay_${i}` }),
    });
    if (SETTINGS.profile?.includes('echo')) echo.toggleProfile();
    await sleep(300);
    return r;
  } finally {
    await echo.stop();
  }
}
