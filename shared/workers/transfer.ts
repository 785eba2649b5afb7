/**
 * The transfer worker: an `employee.transferred` event makes the employee's existing account usable on the target
 * site's instance through RoamClientUser, converging however deliveries are duplicated or reordered
 * (RoamClientUser takes no idempotency token):
 *
 * | Roam answers | then |
 * | --- | --- |
 * | success | done |
 * | `ClientUser.UserExist` | Describe on the target: listed → already done (a duplicate, or a replay of an old transfer); not listed → retry |
 * | unknown outcome (timeout, reset, 5xx, non-JSON) | Describe on the target: listed → done; otherwise retry |
 * | any other error | Describe on the origin: user missing → defer (the join may still be in flight); once the deferral budget is spent, roam from another copy the ledger lists (Describe confirms it), else create the account at the target (the employee never had one, or a leave deleted it); user listed → Roam once more (see below) |
 * | the second Roam refused again, the user listed on the origin | dead letter `sag.<Code>` |
 * | throttling, ServiceUnavailable, connection refused | retry |
 * | `SAG.InstanceNoFound`, `ClientUser.NotSupportAction`, `SAG.CidrEmpty`, `SAG.CidrOverlap`, `ClientUser.UserOverLimit`, `ClientUser.NameInvalid` | dead letter `sag.<Code>` |
 *
 * Then, when the ledger ordered the transfer (it is the employee's newest event) and its record shows a leave, the
 * target's copy is Described and enabled if disabled: a roam copies the origin's state, and a leaver's copy is
 * disabled (a transfer newer than the leave, applied before the older rehire). With `transferPolicy: "move"` the
 * origin's copy is then disabled, kicked out and its delete scheduled (the leave worker's steps).
 *
 * The real API documents no code for "user missing on the origin" (the emulator answers `ClientUser.UserNotExist`);
 * so the decision is made by Describe on the origin, not by the code, and works whichever code the service uses.
 * The user name is the ledger's (the one the join created, which roams keep), else the origin site's policy.
 *
 * Reads that can change under a decision:
 *
 * | decision | rests on | can change because | so |
 * | --- | --- | --- | --- |
 * | a refusal is permanent | Describe on the origin, after the Roam | the join lands between the Roam and the Describe (seen under load: join done 6 ms before the transfer judged its refusal) | a user listed after a refusal means "Roam again", not "permanent"; only a refusal with the user listed before the call is judged |
 * | defer | Describe on the origin says missing | the join lands right after | deferring is safe: the next delivery roams |
 * | already done / done | Describe on the target lists the user | only a leave's delete step removes accounts, and it holds the employee's ledger claim, never at the same time as this transfer | — |
 * | retry (`sag.inconsistent`) | Describe on the target misses a user Roam called existing | the service's read may lag its write | retrying is safe: the next try reconciles again |
 */
import { TransientError } from '../errors.js';
import { EmployeeTransferredSchema, type EmployeeJoined, type EmployeeTransferred } from '../events.js';
import { type SitePlace, withAccount, withEnabledAccounts } from '../ledger/accounts.js';
import type { DeleteChain, LedgerRecord } from '../ledger/record.js';
import { revoke } from './leave-accounts.js';
import { scheduleDelete } from './leave-delete.js';
import { provisionJoin } from './join.js';
import { maskEmails } from '../logger.js';
import { userNameFor } from '../user-name.js';
import type { Outcome, WorkerContext, WorkerDefinition } from '../worker-runtime.js';
import type { SagClient, SagUser } from '../sag/client.js';
import type { SagCallError } from '../sag/errors.js';
import { asWorkerError, settle } from '../sag/outcome.js';
import { sagFor } from '../sag/for-context.js';
import { withLedger } from '../ledger/step.js';
import { enableAccount } from './enable.js';

