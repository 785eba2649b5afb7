/** HR emulator: admin API (seeding, listing, updating, removing, token expiry, state, reset), helpers, options. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HrConfigError, hrOptionsFromEnv, startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';

let hr: HrEmulator;

beforeAll(async () => {
  hr = await startHrEmulator({
    data: { dingtalk: { departments: [{ dept_id: 10, name: 'Initial' }], users: [{ userid: 'initial', name: 'Initial User', dept_id_list: [10] }] } },
  });
});
afterAll(async () => {
  await hr.close();
});
beforeEach(() => {
  hr.reset();
});

type Json = Record<string, unknown>;

async function adminCall(method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${hr.url}/__admin${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function dtUser(userid: string): Promise<Json> {
  const tok = ((await (await fetch(`${hr.url}/gettoken?appkey=${hr.dingtalk.appKey}&appsecret=${hr.dingtalk.appSecret}`)).json()) as Json)
    .access_token as string;
  const res = await fetch(`${hr.url}/topapi/v2/user/get?access_token=${tok}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userid }),
  });
  return (await res.json()) as Json;
}

describe('HR admin: DingTalk directory', () => {
  it('seeds departments then users (one, an array, or {users}) and lists them in /state', async () => {
    expect((await adminCall('POST', '/dingtalk/departments', { dept_id: 20, name: 'Beijing' })).status).toBe(200);
    expect((await adminCall('POST', '/dingtalk/departments', { departments: [{ dept_id: 21, name: 'Chaoyang', parent_id: 20 }] })).status).toBe(200);
    const one = await adminCall('POST', '/dingtalk/users', { userid: 'a1', name: 'A', email: 'a@example.com', dept_id_list: [21] });
    expect(one).toMatchObject({ status: 200, body: { users: [{ userid: 'a1', dept_id_list: [21] }] } });
    expect(
      (
        await adminCall('POST', '/dingtalk/users', [
          { userid: 'a2', name: 'B' },
          { userid: 'a3', name: 'C' },
        ])
      ).status,
    ).toBe(200);
    expect((await adminCall('POST', '/dingtalk/users', { users: [{ userid: 'a4', name: 'D' }] })).status).toBe(200);
    const state = await adminCall('GET', '/state');
    const dt = state.body.dingtalk as Json;
    expect((dt.users as Json[]).map((u) => u.userid)).toEqual(['initial', 'a1', 'a2', 'a3', 'a4']);
    expect(dt.departments).toEqual([
      { dept_id: 1, name: 'root' },
      { dept_id: 10, name: 'Initial', parent_id: 1 },
      { dept_id: 20, name: 'Beijing', parent_id: 1 },
      { dept_id: 21, name: 'Chaoyang', parent_id: 20 },
    ]);
    expect(dt.apps).toEqual([hr.dingtalk.appKey]);
    expect((await adminCall('GET', '/dingtalk/users')).body.users).toHaveLength(5);
    expect((await dtUser('a1')).result).toMatchObject({ userid: 'a1', email: 'a@example.com' });
  });

  it('updates (null removes a field) and removes users', async () => {
    await adminCall('POST', '/dingtalk/users', { userid: 'u', name: 'U', email: 'u@example.com', work_place: 'SH' });
    const upd = await adminCall('PATCH', '/dingtalk/users', { userid: 'u', work_place: 'BJ', email: null, dept_id_list: [10] });
    expect(upd.status).toBe(200);
    expect(upd.body.user).toMatchObject({ userid: 'u', work_place: 'BJ', dept_id_list: [10] });
    expect(upd.body.user).not.toHaveProperty('email');
    expect((await dtUser('u')).result).toMatchObject({ work_place: 'BJ' });
    expect((await adminCall('DELETE', '/dingtalk/users?userid=u')).body).toEqual({ removed: 'u' });
    expect((await dtUser('u')).errcode).toBe(60121);
    await adminCall('POST', '/dingtalk/users', { userid: 'v', name: 'V' });
    expect((await adminCall('DELETE', '/dingtalk/users', { userid: 'v' })).status).toBe(200);
  });

  it.each<[string, string, string, unknown]>([
    ['a user without name', 'POST', '/dingtalk/users', { userid: 'x' }],
    ['a user without userid', 'POST', '/dingtalk/users', { name: 'x' }],
    ['a user in a missing department', 'POST', '/dingtalk/users', { userid: 'x', name: 'X', dept_id_list: [404] }],
    ['a user with an unknown field', 'POST', '/dingtalk/users', { userid: 'x', name: 'X', office: 'SH' }],
    ['a user with a non-integer department', 'POST', '/dingtalk/users', { userid: 'x', name: 'X', dept_id_list: ['10'] }],
    ['a duplicate user', 'POST', '/dingtalk/users', { userid: 'initial', name: 'X' }],
    ['a string body', 'POST', '/dingtalk/users', 'hello'],
    ['an update of an unknown user', 'PATCH', '/dingtalk/users', { userid: 'nobody', name: 'X' }],
    ['an update removing the name', 'PATCH', '/dingtalk/users', { userid: 'initial', name: null }],
    ['a removal of an unknown user', 'DELETE', '/dingtalk/users?userid=nobody', undefined],
    ['a removal without userid', 'DELETE', '/dingtalk/users', undefined],
    ['a department whose parent is missing', 'POST', '/dingtalk/departments', { dept_id: 30, name: 'X', parent_id: 29 }],
    ['a second root', 'POST', '/dingtalk/departments', { dept_id: 1, name: 'X' }],
    ['a duplicate department', 'POST', '/dingtalk/departments', { dept_id: 10, name: 'X' }],
    ['removing a department with members', 'DELETE', '/dingtalk/departments?dept_id=10', undefined],
    ['removing the root', 'DELETE', '/dingtalk/departments?dept_id=1', undefined],
    ['a department cycle', 'PATCH', '/dingtalk/departments', { dept_id: 10, parent_id: 10 }],
  ])('refuses %s with 400 and changes nothing', async (_name, method, p, body) => {
    const before = await adminCall('GET', '/state');
    const r = await adminCall(method, p, body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'InvalidInput', message: expect.any(String) });
    expect((await adminCall('GET', '/state')).body).toEqual(before.body);
  });

  it('adds a list all or nothing', async () => {
    const r = await adminCall('POST', '/dingtalk/users', [{ userid: 'ok1', name: 'OK' }, { userid: 'bad' }]);
    expect(r.status).toBe(400);
    expect(hr.dingtalk.getUser('ok1')).toBeUndefined();
  });

  it('removes an empty department and moves one under another', async () => {
    await adminCall('POST', '/dingtalk/departments', [
      { dept_id: 40, name: 'A' },
      { dept_id: 41, name: 'B' },
    ]);
    expect((await adminCall('PATCH', '/dingtalk/departments', { dept_id: 41, parent_id: 40, name: 'B2' })).body.department).toEqual({
      dept_id: 41,
      name: 'B2',
      parent_id: 40,
    });
    expect((await adminCall('PATCH', '/dingtalk/departments', { dept_id: 40, parent_id: 41 })).status).toBe(400); // cycle through a child
    expect((await adminCall('DELETE', '/dingtalk/departments?dept_id=40')).status).toBe(400); // has a sub-department
    expect((await adminCall('DELETE', '/dingtalk/departments', { dept_id: 41 })).status).toBe(200);
    expect((await adminCall('DELETE', '/dingtalk/departments?dept_id=40')).status).toBe(200);
  });
});

describe('HR admin: WeCom directory and seed', () => {
  it('seeds through /seed (both vendors at once, all or nothing)', async () => {
    const bad = await adminCall('POST', '/seed', { wecom: { departments: [{ id: 2, name: 'SH' }], users: [{ userid: 'w1', name: 'W', department: [3] }] } });
    expect(bad.status).toBe(400);
    expect(hr.wecom.listDepartments()).toHaveLength(1);
    const good = await adminCall('POST', '/seed', {
      dingtalk: { users: [{ userid: 'd9', name: 'D' }] },
      wecom: { departments: [{ id: 2, name: 'SH' }], users: [{ userid: 'w1', name: 'W', department: [2], email: 'w@example.com' }] },
    });
    expect(good).toMatchObject({ status: 200, body: { seeded: { dingtalk: { departments: 0, users: 1 }, wecom: { departments: 1, users: 1 } } } });
    expect(hr.wecom.getUser('w1')).toMatchObject({ department: [2], email: 'w@example.com' });
  });

  it('manages WeCom users and departments', async () => {
    expect((await adminCall('POST', '/wecom/departments', { id: 5, name: 'Pudong', order: 3 })).body.departments).toEqual([
      { id: 5, name: 'Pudong', parentid: 1, order: 3 },
    ]);
    expect((await adminCall('POST', '/wecom/users', { userid: 'w2', name: 'W2', department: [5], main_department: 5 })).status).toBe(200);
    expect((await adminCall('POST', '/wecom/users', { userid: 'w3', name: 'W3', department: [5], main_department: 1 })).status).toBe(400);
    expect((await adminCall('POST', '/wecom/users', { userid: 'w3', name: 'W3', status: 3 })).status).toBe(400);
    expect((await adminCall('PATCH', '/wecom/users', { userid: 'w2', address: 'Room 1', extra: { alias_en: 'Wendy' } })).body.user).toMatchObject({
      address: 'Room 1',
      alias_en: 'Wendy',
    });
    expect((await adminCall('GET', '/wecom/users')).body.users).toHaveLength(1);
    expect((await adminCall('DELETE', '/wecom/departments?id=5')).status).toBe(400);
    expect((await adminCall('DELETE', '/wecom/users?userid=w2')).status).toBe(200);
    expect((await adminCall('DELETE', '/wecom/departments?id=5')).status).toBe(200);
    expect((await adminCall('GET', '/wecom/departments')).body.departments).toEqual([{ id: 1, name: 'root', parentid: 0, order: 0 }]);
  });

  it('extra fields are answered, but never override modelled ones', async () => {
    hr.wecom.addUser({ userid: 'x', name: 'Real', extra: { name: 'Fake', gender: '1' } });
    expect(hr.wecom.getUser('x')).toMatchObject({ name: 'Real', gender: '1' });
  });
});

describe('HR admin: tokens, reset, faults', () => {
  it('POST /tokens/expire expires tokens (all, per vendor, one), answered 42001 afterwards', async () => {
    const dt = ((await (await fetch(`${hr.url}/gettoken?appkey=${hr.dingtalk.appKey}&appsecret=${hr.dingtalk.appSecret}`)).json()) as Json)
      .access_token as string;
    const wc = ((await (await fetch(`${hr.url}/cgi-bin/gettoken?corpid=${hr.wecom.corpId}&corpsecret=${hr.wecom.corpSecret}`)).json()) as Json)
      .access_token as string;
    expect((await adminCall('POST', '/tokens/expire', { vendor: 'wecom' })).body).toEqual({ expired: 1 });
    expect(((await (await fetch(`${hr.url}/cgi-bin/user/get?access_token=${wc}&userid=x`)).json()) as Json).errcode).toBe(42001);
    expect((await dtUser('initial')).errcode).toBe(0); // DingTalk unaffected (dtUser re-fetches the same token)
    expect((await adminCall('POST', '/tokens/expire', { token: dt })).body).toEqual({ expired: 1 });
    const res = await fetch(`${hr.url}/topapi/v2/user/get?access_token=${dt}`, { method: 'POST', body: JSON.stringify({ userid: 'initial' }) });
    expect(((await res.json()) as Json).errcode).toBe(42001);
    const state = (await adminCall('GET', '/state')).body;
    expect(((state.dingtalk as Json).tokens as Json[])[0]).toMatchObject({ token: dt, expired: true });
    expect((await adminCall('POST', '/tokens/expire', {})).body).toEqual({ expired: 0 });
    expect((await adminCall('POST', '/tokens/expire', { vendor: 'feishu' })).status).toBe(400);
    expect((await adminCall('POST', '/tokens/expire', [1])).status).toBe(400);
    expect(hr.expireTokens()).toBe(0);
  });

  it('reset restores the initial data, forgets tokens and clears faults', async () => {
    hr.dingtalk.addUser({ userid: 'temp', name: 'T' });
    hr.dingtalk.removeUser('initial');
    await dtUser('temp');
    hr.faults.add({ action: 'wecom.user.get', code: '-1' });
    expect((await adminCall('POST', '/reset')).body).toEqual({ reset: true });
    expect(hr.dingtalk.listUsers().map((u) => u.userid)).toEqual(['initial']);
    expect(hr.snapshot().dingtalk.tokens).toEqual([]);
    expect(hr.faults.list()).toEqual([]);
  });

  it('fault rules are managed through /__admin/faults; bad rules get 400', async () => {
    expect((await adminCall('POST', '/faults', { action: 'dingtalk.user.get', code: '60121', count: 1 })).status).toBe(201);
    expect((await adminCall('GET', '/faults')).body.faults).toHaveLength(1);
    expect((await adminCall('POST', '/faults', { action: 'dingtalk.user.get' })).status).toBe(400);
    expect((await adminCall('DELETE', '/faults')).body).toEqual({ faults: [] });
  });

  it('unknown admin routes get 404 and bad JSON 400', async () => {
    expect((await adminCall('GET', '/nope')).status).toBe(404);
    const res = await fetch(`${hr.url}/__admin/dingtalk/users`, { method: 'POST', body: '{"userid":' });
    expect(res.status).toBe(400);
  });
});

describe('HR emulator helpers and options', () => {
  it('helpers throw HrConfigError on bad input', () => {
    expect(() => hr.dingtalk.addUser({ userid: '', name: 'x' })).toThrow(HrConfigError);
    expect(() => hr.wecom.removeUser('nobody')).toThrow(HrConfigError);
    expect(() => hr.wecom.removeDepartment(1)).toThrow(HrConfigError);
    expect(() => hr.dingtalk.addDepartment({ dept_id: 0, name: 'x' })).toThrow(HrConfigError);
  });

  it('rejects bad options at start', async () => {
    await expect(startHrEmulator({ dingtalkApps: [] })).rejects.toThrow(HrConfigError);
    await expect(startHrEmulator({ wecomCredentials: [{ corpId: 'ww', corpSecret: '' }] })).rejects.toThrow(HrConfigError);
    await expect(startHrEmulator({ tokenTtlSec: 0 })).rejects.toThrow(HrConfigError);
    await expect(startHrEmulator({ data: { dingtalk: { users: [{ userid: 'x', name: 'X', dept_id_list: [5] }] } } })).rejects.toThrow(
      /department 5 does not exist/,
    );
    await expect(startHrEmulator({ dataFile: '/nonexistent/hr.json' })).rejects.toThrow(HrConfigError);
  });

  it('loads a data file, replayed on reset, and a short token lifetime', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hr-emu-')), 'data.json');
    fs.writeFileSync(file, JSON.stringify({ wecom: { departments: [{ id: 7, name: 'F' }], users: [{ userid: 'f1', name: 'F1', department: [7] }] } }));
    const other = await startHrEmulator({ dataFile: file, tokenTtlSec: 60 });
    try {
      expect(other.wecom.getUser('f1')).toMatchObject({ department: [7] });
      other.wecom.removeUser('f1');
      other.reset();
      expect(other.wecom.getUser('f1')).toBeDefined();
      const body = (await (await fetch(`${other.url}/cgi-bin/gettoken?corpid=wwlocalcorp&corpsecret=local-wecom-corp-secret`)).json()) as Json;
      expect(body.expires_in).toBe(60);
    } finally {
      await other.close();
    }
  });

  it('reads its options from the environment', () => {
    expect(hrOptionsFromEnv({})).toEqual({ port: 9300 });
    expect(
      hrOptionsFromEnv({
        HR_EMULATOR_HOST: '0.0.0.0',
        HR_EMULATOR_PORT: '9400',
        EMULATOR_SEED: '42',
        DINGTALK_APP_KEY: 'k',
        DINGTALK_APP_SECRET: 's',
        WECOM_CORP_ID: 'ww',
        WECOM_CORP_SECRET: 'cs',
        HR_EMULATOR_TOKEN_TTL_SEC: '120',
        HR_EMULATOR_DATA_FILE: '/tmp/x.json',
      }),
    ).toEqual({
      host: '0.0.0.0',
      port: 9400,
      seed: 42,
      dingtalkApps: [{ appKey: 'k', appSecret: 's' }],
      wecomCredentials: [{ corpId: 'ww', corpSecret: 'cs' }],
      tokenTtlSec: 120,
      dataFile: '/tmp/x.json',
    });
    expect(() => hrOptionsFromEnv({ HR_EMULATOR_PORT: 'x' })).toThrow(HrConfigError);
    expect(() => hrOptionsFromEnv({ HR_EMULATOR_PORT: '70000' })).toThrow(HrConfigError);
    expect(() => hrOptionsFromEnv({ DINGTALK_APP_KEY: 'k' })).toThrow(/set together/);
    expect(() => hrOptionsFromEnv({ HR_EMULATOR_TOKEN_TTL_SEC: '0' })).toThrow(HrConfigError);
  });

  it('defaults to the local stack credentials', () => {
    expect([hr.dingtalk.appKey, hr.dingtalk.appSecret, hr.wecom.corpId, hr.wecom.corpSecret]).toEqual([
      'dinglocalappkey',
      'local-dingtalk-app-secret',
      'wwlocalcorp',
      'local-wecom-corp-secret',
    ]);
  });
});
