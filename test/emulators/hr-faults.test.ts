/**
 * HR emulator: every fault effect of faults.ts over real HTTP, per action, and robustness (bad input never crashes
 * the server nor reaches its internal-error path).
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HR_ACTIONS, startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';
import { rejection } from '../helpers/rejection.js';

let hr: HrEmulator;
const internalErrors: unknown[] = [];

beforeAll(async () => {
  hr = await startHrEmulator({
    seed: 42,
    onInternalError: (err) => internalErrors.push(err),
    data: {
      dingtalk: { users: [{ userid: 'd1', name: 'D1', email: 'd1@example.com' }] },
      wecom: { users: [{ userid: 'w1', name: 'W1', email: 'w1@example.com' }] },
    },
  });
});
afterAll(async () => {
  await hr.close();
});
beforeEach(() => {
  hr.reset();
});
afterEach(() => {
  expect(internalErrors).toEqual([]);
});

type Json = Record<string, unknown>;
const dtTokenUrl = () => `${hr.url}/gettoken?appkey=${hr.dingtalk.appKey}&appsecret=${hr.dingtalk.appSecret}`;
const wcTokenUrl = () => `${hr.url}/cgi-bin/gettoken?corpid=${hr.wecom.corpId}&corpsecret=${hr.wecom.corpSecret}`;

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Json };
}

async function wcToken(): Promise<string> {
  return (await json(wcTokenUrl())).body.access_token as string;
}

const wcUser = async (userid = 'w1') => json(`${hr.url}/cgi-bin/user/get?access_token=${encodeURIComponent(await wcToken())}&userid=${userid}`);
const dtUser = async (userid = 'd1') => {
  const tok = (await json(dtTokenUrl())).body.access_token as string;
  return json(`${hr.url}/topapi/v2/user/get?access_token=${tok}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userid }),
  });
};

const failure = (p: Promise<unknown>) => rejection<Error>(p);

describe('HR faults', () => {
  it('lists every action name', () => {
    expect([...HR_ACTIONS].sort()).toEqual([
      'dingtalk.department.get',
      'dingtalk.department.listsub',
      'dingtalk.gettoken',
      'dingtalk.user.get',
      'dingtalk.user.list',
      'feishu.department.children',
      'feishu.tenant_access_token',
      'feishu.user.find_by_department',
      'feishu.user.get',
      'wecom.department.get',
      'wecom.department.simplelist',
      'wecom.gettoken',
      'wecom.user.get',
      'wecom.user.list',
      'wecom.user.list_id',
    ]);
  });

  it('an error rule answers the vendor error body with HTTP 200 (real APIs do), only for its action, count times', async () => {
    hr.faults.add({ action: 'wecom.user.get', code: '60111', count: 2 });
    const first = await wcUser();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ errcode: 60111, errmsg: expect.stringMatching(/^userid not found, hint: \[\w+\], from ip: /) });
    expect((await dtUser()).body.errcode).toBe(0); // other vendor untouched
    expect((await wcUser()).body.errcode).toBe(60111);
    expect((await wcUser()).body.errcode).toBe(0); // spent
  });

  it('an error rule with httpStatus and message answers them; a non-numeric code becomes errcode -1', async () => {
    hr.faults.add({ action: 'dingtalk.user.get', code: '-1', httpStatus: 503, message: '系统繁忙', count: 1 });
    expect(await dtUser()).toEqual({ status: 503, body: { errcode: -1, errmsg: '系统繁忙', request_id: expect.any(String) } });
    hr.faults.add({ action: 'dingtalk.gettoken', code: 'Boom', count: 1 });
    expect(await json(dtTokenUrl())).toMatchObject({ status: 200, body: { errcode: -1, errmsg: 'Boom' } });
  });

  it('an error on gettoken issues no token', async () => {
    hr.faults.add({ action: 'wecom.gettoken', code: '45009', count: 1 });
    expect((await json(wcTokenUrl())).body).toMatchObject({ errcode: 45009, errmsg: expect.stringMatching(/^api freq out of limit/) });
    expect(hr.snapshot().wecom.tokens).toEqual([]);
  });

  it('"*" matches every action', async () => {
    hr.faults.add({ action: '*', code: '-1', count: 2 });
    expect((await json(dtTokenUrl())).body.errcode).toBe(-1);
    expect((await json(wcTokenUrl())).body.errcode).toBe(-1);
    expect((await json(wcTokenUrl())).body.errcode).toBe(0);
  });

  it('delayMs holds the answer back', async () => {
    const tok = await wcToken();
    hr.faults.add({ action: 'wecom.user.get', delayMs: 300, count: 1 });
    const t0 = performance.now();
    const r = await json(`${hr.url}/cgi-bin/user/get?access_token=${encodeURIComponent(tok)}&userid=w1`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
    expect(r.body.errcode).toBe(0);
  });

  it('delayAfterMs applies the call, then answers too late for a short client timeout', async () => {
    hr.faults.add({ action: 'dingtalk.gettoken', delayAfterMs: 1500, count: 1 });
    const err = await failure(fetch(dtTokenUrl(), { signal: AbortSignal.timeout(300) }));
    expect(err.name).toBe('TimeoutError');
    expect(hr.snapshot().dingtalk.tokens).toHaveLength(1); // the token was issued all the same
  });

  it('reset "before" drops the connection without applying; "after" applies, then drops it', async () => {
    hr.faults.add({ action: 'dingtalk.gettoken', reset: true, count: 1 });
    expect((await failure(fetch(dtTokenUrl()))).message).toMatch(/fetch failed/);
    expect(hr.snapshot().dingtalk.tokens).toHaveLength(0);
    hr.faults.add({ action: 'dingtalk.gettoken', reset: 'after', count: 1 });
    expect((await failure(fetch(dtTokenUrl()))).message).toMatch(/fetch failed/);
    expect(hr.snapshot().dingtalk.tokens).toHaveLength(1);
    expect((await json(dtTokenUrl())).body.errcode).toBe(0);
  });

  it('html502 answers a load balancer HTML page', async () => {
    hr.faults.add({ action: 'wecom.gettoken', html502: true, count: 1 });
    const res = await fetch(wcTokenUrl());
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/502 Bad Gateway/);
    expect(hr.snapshot().wecom.tokens).toHaveLength(0);
  });

  it('probability faults are repeatable with a seed', async () => {
    const run = async () => {
      hr.reset();
      hr.faults.add({ seed: 7 });
      hr.faults.add({ action: 'dingtalk.gettoken', code: '-1', probability: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await json(dtTokenUrl())).body.errcode as number);
      return out;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a.filter((c) => c === -1).length).toBeGreaterThan(2);
    expect(a.filter((c) => c === 0).length).toBeGreaterThan(2);
  });

  it('ratePerSecond answers 45009 beyond the rate (vendor messages), HTTP 200', async () => {
    hr.faults.add({ action: 'dingtalk.gettoken', ratePerSecond: 2 });
    hr.faults.add({ action: 'wecom.gettoken', ratePerSecond: 1 });
    const dt = [];
    for (let i = 0; i < 4; i++) dt.push(await json(dtTokenUrl()));
    expect(dt.map((r) => r.body.errcode)).toEqual([0, 0, 45009, 45009]);
    expect(dt[2]).toEqual({ status: 200, body: { errcode: 45009, errmsg: '接口调用超过限制', request_id: expect.any(String) } });
    await json(wcTokenUrl());
    expect((await json(wcTokenUrl())).body).toMatchObject({ errcode: 45009, errmsg: expect.stringMatching(/^api freq out of limit/) });
  });
});

/** Sends raw bytes and returns whatever comes back before the server closes (or 1 s passes). */
function raw(bytes: string | Buffer, opts: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(hr.port, '127.0.0.1');
    let data = '';
    const done = () => {
      socket.destroy();
      resolve(data);
    };
    socket.setTimeout(1000, done);
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(bytes);
    if (opts.end) socket.end();
  });
}

