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
  return `Usage: npm run cli -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
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
