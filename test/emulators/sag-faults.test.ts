/**
 * SAG emulator fault injection through `POST /__admin/faults`, observed with the real pop-core client: every effect
 * kind, rate limiting (`Throttling.User` 429) and "the call timed out but did succeed" (`delayAfterMs`).
 */
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSagEmulator, type SagEmulator } from '../../emulators/sag/index.js';
import { rejection } from '../helpers/rejection.js';

const REGION = 'cn-shanghai';
const CREATE = 'CreateSmartAccessGatewayClientUser';
const DESCRIBE = 'DescribeSmartAccessGatewayClientUsers';

interface Thrown {
  name: string;
  code?: string;
  message: string;
  data?: { RequestId: string; Code: string; Message: string; HostId: string };
  entry?: { response: { statusCode: number } };
  text?: string;
}

let emu: SagEmulator;
let seq = 0;

beforeAll(async () => {
  emu = await startSagEmulator({ region: REGION, seed: 7, instances: [{ id: 'sag-f', cidr: '10.90.0.0/20', userQuota: 5000 }] });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

const client = (timeout?: number) =>
  new RPCClient({ endpoint: emu.url, apiVersion: '2018-03-13', accessKeyId: 'local-ak', accessKeySecret: 'local-sk', opts: timeout ? { timeout } : {} });

const createParams = () => ({ RegionId: REGION, SmartAGId: 'sag-f', UserMail: `f${++seq}@example.com`, Bandwidth: 100 });

const thrown = (p: Promise<unknown>) => rejection<Thrown>(p);

async function addFault(rule: unknown): Promise<Response> {
  return fetch(`${emu.url}/__admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
}

const userExists = (mail: string) => emu.listUsers('sag-f').some((u) => u.userMail === mail);

describe('SAG fault injection', () => {
  it('answers an injected error with the JSON envelope and does not apply the call', async () => {
    expect((await addFault({ action: CREATE, code: 'InternalError', httpStatus: 500, count: 1 })).status).toBe(201);
    const params = createParams();
    const err = await thrown(client().request(CREATE, params, { method: 'POST' }));
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('InternalError');
    expect(err.name).toBe('InternalErrorError');
    expect(err.data?.Message).toBe('The request processing has failed due to some unknown error, exception or failure.');
    expect(err.data?.HostId).toBe('smartag.cn-shanghai.aliyuncs.com');
    expect(err.entry?.response.statusCode).toBe(500);
    expect(userExists(params.UserMail)).toBe(false);
    // count: 1 is spent; the next call goes through.
    await client().request(CREATE, params);
    expect(userExists(params.UserMail)).toBe(true);
  });

  it('uses the SAG message of an injected SAG code, or the rule message', async () => {
    await addFault([
      { action: CREATE, code: 'ClientUser.UserOverLimit', count: 1 },
      { action: DESCRIBE, code: 'Throttling.User', httpStatus: 400, message: 'Request was denied due to user flow control.', count: 1 },
      { action: DESCRIBE, code: 'ServiceUnavailable', httpStatus: 503, count: 1 },
    ]);
    const a = await thrown(client().request(CREATE, createParams()));
    expect(a.code).toBe('ClientUser.UserOverLimit');
    expect(a.data?.Message).toBe('The maximum number of users is exceeded.');
    expect(a.entry?.response.statusCode).toBe(400);
    const b = await thrown(client().request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' }));
    expect(b.code).toBe('Throttling.User');
    expect(b.entry?.response.statusCode).toBe(400);
    const c = await thrown(client().request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' }));
    expect(c.code).toBe('ServiceUnavailable');
    expect(c.data?.Message).toBe('The request has failed due to a temporary failure of the server.');
    expect(c.entry?.response.statusCode).toBe(503);
  });

  it('delays before handling (delayMs)', async () => {
    await addFault({ action: DESCRIBE, delayMs: 300, count: 1 });
    const started = Date.now();
    const res = await client().request<{ TotalCount: number }>(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.TotalCount).toBe(0);
  });

  it('resets the connection before applying', async () => {
    await addFault({ action: CREATE, reset: true, count: 1 });
    const params = createParams();
    const err = await thrown(client().request(CREATE, params, { method: 'POST' }));
    expect(err.code).toBe('ECONNRESET');
    expect(userExists(params.UserMail)).toBe(false);
  });

  it('resets the connection after applying', async () => {
    await addFault({ action: CREATE, reset: 'after', count: 1 });
    const params = createParams();
    const err = await thrown(client().request(CREATE, params, { method: 'POST' }));
    expect(err.code).toBe('ECONNRESET');
    expect(userExists(params.UserMail)).toBe(true);
  });

  it('answers an HTML 502, which pop-core throws as a non-Error SyntaxError object', async () => {
    await addFault({ action: CREATE, html502: true, count: 1 });
    const params = createParams();
    const err = await thrown(client().request(CREATE, params));
    expect(err).not.toBeInstanceOf(Error);
    expect(err.name).toBe('SyntaxError');
    expect(err.text).toContain('502 Bad Gateway');
    expect(userExists(params.UserMail)).toBe(false);
  });

  it('applies the call, then holds the answer (delayAfterMs): the client times out but the user exists', async () => {
    await addFault({ action: CREATE, delayAfterMs: 1500, count: 1 });
    const params = createParams();
    const started = Date.now();
    const err = await thrown(client(300).request(CREATE, params, { method: 'POST' }));
    expect(err.name).toBe('RequestTimeoutError');
    expect(Date.now() - started).toBeLessThan(1400);
    expect(userExists(params.UserMail)).toBe(true);
    // Retrying blindly now hits UserExist: the reason callers reconcile with Describe.
    const again = await thrown(client().request(CREATE, params));
    expect(again.code).toBe('ClientUser.UserExist');
  });

  it('limits the rate (ratePerSecond): N calls pass, the rest get Throttling.User 429', async () => {
    await addFault({ action: DESCRIBE, ratePerSecond: 5 });
    const c = client();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => c.request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Thrown);
    expect(ok).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const err of refused) {
      expect(err.code).toBe('Throttling.User');
      expect(err.name).toBe('Throttling.UserError');
      expect(err.data?.Message).toBe('Request was denied due to user flow control.');
      expect(err.entry?.response.statusCode).toBe(429);
    }
    // Other actions are not limited by this rule.
    await client().request(CREATE, createParams());
    const rules = (await (await fetch(`${emu.url}/__admin/faults`)).json()) as { faults: Array<{ fired: number }> };
    expect(rules.faults[0]?.fired).toBe(7);
  });

  it('decides once per authenticated request only', async () => {
    await addFault({ action: '*', code: 'InternalError', httpStatus: 500, count: 2 });
    const bad = new RPCClient({ endpoint: emu.url, apiVersion: '2018-03-13', accessKeyId: 'local-ak', accessKeySecret: 'wrong' });
    expect((await thrown(bad.request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' }))).code).toBe('SignatureDoesNotMatch');
    expect((await thrown(client().request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' }))).code).toBe('InternalError');
    expect((await thrown(client().request(CREATE, createParams()))).code).toBe('InternalError');
    await expect(client().request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' })).resolves.toBeTruthy();
  });

  it('repeats probabilistic faults for a seed', async () => {
    const run = async () => {
      emu.reset();
      await addFault({ seed: 42 });
      await addFault({ action: DESCRIBE, code: 'Throttling', httpStatus: 400, probability: 0.5 });
      const c = client();
      const outcome: string[] = [];
      for (let i = 0; i < 12; i++) {
        outcome.push(
          await c.request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' }).then(
            () => 'ok',
            (e: Thrown) => e.code ?? '?',
          ),
        );
      }
      return outcome;
    };
    const first = await run();
    expect(first).toContain('ok');
    expect(first).toContain('Throttling');
    expect(await run()).toEqual(first);
  });

  it('lists, clears and validates rules over the admin API', async () => {
    await addFault({ action: CREATE, code: 'InternalError', httpStatus: 500 });
    const listed = (await (await fetch(`${emu.url}/__admin/faults`)).json()) as { faults: unknown[] };
    expect(listed.faults).toHaveLength(1);
    expect((await fetch(`${emu.url}/__admin/faults`, { method: 'DELETE' })).status).toBe(200);
    await client().request(CREATE, createParams());
    expect((await addFault({ action: CREATE })).status).toBe(400);
    expect((await addFault({ action: CREATE, delayMs: -1 })).status).toBe(400);
    expect((await fetch(`${emu.url}/__admin/faults`, { method: 'POST', body: '{not json' })).status).toBe(400);
    // Programmatic access is the same injector.
    emu.faults.add({ action: DESCRIBE, code: 'Throttling.Api', httpStatus: 429, count: 1 });
    const err = await thrown(client().request(DESCRIBE, { RegionId: REGION, SmartAGId: 'sag-f' }));
    expect(err.code).toBe('Throttling.Api');
    expect(err.data?.Message).toBe('Request was denied due to api flow control.');
  });
});