async function healthy(): Promise<void> {
  expect((await json(wcTokenUrl())).body.errcode).toBe(0);
}

describe('HR emulator robustness', () => {
  it('answers 404 JSON for unknown paths and near-miss spellings', async () => {
    for (const p of [
      '/',
      '/gettoken/',
      '//gettoken',
      '/GETTOKEN',
      '/cgi-bin/user/get/',
      '/topapi/v2/user/get%00',
      '/%2e%2e/gettoken',
      '/cgi-bin/../gettoken?appkey=x',
    ]) {
      const res = await fetch(`${hr.url}${p}`);
      if (res.status === 200) {
        // fetch normalises "/cgi-bin/../gettoken" to "/gettoken": then it is the real route.
        expect(new URL(`${hr.url}${p}`).pathname).toBe('/gettoken');
        continue;
      }
      expect(res.status, p).toBe(404);
      expect(await res.json()).toMatchObject({ errcode: 404 });
    }
  });

  it('answers 413 for an oversized body and keeps serving', async () => {
    const tok = (await json(dtTokenUrl())).body.access_token as string;
    const res = await fetch(`${hr.url}/topapi/v2/user/get?access_token=${tok}`, {
      method: 'POST',
      body: JSON.stringify({ userid: 'd1', pad: 'x'.repeat(100_000) }),
    });
    expect(res.status).toBe(413);
    await healthy();
  });

  it('survives malformed percent-encoding, non-UTF-8 bodies, prototype keys and deep JSON', async () => {
    expect((await json(`${hr.url}/cgi-bin/user/get?access_token=%E0%A4%A&userid=%`)).body.errcode).toBe(40014);
    expect((await json(`${hr.url}/cgi-bin/gettoken?corpid=%FF%FE&corpsecret=%00`)).body.errcode).toBe(40013);
    const tok = (await json(dtTokenUrl())).body.access_token as string;
    const post = (body: string | Buffer, ct = 'application/json') =>
      json(`${hr.url}/topapi/v2/user/get?access_token=${tok}&__proto__=x&constructor=y`, { method: 'POST', headers: { 'content-type': ct }, body });
    expect((await post(Buffer.from([0xff, 0xfe, 0x7b, 0x00]))).body.errcode).toBe(40035);
    expect((await post('{"__proto__": {"userid": "d1"}}')).body.errcode).toBe(40035);
    expect((await post('{"constructor": {"prototype": {"userid": "d1"}}}')).body.errcode).toBe(40035);
    expect((await post(`${'['.repeat(5000)}${']'.repeat(5000)}`)).body.errcode).toBe(40035);
    expect((await post('userid=d1&userid=zz', 'application/x-www-form-urlencoded')).body.errcode).toBe(60121); // the last value wins in a form
    expect((await post('{"userid": 12345}')).body.errcode).toBe(60121);
    await healthy();
  });

  it('survives raw protocol garbage, truncated bodies and huge headers', async () => {
    expect(await raw('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]))).toMatch(/^HTTP\/1\.1 400|^$/);
    await raw('POST /topapi/v2/user/get HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"userid"', { end: true });
    await raw(`GET /cgi-bin/gettoken?corpid=${'a'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    await raw('GET /gettoken HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n');
    await healthy();
  });

  it('any method, path, query and body gets a JSON answer (never a crash or an internal error)', async () => {
    const paths = fc.constantFrom(
      '/gettoken',
      '/topapi/v2/user/get',
      '/topapi/v2/department/get',
      '/cgi-bin/gettoken',
      '/cgi-bin/user/get',
      '/cgi-bin/department/get',
      '/x',
    );
    const keys = fc.constantFrom('access_token', 'appkey', 'appsecret', 'corpid', 'corpsecret', 'userid', 'id', 'dept_id', '__proto__');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        paths,
        fc.array(fc.tuple(keys, fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 4 }),
        fc.oneof(fc.constant(''), fc.json(), fc.string({ unit: 'binary', maxLength: 200 })),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
        async (method, p, params, body, ct) => {
          const q = new URLSearchParams(params);
          const res = await fetch(`${hr.url}${p}?${q}`, { method, headers: { 'content-type': ct }, body: method === 'GET' ? undefined : body });
          expect([200, 404]).toContain(res.status);
          const answer = (await res.json()) as Json;
          expect(typeof answer.errcode).toBe('number');
        },
      ),
      { numRuns: 300 },
    );
    await healthy();
  });
});