/** Codes that say something about the instances or the name, never about a missing origin user. */
const INSTANCE_CODES = new Set([
  'SAG.InstanceNoFound',
  'ClientUser.NotSupportAction',
  'SAG.CidrEmpty',
  'SAG.CidrOverlap',
  'ClientUser.UserOverLimit',
  'ClientUser.NameInvalid',
  'ClientUser.BandwidthInvalid',
  'ClientUser.InvalidClientIp',
  'SAG.InstanceIdEmpty',
]);

/** Roam calls per handling: the first, and one more when the origin gained the user after a refusal. */
const ROAMS = 2;

interface Transfer {
  sag: SagClient;
  event: EmployeeTransferred;
  userName: string;
  ctx: WorkerContext<unknown>;
}

/** Where the account is roamed from: the event's origin, or another copy the ledger knows. */
type Origin = Pick<SitePlace, 'id' | 'regionId' | 'smartAGId'>;

/**
 * A transfer's outcome, with what the ledger's record needs: where the account came from, or that it was created;
 * under `move`, the origin copy it disabled and the delete chain it scheduled.
 */
export type TransferOutcome = Outcome & { origin?: Origin; createdAtTarget?: boolean; retired?: Origin; deleteChain?: DeleteChain };

/** The account reached the target (roamed, or found there), and the target's account if a Describe just listed it. */
type Reached = { outcome: { status: 'done' | 'already-done'; detail: string; sagRequestId?: string; origin: Origin }; onTarget?: SagUser };

/** The outcome detail of a transfer that created the account at the target (nothing to roam from). */
export const CREATED_AT_TARGET = 'no account anywhere: created at the target';

export async function provisionTransfer(event: EmployeeTransferred, ctx: WorkerContext<unknown>): Promise<TransferOutcome> {
  const t: Transfer = { sag: sagFor(ctx), event, userName: ctx.ledgerRecord?.userName ?? userNameFor(event.from.userNamePolicy, event.employee), ctx };
  const reached = await roam(t, event.from, true);
  if (!('outcome' in reached)) return reached;
  const outcome = await enableOnTarget(t, reached);
  return event.transferPolicy === 'move' ? retireOrigin(t, reached.outcome.origin, outcome) : outcome;
}

/**
 * `transferPolicy: "move"`: once the account is on the target (roamed, or found there) and enabled, the copy it came
 * from is disabled and its sessions closed, and its delete is scheduled for the next billing cycle, with the leave
 * worker's steps (the delete step deletes the disabled copies only; the enabled target is kept). A redelivery finds
 * the origin disabled and the chain in the ledger, and schedules no second one.
 */
async function retireOrigin(t: Transfer, origin: Origin, outcome: TransferOutcome): Promise<TransferOutcome> {
  if (origin.smartAGId === t.event.to.smartAGId || !('detail' in outcome)) return outcome;
  const found = await settle(() => t.sag.findUser(origin.regionId, origin.smartAGId, t.userName));
  if (!found.ok) throw asWorkerError(found.error);
  const user = found.value.user;
  if (!user) return { ...outcome, detail: `${outcome.detail}; move: nothing left on ${origin.smartAGId}` };
  await revoke(t.sag, { place: origin, userName: t.userName, user });
  const recorded = t.ctx.ledgerRecord?.deleteChain;
  const deleteChain = recorded?.eventId === t.event.id ? recorded : await scheduleDelete(t.event, t.ctx, new Date());
  const detail = `${outcome.detail}; move: disabled on ${origin.smartAGId}, delete due ${deleteChain.dueAt}`;
  return { ...outcome, detail, retired: origin, deleteChain };
}

