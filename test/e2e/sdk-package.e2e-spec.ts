import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { TestApp, startTestApp } from '../utils/test-app';

const execFileAsync = promisify(execFile);
const SDK = resolve(__dirname, '../../libs/sdk');

/** What a merchant's own project does with the package: ESM import, a signed create, the payer pays, a verified GET. */
const CONSUMER = `
import { PaygridClient, PaygridError, verifyWebhook } from '@paygrid/sdk';
const [baseUrl, appId, keyId, secret] = process.argv.slice(2);
const paygrid = new PaygridClient({ baseUrl, appId, keyId, secret });
if (typeof verifyWebhook !== 'function' || typeof PaygridError !== 'function') throw new Error('missing exports');
const created = await paygrid.createPayment({
  out_trade_no: 'pack-1', amount: 1999, currency: 'CNY', channel: 'alipay_qr', subject: 'From the packed SDK',
});
const res = await fetch(created.next_action.qr_code, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'success' }),
});
await res.text();
let payment = created;
for (let i = 0; i < 100 && payment.status !== 'succeeded'; i++) {
  await new Promise((r) => setTimeout(r, 100));
  payment = await paygrid.getPayment(created.id);
}
console.log(JSON.stringify({ id: payment.id, status: payment.status, amount: payment.amount }));
`;

/**
 * The SDK is a real package (issue 20): `npm pack` of libs/sdk builds it (CommonJS with types), and the tarball,
 * installed in an empty project outside the repository, takes a sandbox payment with response signatures verified.
 */
describe('@paygrid/sdk as a package (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    m = await onboardMerchant(t, { channels: ['alipay_qr'] });
    dir = mkdtempSync(join(tmpdir(), 'paygrid-sdk-pack-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packs, installs from the tarball into an empty project, and takes a sandbox payment', async () => {
    // Never spawnSync here: the API under test runs in this process, and a blocked event loop is an overload to it.
    const npm = async (cwd: string, ...args: string[]) => {
      const run = await execFileAsync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd,
        timeout: 120_000,
      }).catch((e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr }));
      expect({ args, status: 'code' in run ? run.code : 0, stderr: run.stderr }).toMatchObject({ status: 0 });
    };
    await npm(SDK, 'pack', '--pack-destination', dir);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBe('paygrid-sdk-0.1.0.tgz');

    const project = join(dir, 'shop');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
    await npm(project, 'install', '--prefer-offline', join(dir, tarball!));
    writeFileSync(join(project, 'take-payment.js'), CONSUMER);
    // Asynchronously: the API under test runs in this very process and must keep serving while the script runs.
    const run = await execFileAsync(process.execPath, ['take-payment.js', t.baseUrl, m.appId, m.keyId, m.secret!], {
      cwd: project,
      timeout: 60_000,
    }).then(
      (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        status: e.code ?? null,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      }),
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({ id: expect.stringMatching(/^pay_/), status: 'succeeded', amount: 1999 });

    // Its types ship with it, and its listen command is installed as a bin.
    const installed = join(project, 'node_modules/@paygrid/sdk');
    expect(readdirSync(join(installed, 'dist/sdk/src'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    // The channel list its types name ships with it (one list, libs/contracts).
    expect(readdirSync(join(installed, 'dist/contracts/src'))).toEqual(expect.arrayContaining(['channels.d.ts']));
    const help = await execFileAsync(join(project, 'node_modules/.bin/paygrid-listen'), ['--help']);
    expect(help.stdout).toContain('Usage: paygrid-listen --forward-to');
  });
});
