import { VARIABLES } from '../src/config/config';
import type { VariableSpec } from '../src/config/config.schema';

/**
 * The README's configuration table, generated from the one config schema
 * (`npm run -s config:table`); test/integration/readme.int-spec.ts fails
 * when the README's copy is stale.
 */
export function configTable(): string {
  const rows = Object.entries(VARIABLES as Record<string, VariableSpec<unknown>>).map(([name, spec]) => {
    const def =
      spec.default === undefined
        ? ''
        : `\`${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)}\``;
    return `| \`${name}\` | ${def} | ${spec.sensitive ? 'yes' : ''} | ${spec.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| variable | default | sensitive | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

if (require.main === module) process.stdout.write(`${configTable()}\n`);
