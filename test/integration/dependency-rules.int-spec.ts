import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the committed rules in `cwd` (paths in the rules are relative to it), as `npm run lint:deps` does. */
async function cruise(cwd: string, ...paths: string[]): Promise<{ exitCode: number; violations: Violation[] }> {
  const opts = { cwd, maxBuffer: 64 * 1024 * 1024 };
  const { stdout } = await run(depcruise, [...paths, '--config', config, '--output-type', 'json'], opts);
  // The default reporter is the one CI uses: its exit code is the number of errors.
  const exitCode = await run(depcruise, [...paths, '--config', config], opts).then(
    () => 0,
    (err: { code: number }) => err.code,
  );
  return { exitCode, violations: JSON.parse(stdout).summary.violations };
}

describe('import rules (.dependency-cruiser.cjs, npm run lint:deps)', () => {
  it('refuses the deliberately bad imports of the fixture, and only those', async () => {
    const { exitCode, violations } = await cruise(join(root, 'test', 'fixtures', 'depcruise'), 'src');
    expect(exitCode).not.toBe(0);
    const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
    expect(found).toEqual([
      'ground-floor-imports-no-module: src/common/bad-ground.util.ts -> src/app.module.ts',
      'module-arrows-providers: src/modules/providers/bad.adapter.ts -> src/modules/payments/payments.service.ts',
      'no-circular: src/modules/payments/circle-a.util.ts -> src/modules/payments/circle-b.util.ts',
      'only-the-top-composes: src/common/bad-ground.util.ts -> src/app.module.ts',
      'providers-never-import-payments: src/modules/providers/bad.adapter.ts -> src/modules/payments/payments.service.ts',
    ]);
  });

  it('finds no violation in src/ and libs/', async () => {
    const { exitCode, violations } = await cruise(root, 'src', 'libs');
    expect(violations).toEqual([]);
    expect(exitCode).toBe(0);
  });
});
