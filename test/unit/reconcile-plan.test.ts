/** The reconcile plan, the guard and the events' stamps: pure rules, on input data. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { isStale } from '../../shared/ledger/ordering.js';
import type { ActualAccount, ActualState, ManagedRecord } from '../../shared/reconcile/actual.js';
import { eventSourceFor, eventsFor, stampsFor } from '../../shared/reconcile/apply.js';
import { desiredState } from '../../shared/reconcile/desired.js';
import { guardLeaves } from '../../shared/reconcile/guard.js';
import { planReconcile } from '../../shared/reconcile/plan.js';
import { countActions } from '../../shared/reconcile/reconcile.js';
import { SiteDirectory } from '../../shared/sites.js';
import { employee, roster } from '../helpers/roster.js';

const directory = SiteDirectory.parse({
  protectedUsers: ['admin-*@corp.example.com', 'root*'],
  sites: [
    { id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh', bandwidthKbps: 2000, offices: ['Shanghai'] },
    { id: 'hz', regionId: 'cn-hangzhou', smartAGId: 'sag-hz', bandwidthKbps: 1000, offices: ['Hangzhou'] },
    { id: 'bj', regionId: 'cn-beijing', smartAGId: 'sag-bj', bandwidthKbps: 500, offices: ['Beijing'], userNamePolicy: 'employee-id' },
  ],
});
const site = (id: string) => directory.get(id) as NonNullable<ReturnType<SiteDirectory['get']>>;
const account = (siteId: string, userName: string, state: 'enabled' | 'disabled' = 'enabled', userMail = userName): ActualAccount => ({
  site: site(siteId),
  userName,
  userMail,
  state,
});
const actual = (accounts: ActualAccount[], ledger: ManagedRecord[] = []): ActualState => ({
  accounts,
  ledger: new Map(ledger.map((r) => [r.employeeId, r])),
  describeCalls: 0,
});
const mail = (i: number) => employee(i).email as string;

describe('planReconcile', () => {
  it('joins, enables, transfers, adopts, leaves, and leaves protected and unmanaged accounts alone', () => {
    const employees = [
      employee(0), // Shanghai, no account → join
      employee(1), // Hangzhou, disabled there → enable
      employee(2), // Beijing (employee-id names), enabled on sh → transfer
      employee(3), // Shanghai, made by hand → adopt
      employee(6, { status: 'departed', email: undefined }), // departed; email from the ledger → leave
      employee(9, { email: 'admin-9@corp.example.com', status: 'departed' }), // protected
      employee(12, { location: { office: 'Suzhou' } }), // unmapped: a problem, never a leaver
    ];
    const accounts = [
      account('hz', mail(1), 'disabled'),
      account('sh', mail(2)),
      account('sh', 'hand-made-3', 'enabled', mail(3)),
      account('sh', mail(6)),
      account('hz', 'admin-9@corp.example.com'),
      account('sh', mail(12)),
      account('bj', 'u100', 'enabled', 'gone@corp.example.com'), // managed, no longer listed → leave
      account('bj', 'root-console', 'enabled', 'ops@corp.example.com'), // protected by name
      account('hz', 'stranger@else.example.com'), // unmanaged
    ];
    const ledger: ManagedRecord[] = [
      { employeeId: 'E00006', email: mail(6), userName: mail(6), accounts: [] },
      { employeeId: 'E00012', email: mail(12), userName: mail(12), accounts: [] },
      { employeeId: 'X100', email: 'gone@corp.example.com', userName: 'u100', accounts: [], lastEventId: 'evt_x' },
    ];
    const desired = desiredState(roster(employees), directory);
    const plan = planReconcile(desired, actual(accounts, ledger), directory);
    expect(plan.actions.map((a) => [a.kind, a.employee.id])).toEqual([
      ['join', 'E00000'],
      ['enable', 'E00001'],
      ['transfer', 'E00002'],
      ['adopt', 'E00003'],
      ['leave', 'E00006'],
      ['leave', 'X100'],
    ]);
    expect(plan.problems).toEqual([expect.objectContaining({ reason: 'site.unmapped', origin: { line: 14 }, employeeId: 'E00012' })]);
    expect(plan.protectedAccounts).toBe(2);
    expect(plan.unmanaged).toEqual([{ site: 'hz', userName: 'stranger@else.example.com', state: 'enabled' }]);
    expect(plan.actions[3]).toMatchObject({ userName: 'hand-made-3', accounts: [{ site: 'sh', state: 'enabled' }] });
    expect(countActions(plan.actions).bySite).toEqual({ sh: { join: 1, adopt: 1, leave: 1 }, hz: { enable: 1 }, bj: { transfer: 1, leave: 1 } });

    // A backfill plans no leave; adopt makes the stranger managed (recorded, then a leaver).
    expect(planReconcile(desired, actual(accounts, ledger), directory, { leaves: false })).toMatchObject({ leavesSkipped: 2 });
    const adopted = planReconcile(desiredState(roster(employees), directory), actual(accounts, ledger), directory, { adopt: true });
    expect(adopted.actions.slice(-2).map((a) => [a.kind, a.employee.id])).toEqual([
      ['adopt', 'sag-user:stranger@else.example.com'],
      ['leave', 'sag-user:stranger@else.example.com'],
    ]);
    expect(adopted.unmanaged).toEqual([]);
  });

  it('plans nothing for a converged state; a ledger-known disabled leaver stays as it is', () => {
    const ledger: ManagedRecord[] = [
      { employeeId: 'E00000', email: mail(0), userName: mail(0), accounts: [{ site: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh', state: 'enabled' }] },
      { employeeId: 'E00005', email: mail(5), userName: mail(5), accounts: [{ site: 'bj', regionId: 'cn-beijing', smartAGId: 'sag-bj', state: 'disabled' }] },
    ];
    const state = actual([account('sh', mail(0)), account('hz', mail(0)), account('bj', mail(5), 'disabled')], ledger);
    const plan = planReconcile(desiredState(roster([employee(0)]), directory), state, directory);
    expect(plan.actions).toEqual([]);
    expect(plan.managed).toBe(1);
  });

  it('an active employee without an email is a problem and stays listed', () => {
    const d = desiredState(roster([employee(0, { email: undefined })]), directory);
    expect(d.problems).toEqual([expect.objectContaining({ reason: 'email.missing', employeeId: 'E00000' })]);
    expect(d.listed.has('E00000')).toBe(true);
    expect(d.active.size).toBe(0);
  });
});

describe('guardLeaves', () => {
  const limits = { maxLeaves: 20, maxLeavePercent: 5 };
  const input = { leaves: 10, managed: 1000, rosterSize: 1000, activeCount: 990, lastRosterSize: 1000 };
  it('lets a few leaves through and holds on count, percent, shrink or an empty roster', () => {
    expect(guardLeaves(input, limits)).toEqual({ hold: false, reasons: [] });
    expect(guardLeaves({ ...input, leaves: 0, activeCount: 0 }, limits).hold).toBe(false);
    expect(guardLeaves({ ...input, leaves: 21 }, limits).reasons).toEqual(['21 leaves > RECONCILE_MAX_LEAVES 20']);
    expect(guardLeaves({ ...input, leaves: 6, managed: 100 }, limits).reasons).toEqual(['6 leaves > RECONCILE_MAX_LEAVE_PERCENT 5% of 100 managed employees']);
    expect(guardLeaves({ ...input, leaves: 5, managed: 100 }, limits).hold).toBe(false);
    expect(guardLeaves({ ...input, rosterSize: 979 }, limits).reasons).toEqual(['the roster shrank by 21 (1000 → 979) since the last run']);
    expect(guardLeaves({ ...input, rosterSize: 980 }, limits).hold).toBe(false);
    expect(guardLeaves({ ...input, lastRosterSize: 100, rosterSize: 94 }, limits).hold).toBe(true);
    expect(guardLeaves({ ...input, lastRosterSize: undefined, rosterSize: 0, activeCount: 0, leaves: 1, managed: 1000 }, limits).reasons).toEqual([
      'the roster lists no active employee',
    ]);
  });
});

describe('reconcile events', () => {
  const basisAt = '2026-11-23T08:00:00.000Z';
  it('grants are stamped 5 minutes before the read, leaves at it; ids follow the situation', () => {
    expect(stampsFor(basisAt)).toEqual({ grant: '2026-11-23T07:55:00.000Z', leave: basisAt });
    const join = { kind: 'join' as const, employee: { id: 'E1', name: 'E1', email: 'e1@corp.example.com' }, site: site('sh') };
    const leave = { kind: 'leave' as const, employee: { id: 'E2', name: 'E2' }, why: 'departed' as const, sites: ['hz'] };
    const [j, l] = eventsFor([join, leave], 'generic', basisAt);
    expect(j).toMatchObject({ queue: 'join', event: { type: 'employee.joined', occurredAt: '2026-11-23T07:55:00.000Z' } });
    expect(l).toMatchObject({ queue: 'leave', event: { type: 'employee.left', occurredAt: basisAt, employee: { id: 'E2' } } });
    expect(eventsFor([join], 'generic', '2026-11-24T00:00:00Z')[0]?.event.id).toBe(j?.event.id);
    expect(eventsFor([{ ...join, basis: 'evt_other' }], 'generic', basisAt)[0]?.event.id).not.toBe(j?.event.id);
    expect(eventSourceFor('file')).toBe('generic');
    expect(eventSourceFor('wecom')).toBe('wecom');
  });

  it('a grant never overrides a leave applied within the margin; a leave wins at an equal time', () => {
    const [grant] = eventsFor([{ kind: 'enable', employee: { id: 'E1', name: 'E1', email: 'e1@corp.example.com' }, site: site('sh') }], 'generic', basisAt);
    const leftMinutesAgo = { lastEventAt: '2026-11-23T07:58:00Z', lastEventId: 'evt_leave', lastEventType: 'employee.left' };
    expect(isStale(leftMinutesAgo, grant?.event as never)).toBe(true);
    expect(isStale({ ...leftMinutesAgo, lastEventAt: '2026-11-22T08:00:00Z' }, grant?.event as never)).toBe(false);
    const [left] = eventsFor([{ kind: 'leave', employee: { id: 'E1', name: 'E1' }, why: 'departed', sites: ['sh'] }], 'generic', basisAt);
    expect(isStale({ lastEventAt: basisAt, lastEventId: 'evt_zzz', lastEventType: 'employee.joined' }, left?.event as never)).toBe(false);
    expect(isStale({ lastEventAt: '2026-11-23T08:00:01Z', lastEventId: 'evt_rehire', lastEventType: 'employee.joined' }, left?.event as never)).toBe(true);
  });
});

describe('reconcile configuration', () => {
  it('defaults, and a clear error for each bad knob', () => {
    expect(loadConfig({}).reconcile).toEqual({ source: undefined, file: undefined, schedule: '0 0 * * * *', maxLeaves: 20, maxLeavePercent: 5 });
    expect(loadConfig({ RECONCILE_SOURCE: 'file', RECONCILE_FILE: 'r.csv', RECONCILE_SCHEDULE: '@every 30m' }).reconcile).toMatchObject({
      source: 'file',
      file: 'r.csv',
      schedule: '@every 30m',
    });
    expect(() => loadConfig({ RECONCILE_SOURCE: 'sap' })).toThrow(/RECONCILE_SOURCE must be one of feishu, dingtalk, wecom, file/);
    expect(() => loadConfig({ RECONCILE_SOURCE: 'file' })).toThrow(/RECONCILE_FILE/);
    expect(() => loadConfig({ RECONCILE_SCHEDULE: '0 * * * *' })).toThrow(/six-field cron/);
    expect(() => loadConfig({ RECONCILE_MAX_LEAVE_PERCENT: '101' })).toThrow(/RECONCILE_MAX_LEAVE_PERCENT must be a number from 0 to 100/);
  });
});
