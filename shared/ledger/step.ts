/**
 * The ledger step, composed around a worker's `handle` (Middy-style): read and claim the employee's record before
 * acting, record the outcome after. The worker itself stays a pure SAG reconciliation.
 *
 * | claim | then |
 * | --- | --- |
 * | `stale` (a newer event of this employee was applied) | history `stale`; skipped, nothing done in SAG |
 * | `busy` (another event of this employee is being applied) | waits (`ledger.busy`, like throttling: no retry budget spent) until the claim is released or its lease expires |
 * | `claimed` | the worker runs; its outcome is recorded and the claim released |
 *
 * An outcome that applied (done, already done, skipped) makes the event the newest applied one and updates the
 * record (`effect`); a deferral or a failure records history only. A ledger that is unavailable fails the message
 * like any transient error (retried, then re-enqueued): nothing is applied without its record. SAG stays the truth
 * for existence: a missing or wrong record never stops a worker, which reconciles by Describe as before.
 */
import { PermanentError, ThrottledError } from '../errors.js';
import type { Outcome, WorkerContext, WorkerDefinition } from '../worker-runtime.js';
import { ledgerFor } from './for-context.js';
import { ledgerKey, type HistoryEntry, type LedgerRecord } from './record.js';

/** What a ledgered event carries. */
export interface LedgerEvent {
  id: string;
  type: string;
  source: string;
  occurredAt: string;
  employee: { id: string };
}

/** How an applied event changes the record (accounts, email, user name); `outcome` says what the worker found. */
export type LedgerEffect<E> = (record: LedgerRecord, event: E, outcome: Outcome) => LedgerRecord;

/** How long an event waits for another event's claim on the same employee, at least and at most per try. */
const BUSY_MIN_WAIT_MS = 200;
const BUSY_MAX_WAIT_MS = 5_000;

const APPLIED = new Set<Outcome['status']>(['done', 'already-done', 'skipped']);

/** A history entry for `event`, recorded now. */
export function entryFor(event: LedgerEvent, result: string, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return { eventId: event.id, type: event.type, result, occurredAt: event.occurredAt, at: new Date().toISOString(), ...extra };
}

/**
 * Wraps a worker definition with the ledger step.
 * @example
 * ```ts
 * export const joinWorker = withLedger(joinDefinition, (r, e) => ({ ...r, email: e.employee.email }));
 * ```
 */
export function withLedger<E extends LedgerEvent, D = undefined>(def: WorkerDefinition<E, D>, effect: LedgerEffect<E>): WorkerDefinition<E, D> {
  return { ...def, handle: (event, ctx) => handleWithLedger(def, effect, event, ctx) };
}

async function handleWithLedger<E extends LedgerEvent, D>(
  def: WorkerDefinition<E, D>,
  effect: LedgerEffect<E>,
  event: E,
  ctx: WorkerContext<D>,
): Promise<Outcome> {
  const ledger = ledgerFor(ctx);
  if (!ledger) return def.handle(event, ctx);
  const key = ledgerKey(event.source, event.employee.id);
  const claim = await ledger.claim(key, event);
  if (claim.kind === 'stale') {
    await ledger.note(key, entryFor(event, 'stale', { reason: `newer event ${claim.record.lastEventId} applied` }));
    return { status: 'skipped', detail: `stale: a newer event (${claim.record.lastEventAt}) was applied` };
  }
  if (claim.kind === 'busy') {
    const waitMs = Math.min(Math.max(claim.pending.expiresAt - Date.now(), BUSY_MIN_WAIT_MS), BUSY_MAX_WAIT_MS);
    throw new ThrottledError('ledger.busy', `event ${claim.pending.eventId} of this employee is being applied`, waitMs);
  }
  let outcome: Outcome;
  try {
    outcome = await def.handle(event, { ...ctx, ledgerRecord: claim.record });
  } catch (err) {
    const permanent = err instanceof PermanentError;
    const reason = err instanceof Error && 'reason' in err ? String((err as { reason: unknown }).reason) : 'worker.unexpected-error';
    await ledger.complete(claim.record, entryFor(event, permanent ? 'dead-lettered' : 'retrying', { reason }), false);
    throw err;
  }
  const applied = APPLIED.has(outcome.status);
  const entry = entryFor(event, outcome.status, {
    reason: outcome.status === 'defer' ? outcome.reason : outcome.detail,
    sagRequestId: 'sagRequestId' in outcome ? outcome.sagRequestId : undefined,
  });
  await ledger.complete(claim.record, entry, applied, (r) => effect(r, event, outcome));
  return outcome;
}
