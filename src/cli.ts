import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CoreModule } from './core.module';
import { resolveConfig } from './bootstrap';
import { CLI_COMMANDS, CliCommand } from './cli.commands';
import { parseFlags } from './cli-flags.util';

/**
 * Operator tasks without the Swagger UI: `npm run cli -- <command> [--flag value]`.
 * Runs the same services as the API (audited as actor `cli`), with no HTTP
 * server, no controller and no worker loop (CoreModule).
 */
function usage(): string {
  const lines = Object.entries(CLI_COMMANDS).map(([name, c]) => `  ${name.padEnd(22)} ${c.usage}`);
  lines.push(
    `  ${'listen'.padEnd(22)} --forward-to <url> [--app --key --key-secret]   forward an app's events to a local URL`,
  );
  return `Usage: npm run cli -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

/**
 * `listen --forward-to <url>` is a merchant-side tool (it signs with an app's key and reads the events API, as it
 * would against a remote sandbox), so it lives in the SDK (libs/sdk/src/listen-cli.ts); the server does not import
 * the SDK, and this runs it as a process of its own.
 */
function listen(args: string[]): Promise<never> {
  // From the sources (npm run cli) through SWC; from the build (node dist/src/cli.js) its compiled twin.
  const compiled = __filename.endsWith('.js');
  const bin = resolve(__dirname, `../libs/sdk/src/listen-cli.${compiled ? 'js' : 'ts'}`);
  const child = spawn(process.execPath, [...(compiled ? [] : ['-r', '@swc-node/register']), bin, ...args], {
    stdio: 'inherit',
  });
  // A signal to this process alone (kill, a supervisor) reaches the listener too; it stops and reports.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  // Settles only by exiting, with the listener's own exit code.
  return new Promise<never>(() => child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0))));
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === 'listen') return listen(rest);
  const command: CliCommand | undefined = name ? CLI_COMMANDS[name] : undefined;
  if (!command) {
    if (name && name !== 'help') process.stderr.write(`unknown command: ${name}\n\n`);
    process.stdout.write(usage());
    process.exit(name && name !== 'help' ? 2 : 0);
  }
  const { positional, flags } = parseFlags(rest);
  if (command.standalone) {
    process.stdout.write(
      `${JSON.stringify(await command.run(undefined as unknown as INestApplicationContext, positional, flags), null, 2)}\n`,
    );
    return;
  }
  const config = await resolveConfig(
    { ...process.env, PAYGRID_ROLE: 'api', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    process.stderr,
  );
  const app = await NestFactory.createApplicationContext(CoreModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    const result = await command.run(app, positional, flags);
    process.stdout.write(`${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`error: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
    process.exit(1);
  },
);
