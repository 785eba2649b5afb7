/**
 * The plan: what it takes to bring SAG in line with the roster, as actions the workers already know, decided from
 * the desired state (desired.ts) and the actual one (actual.ts). Pure: no I/O.
 *
 * | the employee | accounts found (by ledger user name, email, or `u<id>` name) | action |
 * | --- | --- | --- |
 * | active, site resolved | enabled on the site's instance | nothing; `adopt` into the ledger when the ledger does not list it (an account made by hand) |
 * | active | disabled on the site's instance | `enable` (a rehire: a join, which enables a disabled account) |
 * | active | enabled on another instance only | `transfer` from that site |
 * | active | none enabled | `join` |
 * | active, location maps to no site | — | nothing; a `site.unmapped` problem |
 * | departed (roster) | an enabled account | `leave` |
 * | in the ledger, not in the roster | an enabled account | `leave` |
 * | any | an account matching `protectedUsers` | nothing, ever (counted) |
 *
 * Accounts nobody claims are **unmanaged**: reported, never touched; with `adopt` they become managed (recorded in
 * the ledger under `sag-user:<userName>`) and, being on no roster, leavers. Leaves are planned only when
 * `leaves` is on (a backfill turns it off).
 */
import type { AccountRef } from '../ledger/record.js';
import type { RosterProblem } from '../roster/roster.js';
import { type Site, type SiteDirectory, siteRef } from '../sites.js';
import { userNameFor } from '../user-name.js';
import type { ActualAccount, ActualState, ManagedRecord } from './actual.js';
import type { DesiredEmployee, DesiredState } from './desired.js';

/** The HR id under which `adopt` records an account no HR system knows. */
export const UNMANAGED_PREFIX = 'sag-user:';

export interface PlanEmployee {
  id: string;
  name: string;
  email?: string;
}

/** One action; `basis` is the employee's last applied event when planned (it makes the event id; apply.ts). */
export type PlanAction =
  | { kind: 'join' | 'enable'; employee: PlanEmployee & { email: string }; site: Site; basis?: string }
  | { kind: 'transfer'; employee: PlanEmployee & { email: string }; from: Site; to: Site; basis?: string }
  | { kind: 'leave'; employee: PlanEmployee; why: 'departed' | 'unlisted' | 'unmanaged'; sites: string[]; basis?: string }
  | { kind: 'adopt'; employee: PlanEmployee; userName: string; accounts: AccountRef[]; basis?: string };

export type ActionKind = PlanAction['kind'];
export const ACTION_KINDS: readonly ActionKind[] = ['join', 'enable', 'transfer', 'leave', 'adopt'];

/** An account no roster row and no ledger record claims (masked in reports by the caller). */
export interface UnmanagedAccount {
  site: string;
  userName: string;
  state: 'enabled' | 'disabled';
}

export interface Plan {
  actions: PlanAction[];
  unmanaged: UnmanagedAccount[];
  /** Accounts left alone because they match `protectedUsers`. */
  protectedAccounts: number;
  /** Employees holding an enabled account the plan manages (the guard's base for its percentage). */
  managed: number;
  problems: RosterProblem[];
  /** Leaves left out because leaves were off (a backfill). */
  leavesSkipped: number;
}

export interface PlanOptions {
  /** Unmanaged accounts become managed (and, on no roster, leavers). */
  adopt?: boolean;
  /** Plan leaves (default true; a backfill plans none). */
  leaves?: boolean;
}

const lower = (s: string) => s.trim().toLowerCase();

/** Accounts indexed by user name and by email, each claimable once. */
class AccountIndex {
  private readonly byName = new Map<string, ActualAccount[]>();
  private readonly byMail = new Map<string, ActualAccount[]>();
  readonly claimed = new Set<ActualAccount>();

  constructor(accounts: readonly ActualAccount[]) {
    for (const a of accounts) {
      push(this.byName, lower(a.userName), a);
      if (a.userMail) push(this.byMail, lower(a.userMail), a);
    }
  }

