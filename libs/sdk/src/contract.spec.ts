import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Api, Matches } from './contract';
import type { Payment } from './resources';

const root = resolve(__dirname, '../../..');

describe('the SDK and the contract', () => {
  it('ships the types openapi.json generates today (npm run openapi rewrites them)', () => {
    const out = mkdtempSync(join(tmpdir(), 'paygrid-sdk-types-'));
    try {
      const run = spawnSync(
        join(root, 'node_modules/.bin/openapi-ts'),
        ['--silent', '--no-log-file', '-i', join(root, 'openapi.json'), '-o', out, '-p', '@hey-api/typescript'],
        { cwd: root, encoding: 'utf8' },
      );
      expect(run.status).toBe(0);
      const committed = readFileSync(join(root, 'libs/sdk/src/generated/types.gen.ts'), 'utf8');
      expect(readFileSync(join(out, 'types.gen.ts'), 'utf8')).toBe(committed);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("fails the type check when the SDK's types drift from the contract's", () => {
    const same: Matches<Payment, Api.PaymentResponseDto> = true;
    // @ts-expect-error: a field of the contract the SDK lacks
    const missing: Matches<Omit<Payment, 'fee'>, Api.PaymentResponseDto> = true;
    // @ts-expect-error: a field the SDK would invent
    const invented: Matches<Payment & { surcharge: number }, Api.PaymentResponseDto> = true;
    // @ts-expect-error: a value the contract does not allow
    const wider: Matches<Omit<Payment, 'status'> & { status: string }, Api.PaymentResponseDto> = true;
    expect([same, missing, invented, wider]).toEqual([true, true, true, true]);
  });
});
