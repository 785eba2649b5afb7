/**
 * The delete step of a leave (`employee.leave-delete` on the leave queue): scheduled by the leave, carried towards
 * its due time by re-enqueueing with `DelaySeconds` in hops of at most 3 days (within the queue's 4-day retention), then
 * DeleteSmartAccessGatewayClientUser on each instance that holds the account.
 *
 * The step keeps the leave's event id and HR time, so the ledger orders it as the leave itself: once a newer event
 * (a rehire) was applied, it is stale and deletes nothing. On each instance, Describe decides:
 *
 * | Describe before | Delete answers | then |
 * | --- | --- | --- |
 * | not listed | — | gone: done |
 * | enabled (`State` 0) | — | re-enabled meanwhile (a rehire, or an operator): nothing |
 * | disabled | success | deleted |
 * | disabled | throttling, 5xx, timeout | retried (the runtime); a Delete that applied is seen as gone on the retry |
 * | disabled | any refusal | Describe again: gone → deleted; still disabled → refused (the service documents traffic in the current cycle, with no code): wait for the next cycle; enabled → nothing |
 *
 * A refused delete re-enqueues itself for the start of the following month. The refusal code is not documented,
 * so it is never read: only Describe decides, and either answer of the service converges.
 */
import type { EmployeeLeaveDelete, EmployeeLeft, EmployeeTransferred } from '../events.js';
import { randomUUID } from 'node:crypto';
import { ledgerFor } from '../ledger/for-context.js';
import { type AccountRef, type DeleteChain, type LedgerRecord, ledgerKey } from '../ledger/record.js';
import type { SagClient } from '../sag/client.js';
import { sagFor } from '../sag/for-context.js';
import { asWorkerError, settle } from '../sag/outcome.js';
import type { Outcome, WorkerContext } from '../worker-runtime.js';
import { describeAgain, type FoundAccount, findAccounts, type LeaveDeps } from './leave-accounts.js';
import { deleteDueAt, nextHopSeconds } from './leave-schedule.js';

type AccountResult = AccountRef['state'] | 'refused';

/**
 * A delete step is due when the clock has reached `dueAt`, or when it arrives from the hop that was to end at
 * `dueAt` (with RETRY_DELAY_SCALE < 1 the hops are shortened, so only the hop's own target says it was the last).
 */
export function isDeleteDue(e: EmployeeLeaveDelete, now: Date): boolean {
  const due = Date.parse(e.dueAt);
  return now.getTime() >= due || (e.hopEndsAt !== undefined && Date.parse(e.hopEndsAt) >= due);
}

/** Enqueues the delete step's next hop towards `dueAt`: at most 3 days, shortened by RETRY_DELAY_SCALE. */
/** What scheduling needs of a worker's context (the leave worker's, or the transfer worker's under `move`). */
type ScheduleContext = Pick<WorkerContext<unknown>, 'config' | 'queue'>;

/** The event a delete chain starts from: a leave, a delete step waiting one more cycle, or a `move` transfer. */
type ChainStart = EmployeeLeft | EmployeeLeaveDelete | EmployeeTransferred;

async function sendHop(e: ChainStart, chain: string | undefined, dueAt: Date, ctx: ScheduleContext, now: Date, first = false): Promise<void> {
  const hop = nextHopSeconds(now, dueAt);
  const step: EmployeeLeaveDelete = {
    schemaVersion: e.schemaVersion,
    id: e.id,
    source: e.source,
    occurredAt: e.occurredAt,
    type: 'employee.leave-delete',
    employee: { id: e.employee.id, ...(e.employee.email ? { email: e.employee.email } : {}) },
    dueAt: dueAt.toISOString(),
    hopEndsAt: new Date(now.getTime() + hop * 1000).toISOString(),
    ...(chain ? { chain } : {}),
  };
  // MNS delays are whole seconds: the first hop of a chain waits at least one however RETRY_DELAY_SCALE shrinks it,
  // so a refused delete tries again once a second at most, never in a tight loop.
  const scaled = Math.round(hop * ctx.config.retry.delayScale);
  const delaySeconds = first && hop > 0 ? Math.max(1, scaled) : scaled;
  await ctx.queue.send(ctx.config.queues.leave, { event: step }, { delaySeconds });
}

/**
 * Schedules the delete for the next billing cycle (plus the grace days): a new chain for a leave, the same chain
 * for a delete step that waits one more cycle. Returns what the ledger records.
 */
