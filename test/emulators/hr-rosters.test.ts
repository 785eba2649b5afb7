/**
 * HR emulator: the roster list APIs (DingTalk, WeCom, Feishu contact v3) read with plain fetch as a roster reader
 * would: paging to the end, departed users left out (and "user not found" from the user APIs), the platforms'
 * error codes, and faults in the middle of a paged read.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';

let hr: HrEmulator;

type Json = Record<string, any>;

beforeAll(async () => {
  hr = await startHrEmulator({
    data: {
      dingtalk: {
        departments: [
          { dept_id: 100, name: 'Shanghai' },
          { dept_id: 110, name: 'Shanghai R&D', parent_id: 100 },
          { dept_id: 200, name: 'Beijing' },
        ],
        users: Array.from({ length: 5 }, (_, i) => ({ userid: `dt${i}`, name: `DT ${i}`, email: `dt${i}@example.com`, dept_id_list: [100] })).concat([
          { userid: 'dt-bj', name: 'DT BJ', email: 'bj@example.com', dept_id_list: [200] },
        ]),
      },
      wecom: {
        departments: [
          { id: 2, name: 'Shanghai' },
          { id: 3, name: 'Shanghai R&D', parentid: 2 },
          { id: 4, name: 'Beijing' },
        ],
        users: [
          { userid: 'wc0', name: 'WC 0', department: [2] },
          { userid: 'wc1', name: 'WC 1', department: [2, 3] },
          { userid: 'wc2', name: 'WC 2', department: [3] },
          { userid: 'wc3', name: 'WC 3', department: [4] },
        ],
      },
      feishu: {
        departments: [
          { department_id: 'sh', name: 'Shanghai' },
          { department_id: 'sh-rd', name: 'Shanghai R&D', parent_department_id: 'sh' },
          { department_id: 'bj', name: 'Beijing' },
        ],
        users: Array.from({ length: 7 }, (_, i) => ({
          user_id: `fs${i}`,
          name: `FS ${i}`,
          email: `fs${i}@example.com`,
          department_ids: ['sh'],
          work_station: 'Shanghai',
        })),
      },
    },
  });
});
afterAll(async () => {
  await hr.close();
});
beforeEach(() => hr.reset());

async function post(path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${hr.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Json;
}

async function get(path: string): Promise<Json> {
  return (await (await fetch(`${hr.url}${path}`)).json()) as Json;
}

// ---- DingTalk ------------------------------------------------------------------------------------------------

describe('DingTalk rosters', () => {
  async function token(): Promise<string> {
    const t = await get(`/gettoken?appkey=${hr.dingtalk.appKey}&appsecret=${hr.dingtalk.appSecret}`);
    return t.access_token as string;
  }

  it('lists sub-departments one level at a time', async () => {
    const t = await token();
    const root = await post(`/topapi/v2/department/listsub?access_token=${t}`, {});
    expect(root.errcode).toBe(0);
    expect(root.result.map((d: Json) => d.dept_id)).toEqual([100, 200]);
    const sh = await post(`/topapi/v2/department/listsub?access_token=${t}`, { dept_id: 100 });
    expect(sh.result).toEqual([{ dept_id: 110, name: 'Shanghai R&D', parent_id: 100, create_dept_group: false, auto_add_user: false }]);
    expect((await post(`/topapi/v2/department/listsub?access_token=${t}`, { dept_id: 999 })).errcode).toBe(60003);
  });

  it('pages user/list with the cursor to the end, leaving departed users out', async () => {
    const t = await token();
    hr.dingtalk.depart('dt2');
    const seen: string[] = [];
    let cursor = 0;
    let pages = 0;
    for (;;) {
      const page = await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 100, cursor, size: 2 });
      expect(page.errcode).toBe(0);
      pages++;
      seen.push(...page.result.list.map((u: Json) => u.userid));
      if (!page.result.has_more) {
        expect(page.result.next_cursor).toBeUndefined();
        break;
      }
      cursor = page.result.next_cursor as number;
    }
    expect(seen).toEqual(['dt0', 'dt1', 'dt3', 'dt4']);
    expect(pages).toBe(2);
    expect((await post(`/topapi/v2/user/get?access_token=${t}`, { userid: 'dt2' })).errcode).toBe(60121);
    hr.dingtalk.depart('dt2', false);
    expect((await post(`/topapi/v2/user/get?access_token=${t}`, { userid: 'dt2' })).errcode).toBe(0);
  });

  it('answers the documented errors: size over 100, missing cursor, unknown department, bad token', async () => {
    const t = await token();
    expect((await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 100, cursor: 0, size: 101 })).errcode).toBe(40035);
    expect((await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 100, size: 10 })).errcode).toBe(40035);
    expect((await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 999, cursor: 0, size: 10 })).errcode).toBe(60003);
    expect((await post('/topapi/v2/user/list?access_token=nope', { dept_id: 100, cursor: 0, size: 10 })).errcode).toBe(40014);
  });

  it('marks departures through the admin API', async () => {
    const t = await token();
    const res = await fetch(`${hr.url}/__admin/dingtalk/departed`, { method: 'POST', body: JSON.stringify({ userid: 'dt-bj' }) });
    expect(res.status).toBe(200);
    expect((await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 200, cursor: 0, size: 10 })).result.list).toEqual([]);
    expect((await fetch(`${hr.url}/__admin/dingtalk/departed`, { method: 'POST', body: JSON.stringify({ userid: 'ghost' }) })).status).toBe(400);
    expect(hr.snapshot().dingtalk.departed).toEqual(['dt-bj']);
  });

  it('fails a paged read in the middle when a fault is injected after the first page', async () => {
    const t = await token();
    const first = await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 100, cursor: 0, size: 2 });
    expect(first.result.has_more).toBe(true);
    hr.faults.add({ action: 'dingtalk.user.list', code: '90018', message: 'QpsLimitForAppkeyAndApi', count: 1 });
    const second = await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 100, cursor: first.result.next_cursor, size: 2 });
    expect([second.errcode, second.errmsg]).toEqual([90018, 'QpsLimitForAppkeyAndApi']);
    const retried = await post(`/topapi/v2/user/list?access_token=${t}`, { dept_id: 100, cursor: first.result.next_cursor, size: 2 });
    expect(retried.result.list.map((u: Json) => u.userid)).toEqual(['dt2', 'dt3']);
  });
});

// ---- WeCom ---------------------------------------------------------------------------------------------------

describe('WeCom rosters', () => {
  async function token(): Promise<string> {
    return (await get(`/cgi-bin/gettoken?corpid=${hr.wecom.corpId}&corpsecret=${hr.wecom.corpSecret}`)).access_token as string;
  }

  it('lists the whole organisation, or one department and all below it', async () => {
    const t = await token();
    const all = await get(`/cgi-bin/department/simplelist?access_token=${t}`);
    expect(all.department_id.map((d: Json) => d.id)).toEqual([1, 2, 4, 3]);
    const sh = await get(`/cgi-bin/department/simplelist?access_token=${t}&id=2`);
    expect(sh.department_id).toEqual([
      { id: 2, parentid: 1, order: 0 },
      { id: 3, parentid: 2, order: 0 },
    ]);
    expect((await get(`/cgi-bin/department/simplelist?access_token=${t}&id=99`)).errcode).toBe(60123);
  });

  it('pages user/list_id with the cursor to the end (one entry per user and department), departed left out', async () => {
    const t = await token();
    hr.wecom.depart('wc3');
    const pairs: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = await post(`/cgi-bin/user/list_id?access_token=${t}`, { cursor, limit: 2 });
      expect(page.errcode).toBe(0);
      pairs.push(...page.dept_user.map((p: Json) => `${p.userid}@${p.department}`));
      cursor = page.next_cursor as string;
      if (!cursor) break;
    }
    expect(pairs).toEqual(['wc0@2', 'wc1@2', 'wc1@3', 'wc2@3']);
    const gone = await get(`/cgi-bin/user/get?access_token=${t}&userid=wc3`);
    expect(gone.errcode).toBe(60111);
    expect(gone.errmsg).toMatch(/^userid not found/);
  });

  it('answers user/list details per department and the errors of bad input', async () => {
    const t = await token();
    const sh = await get(`/cgi-bin/user/list?access_token=${t}&department_id=3`);
    expect(sh.userlist.map((u: Json) => u.userid)).toEqual(['wc1', 'wc2']);
    expect((await get(`/cgi-bin/user/list?access_token=${t}&department_id=99`)).errcode).toBe(60123);
    expect((await get(`/cgi-bin/user/list?access_token=${t}`)).errcode).toBe(40058);
    expect((await post(`/cgi-bin/user/list_id?access_token=${t}`, { limit: 0 })).errcode).toBe(40058);
    expect((await post(`/cgi-bin/user/list_id?access_token=${t}`, { cursor: 'forged!' })).errcode).toBe(40058);
    expect((await post(`/cgi-bin/user/list_id?access_token=${t}`, { limit: 10001 })).errcode).toBe(40058);
    expect((await post('/cgi-bin/user/list_id', {})).errcode).toBe(41001);
  });

  it('throttles list_id with 45009 from a rate fault', async () => {
    const t = await token();
    hr.faults.add({ action: 'wecom.user.list_id', ratePerSecond: 1 });
    expect((await post(`/cgi-bin/user/list_id?access_token=${t}`, {})).errcode).toBe(0);
    expect((await post(`/cgi-bin/user/list_id?access_token=${t}`, {})).errcode).toBe(45009);
  });
});

// ---- Feishu --------------------------------------------------------------------------------------------------

describe('Feishu contact v3 rosters', () => {
  async function token(): Promise<string> {
    const res = await post('/open-apis/auth/v3/tenant_access_token/internal', { app_id: hr.feishu.appId, app_secret: hr.feishu.appSecret });
    expect([res.code, res.expire]).toEqual([0, 7200]);
    expect(res.tenant_access_token).toMatch(/^t-/);
    return res.tenant_access_token as string;
  }

  async function feishu(path: string, t: string): Promise<{ status: number; headers: Headers; body: Json }> {
    const res = await fetch(`${hr.url}${path}`, { headers: { authorization: `Bearer ${t}` } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  }

  it('issues a tenant_access_token and refuses a wrong secret, a missing and an unknown token', async () => {
    const t = await token();
    expect(await token()).toBe(t); // the same token while it is valid
    const bad = await fetch(`${hr.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      body: JSON.stringify({ app_id: hr.feishu.appId, app_secret: 'nope' }),
    });
    expect([bad.status, ((await bad.json()) as Json).code]).toEqual([400, 10014]);
    const missing = await fetch(`${hr.url}/open-apis/contact/v3/users/find_by_department?department_id=0`);
    expect([missing.status, ((await missing.json()) as Json).code]).toEqual([400, 99991661]);
    expect((await feishu('/open-apis/contact/v3/users/find_by_department?department_id=0', 't-unknown')).body.code).toBe(99991663);
    await fetch(`${hr.url}/__admin/feishu/tokens/expire`, { method: 'POST' });
    expect((await feishu('/open-apis/contact/v3/users/find_by_department?department_id=0', t)).body.code).toBe(99991677);
  });

  it('walks the department tree with fetch_child, paged, in both id types', async () => {
    const t = await token();
    const ids: string[] = [];
    let pageToken = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await feishu(
        `/open-apis/contact/v3/departments/0/children?fetch_child=true&department_id_type=department_id&page_size=2${pageToken ? `&page_token=${pageToken}` : ''}`,
        t,
      );
      expect(res.body.code).toBe(0);
      ids.push(...res.body.data.items.map((d: Json) => d.department_id));
      if (!res.body.data.has_more) break;
      pageToken = res.body.data.page_token as string;
    }
    expect(ids).toEqual(['sh', 'bj', 'sh-rd']);
    const direct = await feishu('/open-apis/contact/v3/departments/0/children', t);
    const sh = direct.body.data.items.find((d: Json) => d.department_id === 'sh');
    expect(sh.open_department_id).toMatch(/^od-/);
    expect(sh.member_count).toBe(7);
    const below = await feishu(`/open-apis/contact/v3/departments/${sh.open_department_id}/children`, t);
    expect(below.body.data.items.map((d: Json) => d.name)).toEqual(['Shanghai R&D']);
  });

  it('pages find_by_department to the end, leaving resigned users out; users/:id still answers them', async () => {
    const t = await token();
    hr.feishu.resign('fs3');
    const users: string[] = [];
    let pageToken = '';
    let pages = 0;
    for (;;) {
      const q = `department_id=sh&department_id_type=department_id&user_id_type=user_id&page_size=3${pageToken ? `&page_token=${pageToken}` : ''}`;
      const res = await feishu(`/open-apis/contact/v3/users/find_by_department?${q}`, t);
      expect(res.body.code).toBe(0);
      pages++;
      users.push(...res.body.data.items.map((u: Json) => u.user_id));
      if (!res.body.data.has_more) break;
      pageToken = res.body.data.page_token as string;
    }
    expect(users).toEqual(['fs0', 'fs1', 'fs2', 'fs4', 'fs5', 'fs6']);
    expect(pages).toBe(2);
    const resigned = await feishu('/open-apis/contact/v3/users/fs3?user_id_type=user_id', t);
    expect(resigned.body.data.user.status.is_resigned).toBe(true);
    expect(resigned.body.data.user.email).toBe('fs3@example.com');
    const byOpenId = await feishu(`/open-apis/contact/v3/users/${resigned.body.data.user.open_id}`, t);
    expect(byOpenId.body.data.user.user_id).toBe('fs3');
  });

  it('answers field validation, unknown department and unknown user errors', async () => {
    const t = await token();
    expect((await feishu('/open-apis/contact/v3/users/find_by_department?department_id=sh&page_size=51&department_id_type=department_id', t)).body.code).toBe(
      99992402,
    );
    expect(
      (await feishu('/open-apis/contact/v3/users/find_by_department?department_id=sh&page_token=forged!&department_id_type=department_id', t)).body.code,
    ).toBe(99992402);
    expect((await feishu('/open-apis/contact/v3/users/find_by_department', t)).body.code).toBe(99992402);
    expect((await feishu('/open-apis/contact/v3/users/find_by_department?department_id=nowhere', t)).body.code).toBe(40003);
    expect((await feishu('/open-apis/contact/v3/users/nobody?user_id_type=user_id', t)).body.code).toBe(41050);
    expect((await feishu('/open-apis/contact/v3/users/%E0%A4%A?user_id_type=user_id', t)).status).toBe(400);
  });

  it('throttles with HTTP 429, code 99991400 and x-ogw-ratelimit-reset; seeds and resigns through the admin API', async () => {
    const t = await token();
    hr.faults.add({ action: 'feishu.user.find_by_department', ratePerSecond: 1 });
    expect((await feishu('/open-apis/contact/v3/users/find_by_department?department_id=0', t)).status).toBe(200);
    const throttled = await feishu('/open-apis/contact/v3/users/find_by_department?department_id=0', t);
    expect([throttled.status, throttled.body.code]).toEqual([429, 99991400]);
    expect(throttled.headers.get('x-ogw-ratelimit-reset')).toBe('1');
    hr.faults.clear();
    const admin = (path: string, body: unknown) => fetch(`${hr.url}/__admin/feishu/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await admin('users', { user_id: 'fs-new', name: 'New', department_ids: ['bj'] })).status).toBe(200);
    expect((await admin('users', { user_id: 'fs-bad', name: 'Bad', department_ids: ['nowhere'] })).status).toBe(400);
    expect((await admin('resigned', { user_id: 'fs-new' })).status).toBe(200);
    const bj = await feishu('/open-apis/contact/v3/users/find_by_department?department_id=bj&department_id_type=department_id', t);
    expect(bj.body.data.items).toEqual([]);
    const state = (await (await fetch(`${hr.url}/__admin/state`)).json()) as Json;
    expect(state.feishu.resigned).toEqual(['fs-new']);
  });
});