/** Roams from `origin` to the target; `fallback`: once the deferral budget is spent, look elsewhere for the account. */
async function roam(t: Transfer, origin: Origin, fallback: boolean): Promise<Reached | TransferOutcome> {
  const { to } = t.event;
  for (let n = 1; ; n++) {
    const roamed = await settle(() =>
      t.sag.roamClientUser({
        regionId: to.regionId,
        targetSmartAGId: to.smartAGId,
        originRegionId: origin.regionId,
        originSmartAGId: origin.smartAGId,
        userName: t.userName,
      }),
    );
    if (roamed.ok) {
      const detail = `roamed ${origin.smartAGId} → ${to.smartAGId}${n > 1 ? ' (second roam, after the join landed)' : ''}`;
      return { outcome: { status: 'done', detail, sagRequestId: roamed.value.requestId, origin } };
    }
    const judged = await judgeRefusal(t, origin, roamed.error, fallback);
    // The origin lists the user now, though the Roam was refused: the join landed in between. Roam again; a
    // refusal with the user already listed before the call is the service's real answer.
    if (judged !== 'roam-again') return judged;
    if (n >= ROAMS) throw asWorkerError(roamed.error);
  }
}

/** What a refused Roam means: an outcome, a thrown error, or "the origin gained the user: roam again". */
async function judgeRefusal(t: Transfer, origin: Origin, err: SagCallError, fallback: boolean): Promise<Reached | TransferOutcome | 'roam-again'> {
  if (err.kind === 'transient') throw asWorkerError(err);
  if (err.sagCode === 'ClientUser.UserExist' || err.kind === 'unknown') return reconcileOnTarget(t, origin, err);
  if (INSTANCE_CODES.has(err.sagCode)) throw asWorkerError(err);
  // Any other refusal: is the user missing on the origin (the join not done yet)?
  const onOrigin = await settle(() => t.sag.findUser(origin.regionId, origin.smartAGId, t.userName));
  if (!onOrigin.ok) throw asWorkerError(onOrigin.error);
  if (onOrigin.value.user) return 'roam-again';
  if (fallback && t.ctx.delivery.deferrals >= t.ctx.config.retry.maxDeferrals) return elsewhere(t);
  return {
    status: 'defer',
    reason: 'transfer.origin-user-missing',
    message: `${maskEmails(t.userName)} is not on the origin ${origin.smartAGId} yet (${err.sagCode}); waiting for the join`,
    sagRequestId: err.requestId,
  };
}

/**
 * The deferral budget is spent and the origin still lacks the account. The transfer is the employee's newest event
 * (the ledger ordered it), so the desired state is access at the target: roam from another copy the ledger lists
 * (a leaver's disabled copy, a copy the HR system's `from` does not name), else create it at the target (the
 * employee never had one, or a leave deleted it).
 */
async function elsewhere(t: Transfer): Promise<Reached | TransferOutcome> {
  const { from, to } = t.event;
  for (const a of t.ctx.ledgerRecord?.accounts ?? []) {
    if (a.state === 'deleted' || a.smartAGId === from.smartAGId || a.smartAGId === to.smartAGId) continue;
    const hit = await settle(() => t.sag.findUser(a.regionId, a.smartAGId, t.userName));
    if (!hit.ok) throw asWorkerError(hit.error);
    if (hit.value.user) return roam(t, { id: a.site, regionId: a.regionId, smartAGId: a.smartAGId }, false);
  }
  return createAtTarget(t);
}

/** The join the employee never had (or no longer has), at the transfer's target, recorded as this transfer's outcome. */
async function createAtTarget(t: Transfer): Promise<TransferOutcome> {
  const { event, ctx } = t;
  const join: EmployeeJoined = {
    schemaVersion: event.schemaVersion,
    id: event.id,
    source: event.source,
    occurredAt: event.occurredAt,
    employee: event.employee,
    type: 'employee.joined',
    site: event.to,
  };
  // provisionJoin also enables a disabled account it finds on the target.
  const outcome = await provisionJoin(join, ctx);
  return outcome.status === 'done' || outcome.status === 'already-done'
    ? { ...outcome, detail: `${CREATED_AT_TARGET} (${outcome.detail ?? 'done'})`, createdAtTarget: true }
    : outcome;
}

