/** The DingTalk half of the HR emulator over real HTTP: gettoken, topapi/v2/user/get, topapi/v2/department/get. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';

let hr: HrEmulator;
let clock = Date.UTC(2026, 10, 23, 8, 0, 0);

beforeAll(async () => {
  hr = await startHrEmulator({
    now: () => clock,
    dingtalkApps: [
      { appKey: 'dingapp1', appSecret: 'secret1' },
      { appKey: 'dingapp2', appSecret: 'secret2' },
    ],
    data: {
      dingtalk: {
        departments: [
          { dept_id: 100, name: 'Shanghai' },
          { dept_id: 101, name: 'Pudong', parent_id: 100 },
        ],
        users: [
          {
            userid: 'manager1234',
            name: '张三',
            email: 'zhangsan@example.com',
            org_email: 'zs@corp.example.com',
            dept_id_list: [101],
            work_place: 'Shanghai Pudong',
            title: 'Engineer',
            job_number: 'E1001',
            mobile: '13800000000',
          },
          { userid: 'bare', name: 'Bare User' },
        ],
      },
    },
  });
});
afterAll(async () => {
  await hr.close();
});
beforeEach(() => {
  hr.reset();
});

type Json = Record<string, unknown>;

async function getJson(path: string, init?: RequestInit): Promise<{ status: number; body: Json; contentType: string | null }> {
  const res = await fetch(`${hr.url}${path}`, init);
  return { status: res.status, body: (await res.json()) as Json, contentType: res.headers.get('content-type') };
}

async function token(appKey = 'dingapp1', appSecret = 'secret1'): Promise<string> {
  const { body } = await getJson(`/gettoken?appkey=${appKey}&appsecret=${appSecret}`);
  expect(body.errcode).toBe(0);
  return body.access_token as string;
}

const userGet = (tok: string | undefined, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  getJson(`/topapi/v2/user/get${tok === undefined ? '' : `?access_token=${encodeURIComponent(tok)}`}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('DingTalk GET /gettoken', () => {
  it('answers a token for valid app credentials', async () => {
    const r = await getJson('/gettoken?appkey=dingapp1&appsecret=secret1');
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.body).toEqual({ errcode: 0, errmsg: 'ok', access_token: expect.stringMatching(/^[0-9a-f]{32}$/), expires_in: 7200 });
  });

  it('answers the same token while it is valid and renews it; each app has its own', async () => {
    const a = await token();
    clock += 3600_000;
    const again = await getJson('/gettoken?appkey=dingapp1&appsecret=secret1');
    expect(again.body.access_token).toBe(a);
    expect(again.body.expires_in).toBe(7200);
    clock += 7000_000; // past the first expiry, within the renewed one
    expect((await userGet(a, { userid: 'bare' })).body.errcode).toBe(0);
    expect(await token('dingapp2', 'secret2')).not.toBe(a);
  });

  it.each([
    ['a wrong secret', '/gettoken?appkey=dingapp1&appsecret=nope'],
    ['an unknown app key', '/gettoken?appkey=dingother&appsecret=secret1'],
    ['the secret of another app', '/gettoken?appkey=dingapp1&appsecret=secret2'],
    ['no app key', '/gettoken?appsecret=secret1'],
    ['no parameters', '/gettoken'],
  ])('answers errcode 40089 with HTTP 200 for %s', async (_name, path) => {
    const r = await getJson(path);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ errcode: 40089, errmsg: expect.stringContaining('appkey') });
    expect(r.body.access_token).toBeUndefined();
  });
});

describe('DingTalk POST /topapi/v2/user/get', () => {
  it('answers the user with the documented fields', async () => {
    const r = await userGet(await token(), { userid: 'manager1234', language: 'zh_CN' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ errcode: 0, errmsg: 'ok', request_id: expect.any(String) });
    expect(r.body.result).toMatchObject({
      userid: 'manager1234',
      unionid: expect.any(String),
      name: '张三',
      email: 'zhangsan@example.com',
      org_email: 'zs@corp.example.com',
      dept_id_list: [101],
      work_place: 'Shanghai Pudong',
      title: 'Engineer',
      job_number: 'E1001',
      mobile: '13800000000',
      active: true,
      dept_order_list: [{ dept_id: 101, order: 0 }],
      leader_in_dept: [{ dept_id: 101, leader: false }],
    });
  });

  it('leaves unset optional fields out, and puts users without departments in the root', async () => {
    const r = await userGet(await token(), { userid: 'bare' });
    const result = r.body.result as Json;
    expect(result.dept_id_list).toEqual([1]);
    for (const k of ['email', 'org_email', 'work_place', 'mobile']) expect(result).not.toHaveProperty(k);
  });

  it('accepts form-encoded bodies and the userid in the query', async () => {
    const tok = await token();
    const form = await userGet(tok, 'userid=manager1234&language=zh_CN', { 'content-type': 'application/x-www-form-urlencoded' });
    expect((form.body.result as Json).userid).toBe('manager1234');
    const query = await getJson(`/topapi/v2/user/get?access_token=${tok}&userid=bare`, { method: 'POST' });
    expect((query.body.result as Json).userid).toBe('bare');
  });

  it('answers 60121 for an unknown user', async () => {
    const r = await userGet(await token(), { userid: 'nobody' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ errcode: 60121, errmsg: '找不到该用户' });
    expect(r.body.result).toBeUndefined();
  });

  it.each<[string, unknown, Record<string, string>?]>([
    ['no userid', {}],
    ['an empty userid', { userid: '' }],
    ['a userid that is an object', { userid: { a: 1 } }],
    ['a JSON array body', [{ userid: 'bare' }]],
    ['invalid JSON', '{"userid": "bare"'],
    ['a JSON string body', '"bare"'],
  ])('answers 40035 for %s', async (_name, body, headers) => {
    const r = await userGet(await token(), body, headers);
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(40035);
  });

  it('answers 41001 without a token, 40014 for an unknown one, 40014 for a WeCom token', async () => {
    expect((await userGet(undefined, { userid: 'bare' })).body.errcode).toBe(41001);
    expect((await userGet('', { userid: 'bare' })).body.errcode).toBe(41001);
    expect((await userGet('0123456789abcdef0123456789abcdef', { userid: 'bare' })).body).toMatchObject({ errcode: 40014, errmsg: '不合法的access_token' });
    const wecom = (await getJson(`/cgi-bin/gettoken?corpid=${hr.wecom.corpId}&corpsecret=${hr.wecom.corpSecret}`)).body.access_token as string;
    expect((await userGet(wecom, { userid: 'bare' })).body.errcode).toBe(40014);
  });

  it('answers 42001 for an expired token (clock) and issues a new one afterwards', async () => {
    const tok = await token();
    clock += 7200_000;
    expect((await userGet(tok, { userid: 'bare' })).body).toMatchObject({ errcode: 42001 });
    const fresh = await token();
    expect(fresh).not.toBe(tok);
    expect((await userGet(fresh, { userid: 'bare' })).body.errcode).toBe(0);
    expect((await userGet(tok, { userid: 'bare' })).body.errcode).toBe(42001);
  });

  it('answers 43002 for GET', async () => {
    const r = await getJson(`/topapi/v2/user/get?access_token=${await token()}&userid=bare`);
    expect(r.body.errcode).toBe(43002);
  });

  it('sees users added, changed and removed after the token was issued', async () => {
    const tok = await token();
    hr.dingtalk.addUser({ userid: 'new1', name: 'New', email: 'new@example.com', dept_id_list: [100] });
    expect(((await userGet(tok, { userid: 'new1' })).body.result as Json).dept_id_list).toEqual([100]);
    hr.dingtalk.updateUser({ userid: 'new1', dept_id_list: [101], work_place: 'Pudong' });
    expect((await userGet(tok, { userid: 'new1' })).body.result).toMatchObject({ dept_id_list: [101], work_place: 'Pudong', email: 'new@example.com' });
    hr.dingtalk.removeUser('new1');
    expect((await userGet(tok, { userid: 'new1' })).body.errcode).toBe(60121);
  });
});

describe('DingTalk POST /topapi/v2/department/get', () => {
  const deptGet = async (body: unknown) =>
    getJson(`/topapi/v2/department/get?access_token=${await token()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers a department, 60003 for an unknown one, 40035 without dept_id', async () => {
    expect((await deptGet({ dept_id: 101 })).body).toMatchObject({ errcode: 0, result: { dept_id: 101, name: 'Pudong', parent_id: 100 } });
    expect((await deptGet({ dept_id: 1 })).body).toMatchObject({ errcode: 0, result: { dept_id: 1 } });
    expect((await deptGet({ dept_id: 999 })).body).toMatchObject({ errcode: 60003, errmsg: '部门不存在' });
    expect((await deptGet({})).body.errcode).toBe(40035);
    expect((await deptGet({ dept_id: 'abc' })).body.errcode).toBe(40035);
  });
});
