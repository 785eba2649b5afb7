/** The WeCom half of the HR emulator over real HTTP: cgi-bin/gettoken, cgi-bin/user/get, cgi-bin/department/get. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';

let hr: HrEmulator;
let clock = Date.UTC(2026, 10, 23, 8, 0, 0);

beforeAll(async () => {
  hr = await startHrEmulator({
    now: () => clock,
    wecomCredentials: [
      { corpId: 'ww1', corpSecret: 'contacts-secret' },
      { corpId: 'ww1', corpSecret: 'app-secret' },
      { corpId: 'ww2', corpSecret: 'other' },
    ],
    data: {
      wecom: {
        departments: [
          { id: 2, name: '上海', order: 10 },
          { id: 3, name: '浦东', parentid: 2 },
        ],
        users: [
          {
            userid: 'zhangsan',
            name: '张三',
            department: [3, 2],
            main_department: 3,
            email: 'zhangsan@example.com',
            biz_mail: 'zs@corp.example.com',
            address: '上海市浦东新区',
            position: '工程师',
          },
          { userid: 'lisi', name: '李四' },
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

async function getJson(path: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${hr.url}${path}`, init);
  return { status: res.status, body: (await res.json()) as Json };
}

async function token(corpId = 'ww1', secret = 'contacts-secret'): Promise<string> {
  const { body } = await getJson(`/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${secret}`);
  expect(body.errcode).toBe(0);
  return body.access_token as string;
}

const userGet = (tok: string | undefined, userid?: string) => {
  const q = new URLSearchParams();
  if (tok !== undefined) q.set('access_token', tok);
  if (userid !== undefined) q.set('userid', userid);
  return getJson(`/cgi-bin/user/get?${q}`);
};

describe('WeCom GET /cgi-bin/gettoken', () => {
  it("answers a token for a valid corp id and secret (any of the corp's secrets)", async () => {
    const r = await getJson('/cgi-bin/gettoken?corpid=ww1&corpsecret=contacts-secret');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ errcode: 0, errmsg: 'ok', access_token: expect.stringMatching(/^[A-Za-z0-9_-]{100,}$/), expires_in: 7200 });
    expect((await getJson('/cgi-bin/gettoken?corpid=ww1&corpsecret=app-secret')).body.errcode).toBe(0);
  });

  it('answers the same token while valid, with the seconds left, then a new one', async () => {
    const a = await token();
    clock += 1000_000;
    const again = await getJson('/cgi-bin/gettoken?corpid=ww1&corpsecret=contacts-secret');
    expect(again.body).toMatchObject({ access_token: a, expires_in: 6200 });
    clock += 6200_000;
    expect(await token()).not.toBe(a);
  });

  it.each([
    ['a wrong secret', '/cgi-bin/gettoken?corpid=ww1&corpsecret=nope', 40001, 'invalid credential'],
    ['the secret of another corp', '/cgi-bin/gettoken?corpid=ww1&corpsecret=other', 40001, 'invalid credential'],
    ['an unknown corp id', '/cgi-bin/gettoken?corpid=wwX&corpsecret=contacts-secret', 40013, 'invalid corpid'],
    ['no corp id', '/cgi-bin/gettoken?corpsecret=contacts-secret', 41002, 'corpid missing'],
    ['no secret', '/cgi-bin/gettoken?corpid=ww1', 41004, 'corpsecret missing'],
  ])('answers %s with its errcode and HTTP 200', async (_name, path, errcode, text) => {
    const r = await getJson(path);
    expect(r.status).toBe(200);
    expect(r.body.errcode).toBe(errcode);
    expect(r.body.errmsg).toMatch(
      new RegExp(`^${text}, hint: \\[\\w+\\], from ip: 127\\.0\\.0\\.1, more info at https://open\\.work\\.weixin\\.qq\\.com/devtool/query\\?e=${errcode}$`),
    );
    expect(r.body.access_token).toBeUndefined();
  });
});

describe('WeCom GET /cgi-bin/user/get', () => {
  it('answers the member with the documented fields', async () => {
    const r = await userGet(await token(), 'zhangsan');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      errcode: 0,
      errmsg: 'ok',
      userid: 'zhangsan',
      name: '张三',
      department: [3, 2],
      main_department: 3,
      order: [0, 0],
      is_leader_in_dept: [0, 0],
      email: 'zhangsan@example.com',
      biz_mail: 'zs@corp.example.com',
      address: '上海市浦东新区',
      position: '工程师',
      status: 1,
    });
  });

  it('leaves unset optional fields out (as for apps created after 2022-06-20)', async () => {
    const r = await userGet(await token(), 'lisi');
    expect(r.body).toMatchObject({ errcode: 0, userid: 'lisi', department: [1], main_department: 1 });
    for (const k of ['email', 'biz_mail', 'address', 'mobile']) expect(r.body).not.toHaveProperty(k);
  });

  it('answers 60111 for an unknown userid and 41009 without one', async () => {
    const tok = await token();
    expect((await userGet(tok, 'nobody')).body).toMatchObject({ errcode: 60111, errmsg: expect.stringMatching(/^userid not found/) });
    expect((await userGet(tok)).body.errcode).toBe(41009);
    expect((await userGet(tok, '')).body.errcode).toBe(41009);
  });

  it('answers 41001 without a token, 40014 for an unknown or DingTalk token, 42001 once expired', async () => {
    expect((await userGet(undefined, 'lisi')).body.errcode).toBe(41001);
    expect((await userGet('forged', 'lisi')).body.errcode).toBe(40014);
    const ding = (await getJson(`/gettoken?appkey=${hr.dingtalk.appKey}&appsecret=${hr.dingtalk.appSecret}`)).body.access_token as string;
    expect((await userGet(ding, 'lisi')).body.errcode).toBe(40014);
    const tok = await token();
    clock += 7199_000;
    expect((await userGet(tok, 'lisi')).body.errcode).toBe(0);
    clock += 1000;
    expect((await userGet(tok, 'lisi')).body).toMatchObject({ errcode: 42001, errmsg: expect.stringMatching(/^access_token expired/) });
  });

  it('tokens of two corps are distinct', async () => {
    expect(await token('ww2', 'other')).not.toBe(await token());
  });

  it('is a GET API but reads the query whatever the method (emulator assumption)', async () => {
    const r = await getJson(`/cgi-bin/user/get?access_token=${encodeURIComponent(await token())}&userid=lisi`, { method: 'POST', body: '{}' });
    expect(r.body).toMatchObject({ errcode: 0, userid: 'lisi' });
  });
});

describe('WeCom GET /cgi-bin/department/get', () => {
  it('answers a department, 60123 for an unknown id, 40058 for a bad one', async () => {
    const tok = encodeURIComponent(await token());
    expect((await getJson(`/cgi-bin/department/get?access_token=${tok}&id=3`)).body).toMatchObject({
      errcode: 0,
      department: { id: 3, name: '浦东', parentid: 2, order: 0, department_leader: [] },
    });
    expect((await getJson(`/cgi-bin/department/get?access_token=${tok}&id=2`)).body).toMatchObject({ department: { order: 10 } });
    expect((await getJson(`/cgi-bin/department/get?access_token=${tok}&id=77`)).body.errcode).toBe(60123);
    expect((await getJson(`/cgi-bin/department/get?access_token=${tok}&id=x`)).body.errcode).toBe(40058);
    expect((await getJson(`/cgi-bin/department/get?access_token=${tok}`)).body.errcode).toBe(40058);
  });
});
