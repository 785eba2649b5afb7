/**
 * Where a leaver's accounts are: the instances the ledger lists first, then every instance of the site directory,
 * each confirmed by Describe (SAG is the truth; the ledger may miss a roamed copy or an account made before it
 * existed). The user name is the ledger's (the name the join created, which roams keep); without a ledger row it
 * follows each site's policy, which needs the email for `email` sites: from the event, else the ledger.
 */
import type { EmployeeLeft } from '../events.js';
import type { SitePlace } from '../ledger/accounts.js';
import { ledgerFor } from '../ledger/for-context.js';
import { ledgerKey, type LedgerRecord } from '../ledger/record.js';
import type { SagClient, SagUser } from '../sag/client.js';
import { asWorkerError, settle } from '../sag/outcome.js';
import type { SiteDirectory, UserNamePolicy } from '../sites.js';
import { userNameFor } from '../user-name.js';
import type { WorkerContext } from '../worker-runtime.js';

export interface LeaveDeps {
  directory: SiteDirectory;
}

/** An account found on an instance. */
export interface FoundAccount {
  place: SitePlace;
  userName: string;
  user: SagUser;
}

export type AccountSearch = { kind: 'unknown-employee' } | { kind: 'searched'; record?: LedgerRecord; email?: string; found: FoundAccount[] };

interface Candidate {
  place: SitePlace;
  policy?: UserNamePolicy;
}

/** The instances to look at: the ledger's (not deleted) first, then the directory's; one entry per instance. */
function candidates(record: LedgerRecord | undefined, directory: SiteDirectory): Candidate[] {
  const out = new Map<string, Candidate>();
  for (const a of record?.accounts ?? []) {
    if (a.state !== 'deleted') out.set(a.smartAGId, { place: { id: a.site, regionId: a.regionId, smartAGId: a.smartAGId } });
  }
  for (const s of directory.sites) {
    const known = out.get(s.smartAGId);
    if (known) known.policy ??= s.userNamePolicy;
    else out.set(s.smartAGId, { place: { id: s.id, regionId: s.regionId, smartAGId: s.smartAGId }, policy: s.userNamePolicy });
  }
  return [...out.values()];
}

function nameFor(c: Candidate, employeeId: string, record: LedgerRecord | undefined, email: string | undefined): string | undefined {
  if (record?.userName) return record.userName;
  const policy = c.policy ?? 'email';
  if (policy === 'email' && !email) return undefined;
  return userNameFor(policy, { id: employeeId, email: email ?? '' });
}

/** Reads the ledger row and Describes the employee's name on every candidate instance. */
export async function findAccounts(event: Pick<EmployeeLeft, 'source' | 'employee'>, sag: SagClient, ctx: WorkerContext<LeaveDeps>): Promise<AccountSearch> {
  const record = await ledgerFor(ctx)?.read(ledgerKey(event.source, event.employee.id));
  const email = event.employee.email ?? record?.email;
  if (!email && !record?.userName) return { kind: 'unknown-employee' };
  const found: FoundAccount[] = [];
  for (const c of candidates(record, ctx.deps.directory)) {
    const userName = nameFor(c, event.employee.id, record, email);
    if (!userName) continue;
    const hit = await settle(() => sag.findUser(c.place.regionId, c.place.smartAGId, userName));
    if (!hit.ok) throw asWorkerError(hit.error);
    if (hit.value.user) found.push({ place: c.place, userName, user: hit.value.user });
  }
  return { kind: 'searched', record, email, found };
}

/** Describe of one account again (after a call whose answer was lost or refused). */
export async function describeAgain(sag: SagClient, a: FoundAccount): Promise<SagUser | undefined> {
  const hit = await settle(() => sag.findUser(a.place.regionId, a.place.smartAGId, a.userName));
  if (!hit.ok) throw asWorkerError(hit.error);
  return hit.value.user;
}

/** Disables one account (if enabled) and closes its sessions; true if it was enabled. */
export async function revoke(sag: SagClient, a: FoundAccount): Promise<boolean> {
  const { regionId, smartAGId } = a.place;
  let changed = false;
  if (a.user.state !== 1) {
    const disabled = await settle(() => sag.call('DisableSmartAccessGatewayUser', { RegionId: regionId, SmartAGId: smartAGId, UserName: a.userName }));
    if (!disabled.ok) {
      if (disabled.error.kind === 'transient') throw asWorkerError(disabled.error);
      const now = await describeAgain(sag, a);
      if (!now) return false;
      if (now.state !== 1) throw asWorkerError(disabled.error);
    }
    changed = true;
  }
  const kicked = await settle(() => sag.call('KickOutClients', { RegionId: regionId, SmartAGId: smartAGId, Username: a.userName }));
  if (!kicked.ok) throw asWorkerError(kicked.error);
  return changed;
}
