import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import type { Client } from 'pg';
import { expectedPrefix } from '../../src/common/http/id-params.guard';
import { IdPrefix, newId } from '../../src/common/ids/ids.util';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';
import { rawClient } from '../utils/test-db';
import { sourceErrorCodes } from './kit/error-codes';
import { Mutation, bodyText, describeMutation, mutation } from './kit/fuzz-inputs';
import { ALL_ZERO, fingerprintDiff, invariants, stateFingerprint } from './kit/invariants';
import { Operation, loadOperations } from './kit/openapi-ops';
import { RawRequest, sendRaw, signedAuthorization } from '../utils/raw-http';
import { recordScenario } from './kit/summary';

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
/** Runs per operation: 78 operations × this stays well under a minute on the 2-core CI machine. */
const RUNS_PER_OPERATION = Number(process.env.CHAOS_FUZZ_RUNS ?? 24);
const ERROR_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'rate_limit_error',
  'idempotency_error',
  'provider_error',
  'api_error',
]);

const CODES = sourceErrorCodes();

interface Failure {
  op: string;
  mutation: string;
  status: number;
  problem: string;
  answer: string;
}

/**
 * Chaos scenario 1 (issue 16, "a fuzzer over every operation in openapi.json"): for every path and method, requests
 * that a valid one is one mutation away from (a field of the wrong type, null, control characters, lone
 * surrogates, huge or deep values, broken JSON and encodings, odd headers, bad path ids and query values), signed
 * like a merchant's for /v1 and with the admin token for /admin so they get past authentication. Every answer must
 * be below 500, every 4xx the API error shape with a documented code, and a refused request must change no stored
 * row (fingerprint of every state table before and after).
 */