/**
 * After the account reached the target: a roam copies the origin's state, so a copy roamed from an account a leave
 * disabled (or found disabled on the target) is disabled. The transfer is newer than that leave (the ledger ordered
 * it), so it enables the target. Describe is needed only when the ledger's record shows a leave (an account
 * disabled or deleted, or a leave applied last); without a ledger nothing orders the transfer after the leave, and
 * the account is left as it is (access removal fails closed).
 */
async function enableOnTarget(t: Transfer, reached: Reached): Promise<TransferOutcome> {
  const r = t.ctx.ledgerRecord;
  if (!r) return reached.outcome;
  const leaverMark = r.accounts.some((a) => a.state !== 'enabled') || r.lastEventType === 'employee.left' || r.lastEventType === 'employee.leave-delete';
  if (!reached.onTarget && !leaverMark) return reached.outcome;
  const enabled = await enableAccount(t.sag, t.event.to, t.userName, reached.onTarget);
  if (!enabled.changed) return reached.outcome;
  return {
    ...reached.outcome,
    status: 'done',
    detail: `${reached.outcome.detail}; enabled on ${t.event.to.smartAGId} (the copy was disabled)`,
    sagRequestId: enabled.requestId,
  };
}

/** UserExist or an unknown outcome: listed on the target → done; otherwise retry. */
async function reconcileOnTarget(t: Transfer, origin: Origin, err: SagCallError): Promise<Reached> {
  const { to } = t.event;
  const onTarget = await settle(() => t.sag.findUser(to.regionId, to.smartAGId, t.userName));
  if (!onTarget.ok) throw asWorkerError(onTarget.error);
  const user = onTarget.value.user;
  if (user) {
    const dup = err.sagCode === 'ClientUser.UserExist';
    return {
      outcome: {
        status: dup ? 'already-done' : 'done',
        detail: dup ? `already on ${to.smartAGId}` : `reconciled after ${err.sagCode}`,
        sagRequestId: onTarget.value.requestId,
        origin,
      },
      onTarget: user,
    };
  }
  if (err.kind === 'unknown') throw asWorkerError(err);
  throw new TransientError('sag.inconsistent', `Roam said UserExist but Describe on ${to.smartAGId} does not list ${maskEmails(t.userName)}`, {
    requestId: err.requestId,
  });
}

/**
 * The record after a transfer: the target holds the account, enabled; the origin it was roamed from keeps the state
 * the record gave it (a leaver's disabled copy stays disabled; a copy the record did not know is recorded enabled).
 */
export function transferEffect(r: LedgerRecord, e: EmployeeTransferred, outcome: Outcome): LedgerRecord {
  const o = outcome as TransferOutcome;
  const userName = r.userName ?? userNameFor(o.createdAtTarget ? e.to.userNamePolicy : e.from.userNamePolicy, e.employee);
  const origin = o.origin && !o.createdAtTarget ? o.origin : undefined;
  const known = origin && r.accounts.find((a) => a.smartAGId === origin.smartAGId && a.state !== 'deleted');
  const sites = origin && !known ? [origin, e.to] : [e.to];
  const next = withEnabledAccounts(r, e.employee.email, userName, sites);
  if (!o.retired) return next;
  return { ...next, accounts: withAccount(next.accounts, o.retired, 'disabled'), deleteChain: o.deleteChain ?? next.deleteChain };
}

/**
 * The transfer worker, with the ledger step around it (shared/ledger/step.ts): ordered, recorded. A roam copies the
 * account to the target and leaves the origin's as it was, so the record lists both.
 */
export const transferWorker: WorkerDefinition<EmployeeTransferred> = withLedger<EmployeeTransferred>(
  { name: 'transfer-worker', action: 'roam-user', queue: (c) => c.queues.transfer, schema: EmployeeTransferredSchema, handle: provisionTransfer },
  transferEffect,
);
