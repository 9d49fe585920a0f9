import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The error codes the product spells out: every snake_case string literal in src/ (outside specs). A code in an
 * answer that is not among them was made up at run time (from a status, a library's message), so a client could not
 * rely on it. Broad on purpose (it also holds non-code literals); what it must catch is the code nobody wrote.
 */
export function sourceErrorCodes(root = join(__dirname, '../../../src')): Set<string> {
  const codes = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/['"`]([a-z][a-z0-9]*(?:_[a-z0-9]+)+)['"`]/g))
          codes.add(m[1]);
    }
  };
  walk(root);
  return codes;
}
