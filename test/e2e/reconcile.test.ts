/**
 * Reconcile on the local stack (SAG, MNS and Tablestore emulators over the wire, the real workers): a 1,000-employee
 * roster with 100 accounts missing, 50 on the wrong site, 30 leavers (20 departed rows, 10 managed employees the
 * roster no longer lists), 5 rehires, 10 protected accounts, 5 accounts made by hand with a matching email and 3
 * unmanaged accounts converges in one run plus the drain, and a second run plans nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, startStack, type Stack } from '../../local/stack.js';
import { loadConfig } from '../../shared/config.js';
import { mapLimit } from '../../shared/concurrency.js';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { ledgerKey } from '../../shared/ledger/record.js';
import { reconcileDeps } from '../../shared/reconcile/deps.js';
import { waitForSettled } from '../../shared/reconcile/drain.js';
import { applyPlan, preparePlan, reconcile } from '../../shared/reconcile/reconcile.js';
import type { RosterEmployee } from '../../shared/roster/roster.js';
import sample from '../../config/sites.sample.json' with { type: 'json' };
import { captureLogs, stackLedger } from '../helpers/stack.js';
import { employee, roster, staticReader } from '../helpers/roster.js';

let stack: Stack;
let ledger: Ledger;
const logs = captureLogs();
const SITES = sample.sites;
const siteOf = (i: number) => SITES[i % 3] as (typeof SITES)[number];
const wrongSiteOf = (i: number) => SITES[(i + 1) % 3] as (typeof SITES)[number];

beforeAll(async () => {
  stack = await startStack({
    sites: { ...sample, protectedUsers: ['it-admin-*@corp.example.com'] },
    env: { RETRY_DELAY_SCALE: '0.000001', RECONCILE_MAX_LEAVES: '50', LOG_LEVEL: 'warn' },
  });
  ({ ledger } = stackLedger(stack));
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});

const deps = (employees: RosterEmployee[]) =>
  reconcileDeps({
    config: loadConfig(stack.env),
    directory: stack.directory,
    credentials: LOCAL_CREDENTIALS,
    accountId: LOCAL_ACCOUNT_ID,
    reader: staticReader(roster(employees)),
  });

async function seedManaged(i: number, site: { id: string; regionId: string; smartAGId: string }, state: 0 | 1 = 0, userName?: string): Promise<void> {
  const e = employee(i);
  stack.sag.seedUser(site.smartAGId, { userMail: e.email as string, userName, state });
  await ledger.amend(
    ledgerKey('generic', e.employeeId),
    { eventId: 'evt_seed', type: 'seed', result: 'done', occurredAt: '2025-01-01T00:00:00Z', at: '2025-01-01T00:00:00Z' },
    (r) => ({
      ...r,
      email: e.email,
      userName: userName ?? e.email,
      accounts: [{ site: site.id, regionId: site.regionId, smartAGId: site.smartAGId, state: state ? 'disabled' : 'enabled' }],
    }),
  );
}

describe('reconcile', () => {
  const employees: RosterEmployee[] = [];
  it('converges a 1,000-employee roster in one run plus the drain; a second run plans nothing', async () => {
    // 0–99 missing; 100–149 wrong site; 150–169 departed; 170–174 rehires (disabled); 175–179 hand-made; the rest in sync.
    for (let i = 0; i < 1000; i++) employees.push(employee(i, i >= 150 && i < 170 ? { status: 'departed' } : {}));
    const seeds: Array<() => Promise<void>> = [];
    for (let i = 100; i < 1000; i++) {
      if (i < 150) seeds.push(() => seedManaged(i, wrongSiteOf(i)));
      else if (i >= 170 && i < 175) seeds.push(() => seedManaged(i, siteOf(i), 1));
      else if (i >= 175 && i < 180) stack.sag.seedUser(siteOf(i).smartAGId, { userMail: employee(i).email as string, userName: `hand-made-${i}` });
      else seeds.push(() => seedManaged(i, siteOf(i)));
    }
    for (let i = 2000; i < 2010; i++) seeds.push(() => seedManaged(i, siteOf(i))); // managed, no longer listed
    await mapLimit(seeds, 16, (s) => s());
    for (let k = 0; k < 10; k++) stack.sag.seedUser(siteOf(k).smartAGId, { userMail: `it-admin-${k}@corp.example.com` });
    for (let k = 0; k < 3; k++) stack.sag.seedUser(siteOf(k).smartAGId, { userMail: `contractor-${k}@vendor.example.com` });

    const d = deps(employees);
    const prepared = await preparePlan(d);
    const first = await applyPlan(d, prepared);
    expect(first.counts).toEqual({ join: 100, enable: 5, transfer: 50, leave: 30, adopt: 5 });
    expect(first.guard.hold).toBe(false);
    expect(first.protectedAccounts).toBe(10);
    expect(first.unmanaged.map((u) => u.userName).sort()).toEqual([0, 1, 2].map((k) => `contractor-${k}@vendor.example.com`));
    expect(first.bySite['sh-hq']?.join).toBe(34);
    expect(first.enqueued).toBe(185);
    expect(
      await waitForSettled(
        ledger,
        'generic',
        prepared.events.map((e) => e.event),
        { timeoutMs: 60_000 },
      ),
    ).toBe(185);
    expect(await stack.drainDeadLetters()).toEqual([]);

    for (let i = 0; i < 1000; i++) {
      const e = employees[i] as RosterEmployee;
      const onSite = stack.sag.listUsers(siteOf(i).smartAGId).filter((u) => u.userMail === e.email);
      if (e.status === 'departed')
        expect(
          onSite.every((u) => u.state === 1),
          e.employeeId,
        ).toBe(true);
      else
        expect(
          onSite.map((u) => u.state),
          e.employeeId,
        ).toEqual([0]); // exactly one account, enabled: hand-made ones not recreated
    }
    expect((await ledger.read(ledgerKey('generic', 'E00177')))?.userName).toBe('hand-made-177');
    for (let i = 2000; i < 2010; i++) expect(stack.sag.listUsers(siteOf(i).smartAGId).find((u) => u.userMail === employee(i).email)?.state ?? 1).toBe(1);
    for (let k = 0; k < 10; k++) expect(stack.sag.listUsers(siteOf(k).smartAGId).find((u) => u.userMail === `it-admin-${k}@corp.example.com`)?.state).toBe(0);

    const second = await reconcile(deps(employees));
    expect(second.counts).toEqual({ join: 0, enable: 0, transfer: 0, leave: 0, adopt: 0 });
    expect(second.enqueued).toBe(0);
  }, 90_000);

  it('an account made by hand under its own name on the wrong site is adopted, then transferred under that name', async () => {
    // E03000 works in Shanghai but has a hand-made `dana-vpn` on Hangzhou; E03001's hand-made account on its own site is disabled.
    const dana = employee(3000);
    const eve = employee(3001);
    stack.sag.seedUser(wrongSiteOf(3000).smartAGId, { userMail: dana.email as string, userName: 'dana-vpn' });
    stack.sag.seedUser(siteOf(3001).smartAGId, { userMail: eve.email as string, userName: 'eve-vpn', state: 1 });
    const everyone = [...employees, dana, eve];
    const d = deps(everyone);
    const prepared = await preparePlan(d);
    expect(prepared.plan.actions.filter((a) => a.employee.id >= 'E03000').map((a) => [a.kind, a.employee.id])).toEqual([
      ['adopt', 'E03000'],
      ['transfer', 'E03000'],
      ['adopt', 'E03001'],
      ['enable', 'E03001'],
    ]);
    const report = await applyPlan(d, prepared);
    expect(
      await waitForSettled(
        ledger,
        'generic',
        prepared.events.map((e) => e.event),
        { timeoutMs: 30_000 },
      ),
    ).toBe(report.enqueued);
    expect(await stack.drainDeadLetters()).toEqual([]);
    expect(stack.sag.listUsers(siteOf(3000).smartAGId).find((u) => u.userName === 'dana-vpn')?.state).toBe(0); // roamed under its own name
    expect(stack.sag.listUsers(siteOf(3001).smartAGId).find((u) => u.userName === 'eve-vpn')?.state).toBe(0);
    expect(stack.sag.listUsers(siteOf(3000).smartAGId).some((u) => u.userName === dana.email)).toBe(false); // not recreated
    expect((await reconcile(deps(everyone))).counts).toEqual({ join: 0, enable: 0, transfer: 0, leave: 0, adopt: 0 });
  }, 60_000);
});
