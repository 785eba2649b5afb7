/**
 * The roster readers against answers the emulator does not give: a page without its list, "more" without a cursor,
 * a token answer without a token, an invalid email, odd entries. A loopback HTTP server answers each path with a
 * scripted body, so every case is read over the wire as from the platform.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DingTalkRosterReader } from '../../shared/roster/dingtalk.js';
import { FeishuRosterReader } from '../../shared/roster/feishu.js';
import { WeComRosterReader } from '../../shared/roster/wecom.js';
import { rejectionOf } from './_helpers.js';

type Answer = Record<string, unknown> | ((query: URLSearchParams, body: string) => Record<string, unknown>);
let answers: Record<string, Answer[]> = {};
let server: Server;
let url: string;

/** Answers `path` with its scripted bodies in turn (the last one repeats). */
beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const list = answers[u.pathname] ?? [{ errcode: 404 }];
      const next = (list.length > 1 ? list.shift() : list[0]) as Answer;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(typeof next === 'function' ? next(u.searchParams, body) : next));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  answers = {
    '/gettoken': [{ errcode: 0, access_token: 'tok', expires_in: 7200 }],
    '/cgi-bin/gettoken': [{ errcode: 0, access_token: 'tok', expires_in: 7200 }],
    '/open-apis/auth/v3/tenant_access_token/internal': [{ code: 0, tenant_access_token: 't-1', expire: 7200 }],
  };
});

const common = { timeoutMs: 2000, ratePerSecond: 0, retry: { delayScale: 0.001, attempts: 2 } };
const dingtalk = () => new DingTalkRosterReader({ endpoint: url, appKey: 'k', appSecret: 's', ...common });
const wecom = () => new WeComRosterReader({ endpoint: url, corpId: 'c', corpSecret: 's', ...common });
const feishu = () => new FeishuRosterReader({ endpoint: url, appId: 'a', appSecret: 's', ...common });

describe('DingTalk answers', () => {
  it('refuses a page without its list, and "more" without a cursor', async () => {
    answers['/topapi/v2/department/listsub'] = [{ errcode: 0 }];
    expect((await rejectionOf(dingtalk().read())).message).toContain('department/listsub answered without a result list (page 1)');
    answers['/topapi/v2/department/listsub'] = [{ errcode: 0, result: [{ dept_id: 'x' }, { dept_id: 1 }] }];
    answers['/topapi/v2/user/list'] = [{ errcode: 0, result: {} }];
    expect((await rejectionOf(dingtalk().read())).message).toContain('user/list answered without result.list (page 2)');
    answers['/topapi/v2/user/list'] = [{ errcode: 0, result: { has_more: true, list: [] } }];
    expect((await rejectionOf(dingtalk().read())).message).toContain('user/list has more but gave no next_cursor (page 2)');
  });

  it('reports an email a SAG account cannot take, and skips entries without a user id', async () => {
    answers['/topapi/v2/department/listsub'] = [{ errcode: 0, result: [] }];
    answers['/topapi/v2/user/list'] = [
      {
        errcode: 0,
        result: { has_more: false, list: [{ userid: 'u1', name: 'U', email: 'not an email' }, { name: 'no id' }, { userid: 'u2', email: 'u2@example.com' }] },
      },
    ];
    const roster = await dingtalk().read();
    expect(roster.employees).toEqual([
      { employeeId: 'u2', name: '', email: 'u2@example.com', location: { offices: [], departmentIds: [] }, status: 'active', origin: { page: 2 } },
    ]);
    expect(roster.problems).toEqual([
      { origin: { page: 2 }, reason: 'email.invalid', detail: 'email is not a valid address of at most 64 characters', employeeId: 'u1' },
    ]);
  });

  it('retries a token answer without a token, then names it', async () => {
    answers['/gettoken'] = [{ errcode: 0 }];
    const err = await rejectionOf(dingtalk().read());
    expect(err.message).toContain('department/listsub failed after 2 tries: token answer without access_token');
  });
});

describe('WeCom answers', () => {
  it('refuses list_id without dept_user, and skips entries without a user id', async () => {
    answers['/cgi-bin/user/list_id'] = [{ errcode: 0, next_cursor: '' }];
    expect((await rejectionOf(wecom().read())).message).toContain('user/list_id answered without dept_user (page 1)');
    answers['/cgi-bin/user/list_id'] = [{ errcode: 0, dept_user: [{ userid: 7 }, { userid: 'u1' }] }];
    answers['/cgi-bin/user/get'] = [{ errcode: 0, userid: 'u1', name: 'U1', email: 'u1@example.com' }];
    const roster = await wecom().read();
    expect(roster.employees.map((e) => [e.employeeId, e.location])).toEqual([['u1', { offices: [], departmentIds: [] }]]);
  });
});

describe('Feishu answers', () => {
  it('refuses a page without data, or with items that are not a list, and "more" without a page token', async () => {
    answers['/open-apis/contact/v3/departments/0/children'] = [{ code: 0 }];
    expect((await rejectionOf(feishu().read())).message).toContain('departments/0/children answered without data.items (page 1)');
    answers['/open-apis/contact/v3/departments/0/children'] = [{ code: 0, data: { items: {} } }];
    expect((await rejectionOf(feishu().read())).message).toContain('answered without data.items');
    answers['/open-apis/contact/v3/departments/0/children'] = [{ code: 0, data: { has_more: true } }];
    expect((await rejectionOf(feishu().read())).message).toContain('departments/0/children has more but gave no page_token (page 1)');
  });

  it('reads an empty page without items, skips users without an id and departments without an open id', async () => {
    answers['/open-apis/contact/v3/departments/0/children'] = [
      { code: 0, data: { has_more: false, items: [{ department_id: 'x' }, { open_department_id: 'od-1' }] } },
    ];
    answers['/open-apis/contact/v3/users/find_by_department'] = [
      (q) =>
        q.get('department_id') === '0'
          ? { code: 0, data: { has_more: false } }
          : { code: 0, data: { has_more: false, items: [{ name: 'no id' }, { open_id: 'ou_1', email: 'a@example.com', department_ids: ['od-1'] }] } },
    ];
    const roster = await feishu().read();
    expect(roster.pages).toBe(3);
    expect(roster.employees.map((e) => [e.employeeId, e.name, e.location])).toEqual([['ou_1', '', { offices: [], departmentIds: ['od-1'] }]]);
  });

  it('retries a token answer without a token', async () => {
    answers['/open-apis/auth/v3/tenant_access_token/internal'] = [{ code: 0 }];
    expect((await rejectionOf(feishu().read())).message).toContain('failed after 2 tries: token answer without tenant_access_token');
  });
});
