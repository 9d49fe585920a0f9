#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EventForwarder } from './event-forwarder';
import { PaygridClient } from './paygrid-client';

/**
 * `paygrid-listen --forward-to http://localhost:4242/hooks` (also `npm run listen -- …` and
 * `npm run cli -- listen …`): forwards an app's new events to a local URL, signed as Standard Webhooks, and prints
 * one line per event with the local answer. Credentials: --url/--app/--key/--key-secret, or PAYGRID_URL,
 * PAYGRID_APP_ID, PAYGRID_KEY_ID, PAYGRID_SECRET, or the sandbox demo merchant a local `npm start` saved in
 * PAYGRID_DATA_DIR (default .data)/demo-credentials.json.
 */
const USAGE = `Usage: paygrid-listen --forward-to <url> [--url <paygrid>] [--app app_…] [--key key_…] [--key-secret sk_…]
                      [--webhook-secret whsec_…] [--poll-ms 1000]`;

interface Saved {
  base_url?: string;
  app_id?: string;
  key_id?: string;
  secret?: string;
}

function savedCredentials(): Saved {
  const file = resolve(process.env.PAYGRID_DATA_DIR ?? '.data', 'demo-credentials.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Saved) : {};
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'forward-to': { type: 'string' },
      url: { type: 'string' },
      app: { type: 'string' },
      key: { type: 'string' },
      'key-secret': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'poll-ms': { type: 'string', default: '1000' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const forwardTo = values['forward-to'];
  if (!forwardTo || !/^https?:\/\//.test(forwardTo)) throw new Error(`--forward-to must be an http(s) URL\n${USAGE}`);
  const pollMs = Number(values['poll-ms']);
  if (!Number.isInteger(pollMs) || pollMs < 100) throw new Error('--poll-ms must be an integer of at least 100');
  const saved = savedCredentials();
  const baseUrl = values.url ?? process.env.PAYGRID_URL ?? saved.base_url ?? 'http://127.0.0.1:3000';
  const appId = values.app ?? process.env.PAYGRID_APP_ID ?? saved.app_id;
  const keyId = values.key ?? process.env.PAYGRID_KEY_ID ?? saved.key_id;
  const secret = values['key-secret'] ?? process.env.PAYGRID_SECRET ?? saved.secret;
  if (!appId || !keyId || !secret)
    throw new Error(
      'no credentials: pass --app, --key and --key-secret (or PAYGRID_APP_ID, PAYGRID_KEY_ID, PAYGRID_SECRET)',
    );

  const forwarder = new EventForwarder({
    client: new PaygridClient({ baseUrl, appId, keyId, secret }),
    forwardTo,
    webhookSecret: values['webhook-secret'],
    pollMs,
    onForward: ({ event, status, error, latencyMs }) =>
      process.stdout.write(
        `${new Date().toISOString()}  ${event.type.padEnd(26)} ${event.id}  -> ${status ?? error} (${latencyMs} ms)\n`,
      ),
    onError: (err) => process.stderr.write(`events API: ${err.message} (trying again)\n`),
  });
  await forwarder.start();
  process.stdout.write(
    `Ready: forwarding the events of ${appId} at ${baseUrl} to ${forwardTo}\n` +
      `Webhook signing secret: ${forwarder.secret} (verify forwarded requests with it)\n`,
  );
  await new Promise<void>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
  });
  await forwarder.stop();
  process.stdout.write(`Stopped: ${forwarder.forwarded} event(s) forwarded\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`paygrid-listen: ${err.message}\n`);
    process.exit(2);
  },
);
