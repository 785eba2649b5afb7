/**
 * The leave worker (queue `hr-leave`): a leaver loses access at once and their accounts are deleted in the next
 * billing cycle. Both steps are idempotent by Describe (the SAG calls take no idempotency token) and ordered by the
 * ledger (shared/ledger/step.ts): a leave older than the newest applied event of the employee does nothing.
 *
 * `employee.left`, on every instance holding the account (ledger first, Describe on every directory instance):
 *
 * | Describe says | then |
 * | --- | --- |
 * | enabled (`State` 0) | DisableSmartAccessGatewayUser, then KickOutClients |
 * | disabled (`State` 1) | KickOutClients (closing nothing is a success); already done |
 * | not listed | nothing on that instance |
 * | Disable answers an error | Describe: disabled → go on; gone → nothing; otherwise the error (retry / dead letter) |
 * | no email and no ledger row | `skipped`, `leave.unknown-employee` (nothing to revoke; not a dead letter) |
 *
 * Then the accounts are recorded `disabled` and an `employee.leave-delete` step is put on the same queue, due at
 * the start of the next calendar month in Asia/Shanghai plus `LEAVER_DELETE_GRACE_DAYS` (leave-schedule.ts, and
 * leave-delete.ts for the delete itself).
 */
import { type EmployeeLeft, LeaveStepSchema, type LeaveStep } from '../events.js';
import { withAccount } from '../ledger/accounts.js';
import type { AccountRef, DeleteChain, LedgerRecord } from '../ledger/record.js';
import { withLedger } from '../ledger/step.js';
import { sagFor } from '../sag/for-context.js';
import { SiteDirectory } from '../sites.js';
import type { Outcome, WorkerContext, WorkerDefinition } from '../worker-runtime.js';
import { findAccounts, type LeaveDeps, revoke } from './leave-accounts.js';
import { deleteAccounts, hopTowardsDelete, isDeleteDue, scheduleDelete } from './leave-delete.js';

/** An outcome of a leave step with what it did per instance, for the ledger's record of the accounts. */
export type LeaveOutcome = Outcome & { accounts?: AccountRef[]; deleteChain?: DeleteChain };

/** `employee.left`: disable and kick out everywhere, then schedule the delete. */
export async function revokeLeaver(event: EmployeeLeft, ctx: WorkerContext<LeaveDeps>): Promise<LeaveOutcome> {
  const sag = sagFor(ctx);
  const search = await findAccounts(event, sag, ctx);
  if (search.kind === 'unknown-employee') {
    return { status: 'skipped', detail: 'leave.unknown-employee: neither the event nor the ledger knows the email; nothing to revoke' };
  }
  let changed = 0;
  for (const a of search.found) if (await revoke(sag, a)) changed++;
  const accounts = search.found.map((a): AccountRef => ({ site: a.place.id, regionId: a.place.regionId, smartAGId: a.place.smartAGId, state: 'disabled' }));
  if (!accounts.length) return { status: 'already-done', detail: 'no account on any instance', accounts };
  // One delete chain per leave: a duplicate delivery of this leave finds the chain in the ledger and adds none.
  const recorded = search.record?.deleteChain;
  const deleteChain = recorded?.eventId === event.id ? recorded : await scheduleDelete(event, ctx, new Date());
  const due = deleteChain.dueAt;
  const where = accounts.map((a) => a.smartAGId).join(', ');
  return changed
    ? { status: 'done', detail: `disabled and kicked out on ${where}; delete due ${due}`, accounts, deleteChain }
    : { status: 'already-done', detail: `already disabled on ${where}; delete due ${due}`, accounts, deleteChain };
}

/** The record after a leave step: the instances it saw get their new state; the ones the ledger listed but SAG no longer has are deleted. */
export function leaveEffect(r: LedgerRecord, event: LeaveStep, outcome: Outcome): LedgerRecord {
  const { accounts: seen, deleteChain } = outcome as LeaveOutcome;
  if (!seen) return r;
  const gone = r.accounts.filter((a) => a.state !== 'deleted' && !seen.some((s) => s.smartAGId === a.smartAGId));
  let accounts = r.accounts;
  for (const a of [...seen, ...gone.map((g) => ({ ...g, state: 'deleted' as const }))]) {
    accounts = withAccount(accounts, { id: a.site, regionId: a.regionId, smartAGId: a.smartAGId }, a.state);
  }
  return { ...r, email: r.email ?? event.employee.email, accounts, deleteChain: deleteChain ?? r.deleteChain };
}

const ledgered = withLedger<LeaveStep, LeaveDeps>(
  {
    name: 'leave-worker',
    action: 'leave',
    queue: (c) => c.queues.leave,
    schema: LeaveStepSchema,
    handle: (e, ctx) => (e.type === 'employee.left' ? revokeLeaver(e, ctx) : deleteAccounts(e, ctx)),
  },
  leaveEffect,
);

/**
 * The leave worker. A delete step that is not due yet only hops on (re-enqueued, at most 3 days at a time) and
 * never claims the ledger; a due one is ordered like the leave it belongs to.
 */
export const leaveWorker: WorkerDefinition<LeaveStep, LeaveDeps> = {
  ...ledgered,
  setup: (_config, env) => ({ directory: SiteDirectory.fromEnv(env) }),
  handle: (e, ctx) => (e.type === 'employee.leave-delete' && !isDeleteDue(e, new Date()) ? hopTowardsDelete(e, ctx) : ledgered.handle(e, ctx)),
};
