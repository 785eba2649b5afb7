/**
 * The DingTalk roster reader against the HR emulator over loopback: departments walked, users paged to the end,
 * an employee of two departments listed once, token refresh, a busy code retried, a failure on page 7 of 10
 * rejecting the whole read with the source and the page, wrong credentials.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';
import { DingTalkRosterReader, type DingTalkRosterOptions } from '../../shared/roster/dingtalk.js';
import type { Roster, RosterProgress } from '../../shared/roster/roster.js';
import { rejectionOf } from './_helpers.js';

let hr: HrEmulator;

// Pages: listsub of 1, 100, 200, 110 (4); user/list of 1 (empty), 100, 200 (1 each), 110 (25 users, 3 pages of 10).
beforeAll(async () => {
  hr = await startHrEmulator({
    data: {
      dingtalk: {
        departments: [
          { dept_id: 100, name: 'Shanghai' },
          { dept_id: 110, name: 'Shanghai R&D', parent_id: 100 },
          { dept_id: 200, name: 'Beijing' },
        ],
        users: [
          { userid: 'both', name: 'Ann Lee', email: 'ann@example.com', dept_id_list: [100, 200], work_place: 'Shanghai' },
          { userid: 'nomail', name: 'No Mail', dept_id_list: [100] },
          { userid: 'org', name: 'Org Mail', org_email: 'org@corp.example.com', dept_id_list: [200] },
          { userid: 'gone', name: 'Gone', email: 'gone@example.com', dept_id_list: [200] },
          ...Array.from({ length: 25 }, (_, i) => ({
            userid: `rd${i}`,
            name: `RD ${i}`,
            email: `rd${i}@example.com`,
            dept_id_list: [110],
            work_place: 'Hangzhou',
          })),
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
  hr.dingtalk.depart('gone');
});

const reader = (o: Partial<DingTalkRosterOptions> = {}) =>
  new DingTalkRosterReader({
    endpoint: hr.url,
    appKey: hr.dingtalk.appKey,
    appSecret: hr.dingtalk.appSecret,
    timeoutMs: 2000,
    pageSize: 10,
    ratePerSecond: 0,
    retry: { delayScale: 0.001 },
    ...o,
  });

describe('DingTalk roster', () => {
  it('walks every department and pages every member list to the end, one employee per user', async () => {
    const progress: RosterProgress[] = [];
    const roster = await reader().read((p) => progress.push(p));
    expect(roster.source).toBe('dingtalk');
    expect(roster.pages).toBe(10);
    expect(progress.map((p) => p.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(roster.employees).toHaveLength(27);
    const byId = new Map(roster.employees.map((e) => [e.employeeId, e]));
    expect(byId.get('both')).toEqual({
      employeeId: 'both',
      name: 'Ann Lee',
      email: 'ann@example.com',
      location: { offices: ['Shanghai'], departmentIds: ['100', '200'] },
      status: 'active',
      origin: { page: 6 },
    });
    expect(byId.get('org')?.email).toBe('org@corp.example.com');
    expect(byId.get('rd24')).toMatchObject({ location: { offices: ['Hangzhou'], departmentIds: ['110'] }, origin: { page: 10 } });
    expect(byId.has('gone')).toBe(false);
    expect(roster.problems).toEqual([
      { origin: { page: 6 }, reason: 'email.missing', detail: 'the dingtalk user has no email (a SAG account needs one)', employeeId: 'nomail' },
    ]);
  });

  it('refreshes an expired token once and reads on', async () => {
    const roster = await reader().read(({ page }) => {
      if (page === 3) hr.expireTokens({ vendor: 'dingtalk' });
    });
    expect(roster.employees).toHaveLength(27);
    expect(hr.snapshot().dingtalk.tokens).toHaveLength(2);
  });

  it('retries busy codes, 5xx and timeouts, then succeeds', async () => {
    hr.faults.add({ action: 'dingtalk.user.list', code: '90018', message: 'QpsLimitForAppkeyAndApi', count: 2 });
    hr.faults.add({ action: 'dingtalk.department.listsub', html502: true, count: 1 });
    hr.faults.add({ action: 'dingtalk.department.listsub', delayMs: 400, count: 1 });
    const roster = await reader({ timeoutMs: 150 }).read();
    expect(roster.employees).toHaveLength(27);
    expect(hr.faults.list().map((r) => r.fired)).toEqual([2, 1, 1]);
  });

  it('fails on page 7 of 10 with the source and the page, and returns nothing', async () => {
    const err = await rejectionOf(
      reader().read(({ page }) => {
        if (page === 6) hr.faults.add({ action: 'dingtalk.user.list', html502: true });
      }),
    );
    expect(err).toMatchObject({ name: 'RosterReadError', source: 'dingtalk', page: 7 });
    expect(err.message).toBe('dingtalk roster: user/list failed after 5 tries: HR API answered HTTP 502 with a non-JSON body (page 7); nothing was applied');
    expect(hr.faults.list()[0]?.fired).toBe(5);
  });

  it('fails at once on an error code retrying cannot fix, and when busy past its tries', async () => {
    hr.faults.add({ action: 'dingtalk.user.list', code: '60003', count: 1 });
    const gone = await rejectionOf(reader().read());
    expect([gone.page, gone.message]).toEqual([5, expect.stringContaining('user/list failed: errcode 60003 部门不存在')]);
    hr.faults.clear();
    hr.faults.add({ action: 'dingtalk.department.listsub', code: '-1' });
    const busy = await rejectionOf(reader({ retry: { attempts: 2, delayScale: 0.001 } }).read());
    expect([busy.page, busy.message]).toEqual([1, expect.stringContaining('department/listsub failed after 2 tries: errcode -1')]);
  });

  it('names refused credentials', async () => {
    const err = await rejectionOf(reader({ appSecret: 'wrong' }).read());
    expect(err).toMatchObject({ name: 'RosterReadError', source: 'dingtalk', page: 1 });
    expect(err.message).toContain('the app credentials were refused: token: errcode 40089');
  });

  it('paces each API at the documented rate', async () => {
    const t0 = Date.now();
    const roster: Roster = await reader({ ratePerSecond: 20 }).read();
    expect(roster.pages).toBe(10);
    // 4 listsub calls and 6 user/list calls, one every 50 ms per API: at least 5 intervals.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });
});