  /** The unclaimed accounts named any of `names` or mailed to `email`; they become claimed. */
  claim(names: Array<string | undefined>, email: string | undefined): ActualAccount[] {
    const mine: ActualAccount[] = [];
    const take = (list: ActualAccount[] | undefined) => {
      for (const a of list ?? []) {
        if (this.claimed.has(a)) continue;
        this.claimed.add(a);
        mine.push(a);
      }
    };
    for (const n of names) if (n) take(this.byName.get(lower(n)));
    if (email) take(this.byMail.get(lower(email)));
    return mine;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const refOf = (a: ActualAccount): AccountRef => ({ site: a.site.id, regionId: a.site.regionId, smartAGId: a.site.smartAGId, state: a.state });

interface Planner {
  directory: SiteDirectory;
  index: AccountIndex;
  actual: ActualState;
  plan: Plan;
  leaves: boolean;
}

function isProtected(p: Planner, email: string | undefined, accounts: ActualAccount[]): boolean {
  if (email && p.directory.isProtected({ email })) return true;
  return accounts.some((a) => p.directory.isProtected({ userName: a.userName, email: a.userMail }));
}

/** The names an employee's account may carry: the ledger's, the email, the `employee-id` policy's. */
function namesOf(id: string, email: string | undefined, record: ManagedRecord | undefined): Array<string | undefined> {
  return [record?.userName, email, userNameFor('employee-id', { id, email: email ?? '' })];
}

function planActive(p: Planner, d: DesiredEmployee): void {
  const { employee, site } = d;
  const record = p.actual.ledger.get(employee.employeeId);
  const accounts = p.index.claim(namesOf(employee.employeeId, employee.email, record), employee.email);
  if (isProtected(p, employee.email, accounts)) {
    p.plan.protectedAccounts += Math.max(accounts.length, 1);
    return;
  }
  if (accounts.some((a) => a.state === 'enabled')) p.plan.managed++;
  if (!site) return;
  const who = { id: employee.employeeId, name: employee.name, email: employee.email };
  const basis = record?.lastEventId;
  const onSite = accounts.find((a) => a.site.smartAGId === site.smartAGId);
  if (onSite?.state === 'enabled') {
    const known = record?.accounts.some((r) => r.smartAGId === site.smartAGId && r.state === 'enabled') && record.userName !== undefined;
    if (!known) p.plan.actions.push({ kind: 'adopt', employee: who, userName: onSite.userName, accounts: accounts.map(refOf), basis });
    return;
  }
  if (onSite) {
    adoptName(p, who, onSite, accounts, record, basis);
    return void p.plan.actions.push({ kind: 'enable', employee: who, site: siteRef(site), basis });
  }
  const elsewhere = accounts.find((a) => a.state === 'enabled');
  if (elsewhere) {
    adoptName(p, who, elsewhere, accounts, record, basis);
    return void p.plan.actions.push({ kind: 'transfer', employee: who, from: siteRef(elsewhere.site), to: siteRef(site), basis });
  }
  p.plan.actions.push({ kind: 'join', employee: who, site: siteRef(site), basis });
}

/**
 * Before an enable or a transfer of an account under another name than the one its worker would use (the ledger's,
 * else the site's policy: an account made by hand under its own name): adopt it first, so the worker acts on that account (the workers take the ledger's
 * user name before the policy's) instead of looking for one that does not exist. Adoptions are applied before any
 * event is sent (apply.ts).
 */
function adoptName(p: Planner, who: PlanEmployee, account: ActualAccount, accounts: ActualAccount[], record: ManagedRecord | undefined, basis?: string): void {
  const workerName = record?.userName ?? userNameFor(account.site.userNamePolicy, { id: who.id, email: who.email ?? '' });
  if (lower(workerName) === lower(account.userName)) return;
  p.plan.actions.push({ kind: 'adopt', employee: who, userName: account.userName, accounts: accounts.map(refOf), basis });
}

/** A leave when the employee holds an enabled, unprotected account. */
function planLeave(p: Planner, who: PlanEmployee, accounts: ActualAccount[], why: 'departed' | 'unlisted' | 'unmanaged', basis?: string): void {
  if (isProtected(p, who.email, accounts)) {
    p.plan.protectedAccounts += accounts.length;
    return;
  }
  const enabled = accounts.filter((a) => a.state === 'enabled');
  if (!enabled.length) return;
  p.plan.managed++;
  if (!p.leaves) {
    p.plan.leavesSkipped++;
    return;
  }
  p.plan.actions.push({ kind: 'leave', employee: who, why, sites: enabled.map((a) => a.site.id), basis });
}

/** Unclaimed accounts: reported, or with `adopt` recorded under `sag-user:<name>` and planned as leavers. */
function planUnclaimed(p: Planner, accounts: readonly ActualAccount[], adopt: boolean): void {
  const byName = new Map<string, ActualAccount[]>();
  for (const a of accounts) if (!p.index.claimed.has(a)) push(byName, a.userName, a);
  for (const [userName, group] of byName) {
    if (isProtected(p, undefined, group)) {
      p.plan.protectedAccounts += group.length;
      continue;
    }
    if (!adopt) {
      for (const a of group) p.plan.unmanaged.push({ site: a.site.id, userName: a.userName, state: a.state });
      continue;
    }
    const who = { id: `${UNMANAGED_PREFIX}${userName}`, name: userName, email: group.find((a) => a.userMail)?.userMail };
    p.plan.actions.push({ kind: 'adopt', employee: who, userName, accounts: group.map(refOf) });
    planLeave(p, who, group, 'unmanaged');
  }
}

/**
 * The plan for a desired and an actual state.
 * @example
 * ```ts
 * const plan = planReconcile(desiredState(roster, directory), await readActual(deps), directory);
 * plan.actions.filter((a) => a.kind === 'join').length;
 * ```
 */
export function planReconcile(desired: DesiredState, actual: ActualState, directory: SiteDirectory, options: PlanOptions = {}): Plan {
  const p: Planner = {
    directory,
    index: new AccountIndex(actual.accounts),
    actual,
    leaves: options.leaves ?? true,
    plan: { actions: [], unmanaged: [], protectedAccounts: 0, managed: 0, problems: desired.problems, leavesSkipped: 0 },
  };
  for (const d of desired.active.values()) planActive(p, d);
  for (const e of desired.departed.values()) {
    if (desired.active.has(e.employeeId)) continue;
    const record = actual.ledger.get(e.employeeId);
    const accounts = p.index.claim(namesOf(e.employeeId, e.email ?? record?.email, record), e.email ?? record?.email);
    planLeave(p, { id: e.employeeId, name: e.name, email: e.email ?? record?.email }, accounts, 'departed', record?.lastEventId);
  }
  for (const record of actual.ledger.values()) {
    if (desired.listed.has(record.employeeId)) continue;
    const accounts = p.index.claim([record.userName], record.email);
    const why = record.employeeId.startsWith(UNMANAGED_PREFIX) ? 'unmanaged' : 'unlisted';
    planLeave(p, { id: record.employeeId, name: record.userName ?? record.employeeId, email: record.email }, accounts, why, record.lastEventId);
  }
  planUnclaimed(p, actual.accounts, options.adopt ?? false);
  return p.plan;
}