export async function scheduleDelete(e: ChainStart, ctx: ScheduleContext, now: Date): Promise<DeleteChain> {
  const due = deleteDueAt(now, ctx.config.leaverDeleteGraceDays);
  const chain = (e.type === 'employee.leave-delete' && e.chain) || randomUUID();
  await sendHop(e, chain, due, ctx, now, true);
  return { eventId: e.id, chain, dueAt: due.toISOString() };
}

/** True when the ledger records another delete chain than the step's (a duplicate chain of the same leave, or a later leave's). */
export function isOtherChain(e: EmployeeLeaveDelete, record: LedgerRecord | undefined): boolean {
  const recorded = record?.deleteChain?.chain;
  return recorded !== undefined && e.chain !== undefined && recorded !== e.chain;
}

const OTHER_CHAIN = 'leave.delete-duplicate: the ledger records another delete chain for this employee; this one stops';

/**
 * A delete step that is not due: one more hop, nothing else (the ledger is not touched). The hop starts where the
 * previous one was to end (or now, if later), so that hops shortened by RETRY_DELAY_SCALE still add up to the due time.
 */
export async function hopTowardsDelete(e: EmployeeLeaveDelete, ctx: WorkerContext<LeaveDeps>): Promise<Outcome> {
  if (e.chain && isOtherChain(e, await ledgerFor(ctx)?.read(ledgerKey(e.source, e.employee.id)))) return { status: 'skipped', detail: OTHER_CHAIN };
  const now = Date.now();
  const from = Math.max(now, e.hopEndsAt ? Date.parse(e.hopEndsAt) : now);
  await sendHop(e, e.chain, new Date(e.dueAt), ctx, new Date(from));
  return { status: 'skipped', detail: `leave.delete-scheduled: due ${e.dueAt}` };
}

/** Deletes one account, Describe deciding every answer but throttling and 5xx. */
async function deleteOne(sag: SagClient, a: FoundAccount): Promise<AccountResult> {
  if (a.user.state !== 1) return 'enabled';
  const { regionId, smartAGId } = a.place;
  const res = await settle(() => sag.call('DeleteSmartAccessGatewayClientUser', { RegionId: regionId, SmartAGId: smartAGId, UserName: a.userName }));
  if (res.ok) return 'deleted';
  if (res.error.kind === 'transient') throw asWorkerError(res.error);
  const now = await describeAgain(sag, a);
  if (!now) return 'deleted';
  if (now.state !== 1) return 'enabled';
  if (res.error.kind === 'unknown') throw asWorkerError(res.error);
  return 'refused';
}

/** The due delete step: delete on every instance; a refusal waits for the next cycle. */
export async function deleteAccounts(
  e: EmployeeLeaveDelete,
  ctx: WorkerContext<LeaveDeps>,
): Promise<Outcome & { accounts?: AccountRef[]; deleteChain?: DeleteChain }> {
  if (isOtherChain(e, ctx.ledgerRecord)) return { status: 'skipped', detail: OTHER_CHAIN };
  const sag = sagFor(ctx);
  const search = await findAccounts(e, sag, ctx);
  if (search.kind === 'unknown-employee') return { status: 'skipped', detail: 'leave.unknown-employee: nothing to delete' };
  const accounts: AccountRef[] = [];
  let refused = 0;
  let enabled = 0;
  for (const a of search.found) {
    const r = await deleteOne(sag, a);
    if (r === 'refused') refused++;
    if (r === 'enabled') enabled++;
    const state = r === 'refused' ? 'disabled' : r;
    accounts.push({ site: a.place.id, regionId: a.place.regionId, smartAGId: a.place.smartAGId, state });
  }
  if (refused) {
    const next = await scheduleDelete(e, ctx, new Date());
    return { status: 'skipped', detail: `leave.delete-refused on ${refused} instance(s); next try ${next.dueAt}`, accounts, deleteChain: next };
  }
  const deleted = accounts.length - enabled;
  if (enabled && !deleted) return { status: 'skipped', detail: `leave.re-enabled: ${enabled} account(s) enabled again; not deleted`, accounts };
  // Under `move` the enabled copy on the transfer's target is kept; only the disabled origin is deleted.
  const kept = enabled ? `; ${enabled} enabled account(s) kept` : '';
  return {
    status: accounts.length ? 'done' : 'already-done',
    detail: accounts.length ? `deleted on ${deleted} instance(s)${kept}` : 'no account left',
    accounts,
  };
}
