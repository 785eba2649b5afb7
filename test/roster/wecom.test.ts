/**
 * The WeCom roster reader against the HR emulator over loopback: list_id paged by cursor (one entry per member and
 * department), then user/get per member, mapped as the enrich worker maps it (email, else biz_mail; address as the
 * office); token refresh; busy codes retried; a member deleted between the two calls left out; a failure on page 7
 * of 10; wrong credentials.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';
import { WeComRosterReader, type WeComRosterOptions } from '../../shared/roster/wecom.js';
import { rejectionOf } from './_helpers.js';

let hr: HrEmulator;

// list_id entries: both ×2, biz, nomail, rd0–rd2 (7: 3 pages of 3), then user/get for 6 members: 9 pages.
beforeAll(async () => {
  hr = await startHrEmulator({
    data: {
      wecom: {
        departments: [
          { id: 2, name: 'Shanghai' },
          { id: 3, name: 'Shanghai R&D', parentid: 2 },
          { id: 4, name: 'Beijing' },
        ],
        users: [
          { userid: 'both', name: 'Ann Lee', email: 'ann@example.com', department: [2, 4], address: 'Shanghai' },
          { userid: 'biz', name: 'Biz Mail', biz_mail: 'biz@corp.example.com', department: [4], address: 'Beijing' },
          { userid: 'nomail', name: 'No Mail', department: [2] },
          { userid: 'gone', name: 'Gone', email: 'gone@example.com', department: [4] },
          ...Array.from({ length: 3 }, (_, i) => ({ userid: `rd${i}`, name: `RD ${i}`, email: `rd${i}@example.com`, department: [3] })),
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
  hr.wecom.depart('gone');
});

const reader = (o: Partial<WeComRosterOptions> = {}) =>
  new WeComRosterReader({
    endpoint: hr.url,
    corpId: hr.wecom.corpId,
    corpSecret: hr.wecom.corpSecret,
    timeoutMs: 2000,
    pageSize: 3,
    ratePerSecond: 0,
    retry: { delayScale: 0.001 },
    ...o,
  });

describe('WeCom roster', () => {
  it('pages list_id to the end and reads each member once, mapped as the enrich worker maps user/get', async () => {
    const roster = await reader().read();
    expect(roster.source).toBe('wecom');
    expect(roster.pages).toBe(9);
    expect(roster.employees.map((e) => e.employeeId).sort()).toEqual(['biz', 'both', 'rd0', 'rd1', 'rd2']);
    const both = roster.employees.find((e) => e.employeeId === 'both');
    expect(both).toEqual({
      employeeId: 'both',
      name: 'Ann Lee',
      email: 'ann@example.com',
      location: { offices: ['Shanghai'], departmentIds: ['2', '4'] },
      status: 'active',
      origin: { page: expect.any(Number) },
    });
    expect((both as { origin: { page: number } }).origin.page).toBeGreaterThan(3);
    expect(roster.employees.find((e) => e.employeeId === 'biz')).toMatchObject({
      email: 'biz@corp.example.com',
      location: { offices: ['Beijing'], departmentIds: ['4'] },
    });
    expect(roster.problems).toEqual([
      { origin: { page: expect.any(Number) }, reason: 'email.missing', detail: 'the wecom user has no email (a SAG account needs one)', employeeId: 'nomail' },
    ]);
  });

  it('leaves out a member deleted between list_id and user/get', async () => {
    const roster = await reader().read(({ page }) => {
      if (page === 3) hr.wecom.depart('biz');
    });
    expect(roster.employees.map((e) => e.employeeId)).not.toContain('biz');
    expect(roster.employees).toHaveLength(4);
  });

  it('refreshes an expired token once and reads on; retries busy codes', async () => {
    hr.faults.add({ action: 'wecom.user.get', code: '45009', count: 2 });
    hr.faults.add({ action: 'wecom.user.list_id', code: '-1', count: 1 });
    const roster = await reader().read(({ page }) => {
      if (page === 2) hr.expireTokens({ vendor: 'wecom' });
    });
    expect(roster.employees).toHaveLength(5);
    expect(hr.faults.list().map((r) => r.fired)).toEqual([2, 1]);
    expect(hr.snapshot().wecom.tokens).toHaveLength(2);
  });

  it('fails on page 7 of 10 with the source and the page, and returns nothing', async () => {
    for (const u of hr.wecom.listUsers()) hr.wecom.removeUser(u.userid as string);
    hr.wecom.addUsers([
      { userid: 'a', name: 'A', email: 'a@example.com', department: [2, 3, 4] },
      { userid: 'b', name: 'B', email: 'b@example.com', department: [2, 3] },
      { userid: 'c', name: 'C', email: 'c@example.com', department: [3, 4] },
    ]);
    expect((await reader({ pageSize: 1 }).read()).pages).toBe(10);
    const err = await rejectionOf(
      reader({ pageSize: 1 }).read(({ page }) => {
        if (page === 6) hr.faults.add({ action: 'wecom.user.list_id', reset: true });
      }),
    );
    expect(err).toMatchObject({ name: 'RosterReadError', source: 'wecom', page: 7 });
    expect(err.message).toMatch(/^wecom roster: user\/list_id failed after 5 tries: HR API unreachable: TypeError \(page 7\); nothing was applied$/);
  });

  it('names refused credentials, and an error code it cannot retry', async () => {
    const err = await rejectionOf(reader({ corpSecret: 'wrong' }).read());
    expect(err).toMatchObject({ source: 'wecom', page: 1 });
    expect(err.message).toContain('the app credentials were refused: token: errcode 40001 invalid credential');
    expect(err.message).not.toContain('from ip');
    hr.faults.add({ action: 'wecom.user.get', code: '60020', message: 'not allow to access from your ip' });
    const ip = await rejectionOf(reader().read());
    expect(ip.message).toContain('user/get failed: errcode 60020 not allow to access from your ip');
  });
});
