/**
 * The Feishu roster reader against the HR emulator over loopback: departments (fetch_child) then members of the
 * root and of each department, paged by page_token; the webhook adapter's mapping (user_id, email else
 * enterprise_email, work station then city, open department ids); tenant_access_token refresh; throttling retried;
 * a failure on page 7 of 10; wrong app credentials.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';
import { FeishuRosterReader, type FeishuRosterOptions } from '../../shared/roster/feishu.js';
import { rejectionOf } from './_helpers.js';

let hr: HrEmulator;

// Pages (page size 5): departments (1); members of "0" (1), sh (1), bj (1), sh-rd (27 users: 6).
beforeAll(async () => {
  hr = await startHrEmulator({
    data: {
      feishu: {
        departments: [
          { department_id: 'sh', name: 'Shanghai' },
          { department_id: 'bj', name: 'Beijing' },
          { department_id: 'sh-rd', name: 'Shanghai R&D', parent_department_id: 'sh' },
        ],
        users: [
          { user_id: 'root1', name: 'Root One', email: 'root1@example.com' },
          { user_id: 'both', name: 'Ann Lee', email: 'ann@example.com', department_ids: ['sh', 'bj'], work_station: 'Shanghai HQ', city: 'Shanghai' },
          { user_id: 'nomail', name: 'No Mail', department_ids: ['sh'] },
          { user_id: 'ent', name: 'Ent Mail', enterprise_email: 'ent@corp.example.com', department_ids: ['bj'], city: 'Beijing' },
          { user_id: 'gone', name: 'Gone', email: 'gone@example.com', department_ids: ['bj'] },
          ...Array.from({ length: 27 }, (_, i) => ({
            user_id: `rd${i}`,
            name: `RD ${i}`,
            email: `rd${i}@example.com`,
            department_ids: ['sh-rd'],
            city: 'Hangzhou',
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
  hr.feishu.resign('gone');
});

const reader = (o: Partial<FeishuRosterOptions> = {}) =>
  new FeishuRosterReader({
    endpoint: hr.url,
    appId: hr.feishu.appId as string,
    appSecret: hr.feishu.appSecret as string,
    timeoutMs: 2000,
    pageSize: 5,
    ratePerSecond: 0,
    retry: { delayScale: 0.001 },
    ...o,
  });

/** The emulator's Feishu state, as its admin API shows it. */
async function feishuState(): Promise<{ departments: Array<{ department_id: string; open_department_id: string }>; tokens: number }> {
  return ((await (await fetch(`${hr.url}/__admin/state`)).json()) as { feishu: any }).feishu;
}

describe('Feishu roster', () => {
  it('reads every department and every member page, mapped as the webhook maps Feishu users', async () => {
    const pages: number[] = [];
    const roster = await reader().read((p) => pages.push(p.page));
    expect(roster.source).toBe('feishu');
    expect(roster.pages).toBe(10);
    expect(pages).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(roster.employees).toHaveLength(30);
    const byId = new Map(roster.employees.map((e) => [e.employeeId, e]));
    const { departments } = await feishuState();
    const openId = (id: string) => departments.find((d) => d.department_id === id)?.open_department_id;
    expect(byId.get('both')).toEqual({
      employeeId: 'both',
      name: 'Ann Lee',
      email: 'ann@example.com',
      location: { offices: ['Shanghai HQ', 'Shanghai'], departmentIds: [openId('sh'), openId('bj')] },
      status: 'active',
      origin: { page: 3 },
    });
    expect(openId('sh')).toMatch(/^od-/);
    expect(byId.get('ent')).toMatchObject({ email: 'ent@corp.example.com', location: { offices: ['Beijing'] } });
    expect(byId.get('root1')).toMatchObject({ location: { offices: [], departmentIds: ['0'] }, origin: { page: 2 } });
    expect(byId.has('gone')).toBe(false);
    expect(roster.problems).toEqual([
      { origin: { page: 3 }, reason: 'email.missing', detail: 'the feishu user has no email (a SAG account needs one)', employeeId: 'nomail' },
    ]);
  });

  it('gets a new tenant_access_token when the old one expires, and reads on', async () => {
    let expired = 0;
    const roster = await reader().read(({ page }) => {
      if (page === 4) expired = hr.feishu.expireTokens();
    });
    expect(expired).toBe(1);
    expect(roster.employees).toHaveLength(30);
    expect((await feishuState()).tokens).toBe(2);
  });

  it('retries throttling (HTTP 429 99991400) and 5xx, then succeeds', async () => {
    hr.faults.add({ action: 'feishu.user.find_by_department', code: '99991400', count: 2 });
    hr.faults.add({ action: 'feishu.department.children', code: '1', httpStatus: 503, count: 1 });
    const roster = await reader().read();
    expect(roster.employees).toHaveLength(30);
    expect(hr.faults.list().map((r) => r.fired)).toEqual([2, 1]);
  });

  it('fails on page 7 of 10 with the source and the page, and returns nothing', async () => {
    const err = await rejectionOf(
      reader().read(({ page }) => {
        if (page === 6) hr.faults.add({ action: 'feishu.user.find_by_department', code: '40003' });
      }),
    );
    expect(err).toMatchObject({ name: 'RosterReadError', source: 'feishu', page: 7 });
    expect(err.message).toBe('feishu roster: users/find_by_department failed: code 40003 department not found (page 7); nothing was applied');
  });

  it('fails when a token is refused again after a refresh', async () => {
    hr.faults.add({ action: 'feishu.user.find_by_department', code: '99991663' });
    const err = await rejectionOf(reader().read());
    expect([err.page, err.message]).toEqual([2, expect.stringContaining('code 99991663')]);
    expect(hr.faults.list()[0]?.fired).toBe(2);
  });

  it('names refused app credentials, and an unknown app', async () => {
    const wrong = await rejectionOf(reader({ appSecret: 'wrong' }).read());
    expect([wrong.page, wrong.message]).toEqual([1, expect.stringContaining('the app credentials were refused: tenant_access_token: code 10014')]);
    const unknown = await rejectionOf(reader({ appId: 'cli_nobody' }).read());
    expect(unknown.message).toContain('code 10003');
  });

  it('retries a throttled token request', async () => {
    hr.faults.add({ action: 'feishu.tenant_access_token', code: '99991400', count: 1 });
    expect((await reader().read()).employees).toHaveLength(30);
  });
});