describe('chaos 1: a fuzzer over every operation in openapi.json', () => {
  let t: TestApp;
  let signer: OnboardedMerchant;
  let target: OnboardedMerchant;
  let paymentId: string;
  let db: Client;
  const failures: Failure[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  const codesSeen = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      RATE_LIMIT_PER_MINUTE: '10000000',
      // A deep body or a stall of the shared machine must not turn into the shedder's 503: this run judges input.
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    // One merchant signs the /v1 requests; the admin routes aim at another, so a fuzzed admin call that happens to
    // be valid (a PATCH, a new key) cannot lock the signer out.
    signer = await onboardMerchant(t, { name: 'Fuzz signer' });
    target = await onboardMerchant(t, { name: 'Fuzz target' });
    paymentId = (
      await signer.client.createPayment({
        out_trade_no: 'fuzz-base',
        amount: 100,
        currency: 'CNY',
        channel: 'alipay_qr',
        subject: 'fuzz',
      })
    ).id;
    db = await rawClient(t.db.url);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** The id a path parameter gets when the mutation is not about ids: a real one when the route reads it. */
  function goodId(op: Operation, param: string): string {
    const route = op.path.replace(/\{(\w+)\}/g, ':$1');
    const prefix = expectedPrefix(route, param);
    // Bodyless actions (suspend, delete, retire, approve…) get ids of nothing, so a lucky valid call changes nothing.
    const reads = op.method === 'GET' || op.body !== undefined;
    if (reads && prefix === 'mch') return target.merchantId;
    if (reads && prefix === 'app') return target.appId;
    if (reads && prefix === 'pay') return paymentId;
    if (prefix) return newId(prefix as IdPrefix);
    if (param === 'family') return 'alipay';
    if (param === 'consumer') return 'webhook-dispatcher';
    return 'x';
  }

  function setAt(body: unknown, path: string[], value: unknown): unknown {
    const copy = structuredClone(body ?? {}) as Record<string, any>;
    let node = copy;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key];
    }
    node[path[path.length - 1]] = value;
    return copy;
  }

  function build(op: Operation, m: Mutation): RawRequest {
    const params = Object.fromEntries(op.pathParams.map((p) => [p, goodId(op, p)]));
    if (m.kind === 'pathId' && op.pathParams.length) params[op.pathParams[m.pick % op.pathParams.length]] = m.id;
    let path = op.path.replace(/\{(\w+)\}/g, (_x, p: string) => params[p]);
    if (m.kind === 'query') {
      const name = m.unknownName || op.query.length === 0 ? 'zz_unknown' : op.query[m.pick % op.query.length].name;
      path += `?${m.value(name)}`;
    }
    let body: Buffer | undefined = op.body === undefined ? undefined : Buffer.from(bodyText(op.body));
    let contentType: string | undefined = 'application/json';
    if (m.kind === 'field') {
      const target = op.fields.length ? op.fields[m.pick % op.fields.length] : ['zz_field'];
      body = Buffer.from(bodyText(setAt(op.body, target, m.value)));
    } else if (m.kind === 'addField') {
      body = Buffer.from(bodyText({ ...((op.body as object) ?? {}), [m.name]: m.value }));
    } else if (m.kind === 'wholeBody') {
      body = Buffer.from(bodyText(m.value));
    } else if (m.kind === 'rawBody') {
      body = m.raw.bytes;
      contentType = m.raw.contentType ?? contentType;
    } else if (m.kind === 'contentType') {
      body ??= Buffer.from('{}');
      contentType = m.contentType === '' ? undefined : m.contentType;
      if (m.contentType === 'application/x-www-form-urlencoded') body = Buffer.from('a=1&b[c]=%00&amount=x');
    }
    const headers: Array<[string, string]> = [['accept', 'application/json']];
    if (body !== undefined && contentType !== undefined && !(m.kind === 'headers' && m.odd.dropContentType))
      headers.push(['content-type', contentType]);
    if (op.hasIdempotencyKey) headers.push(['idempotency-key', `fuzz-${Math.random().toString(36).slice(2)}`]);
    if (m.kind === 'headers') headers.push(...m.odd.headers);
    const req: RawRequest = { method: op.method, pathWithQuery: path, headers, body };
    const auth = m.kind === 'auth' ? m.variant : 'good';
    if (op.auth === 'admin') {
      if (auth === 'good') headers.push(['authorization', `Bearer ${TEST_ADMIN_TOKEN}`]);
      else if (auth === 'garbage') headers.push(['authorization', `Bearer ${'g'.repeat(40)}`]);
      else if (auth !== 'none') headers.push(['authorization', `Basic ${Buffer.from('a:b').toString('base64')}`]);
    } else if (op.auth === 'merchant') {
      const creds = { appId: signer.appId, keyId: signer.keyId, secret: signer.secret! };
      if (auth === 'good') headers.push(['authorization', signedAuthorization(creds, req)]);
      else if (auth === 'garbage') headers.push(['authorization', 'PAYGRID-HMAC-SHA256 app_id="x",,,signature=']);
      else if (auth === 'wrong-scheme') headers.push(['authorization', `Bearer ${TEST_ADMIN_TOKEN}`]);
      else if (auth === 'stale-signature')
        headers.push(['authorization', signedAuthorization(creds, { ...req, pathWithQuery: `${req.pathWithQuery}x` })]);
    }
    return req;
  }

  function judge(res: { status: number; json: any; headers: any; text: string }): string[] {
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`answered ${res.status}`);
    if (res.status >= 400) {
      const e = res.json?.error;
      if (!e) problems.push('not the API error shape');
      else {
        codesSeen.add(e.code);
        if (!ERROR_TYPES.has(e.type)) problems.push(`error type ${JSON.stringify(e.type)}`);
        if (!CODES.has(e.code) || e.code === 'internal_error')
          problems.push(`unstable error code ${JSON.stringify(e.code)}`);
        if (typeof e.message !== 'string' || !e.message) problems.push('no message');
        if (!/^req_/.test(String(e.request_id))) problems.push('no request_id');
        if (res.headers['request-id'] !== e.request_id) problems.push('Request-Id header differs from the body');
      }
    }
    return problems;
  }

  it('answers every operation below 500, in the error shape, and changes nothing it refuses', async () => {
    const ops = loadOperations();
    expect(ops.length).toBeGreaterThan(70);
    console.log(
      `chaos fuzz: seed ${SEED} (rerun with CHAOS_SEED=${SEED}), ${RUNS_PER_OPERATION} runs × ${ops.length} operations`,
    );
    const started = Date.now();
    let accepted = 0;
    let changedOnRefusal = 0;
    for (const [i, op] of ops.entries()) {
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          const req = build(op, m);
          const before = await stateFingerprint(db);
          let res;
          try {
            res = await sendRaw(t.baseUrl, req);
          } catch (err) {
            failures.push({
              op: `${op.method} ${op.path}`,
              mutation: describeMutation(m),
              status: 0,
              problem: `no answer: ${(err as Error).message}`,
              answer: '',
            });
            return;
          }
          sent++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const problems = judge(res);
          if (res.status < 300) accepted++;
          if (res.status >= 400) {
            const diff = fingerprintDiff(before, await stateFingerprint(db));
            if (diff.length) {
              changedOnRefusal++;
              problems.push(`refused, yet changed ${diff.join('; ')}`);
            }
          }
          if (problems.length)
            failures.push({
              op: `${op.method} ${op.path}`,
              mutation: describeMutation(m),
              status: res.status,
              problem: problems.join(', '),
              answer: res.text.slice(0, 200),
            });
        }),
        // Failures are collected rather than thrown, so one run reports every broken operation at once.
        { seed: SEED + i, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `chaos fuzz: ${sent} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, c]) => a + c, 0);
    recordScenario({
      scenario: '1 fuzz openapi.json',
      load: `${sent} requests, ${ops.length} operations (seed ${SEED})`,
      fault: 'malformed input',
      accepted,
      lost: fivexx + changedOnRefusal,
      duplicated: 0,
      recovered_s: null,
    });
    if (failures.length && process.env.CHAOS_FUZZ_FAILURES)
      writeFileSync(process.env.CHAOS_FUZZ_FAILURES, JSON.stringify(failures, null, 1));
    console.log(`chaos fuzz: error codes seen ${[...codesSeen].sort().join(' ')}`);
    expect(failures).toEqual([]);
    expect(await invariants(db)).toEqual({ ...ALL_ZERO, unpublishedEvents: expect.any(Number) });
  });
});
