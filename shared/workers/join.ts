/**
 * The join worker: an `employee.joined` event becomes a SAG client account on the site's instance, exactly once,
 * by reconciliation (CreateSmartAccessGatewayClientUser takes no idempotency token):
 *
 * | Create answers | then |
 * | --- | --- |
 * | success | done |
 * | `ClientUser.UserExist` | Describe the user: same email → already done (disabled, `State` 1: a rehire → EnableSmartAccessGatewayUser, done); other email → dead letter `join.user-conflict`; not listed → retry |
 * | unknown outcome (timeout, reset, 5xx, non-JSON) | Describe: listed with the same email → done; otherwise retry |
 * | throttling, ServiceUnavailable, connection refused | retry |
 * | any other documented 4xx code | dead letter `sag.<Code>` |
 *
 * Rehires: the join of a leaver (newer than the leave; an older one is stale by the ledger) finds the account
 * disabled on the site and enables it there. A disabled copy on another site (the leaver had roamed) is left as it
 * is: access is needed on the joining site only, the copy stays disabled, and a later leave finds and deletes it.
 * An account the leave already deleted is simply created again.
 *
 * Reads that can change under a decision (a concurrent delivery of the same join, or a transfer, may write in
 * between; nothing in this product removes an account):
 *
 * | decision | rests on | can change because | so |
 * | --- | --- | --- | --- |
 * | done / already done | Describe lists the user with this email | — (accounts are only added) | stable |
 * | retry (`sag.inconsistent`) | Create said UserExist, Describe does not list the user | the service's read may lag its write | retrying is safe: the next Create answers UserExist again and Describe then lists it |
 * | dead letter `join.user-conflict` | Describe lists the name with another email | only an operator's change (a removed or renamed account) | permanent until fixed; redrive then applies it |
 * | retry after an unknown outcome | Describe does not list the user | our own Create may still land | retrying is safe: the next Create answers UserExist and reconciles |
 */
import { PermanentError, TransientError } from '../errors.js';
import { EmployeeJoinedSchema, type EmployeeJoined } from '../events.js';
import { maskEmails } from '../logger.js';
import { createCredentialsFor, userNameFor } from '../user-name.js';
import type { Outcome, WorkerContext, WorkerDefinition } from '../worker-runtime.js';
import { asWorkerError, settle } from '../sag/outcome.js';
import { sagFor } from '../sag/for-context.js';
import { withEnabledAccounts } from '../ledger/accounts.js';
import { withLedger } from '../ledger/step.js';
import type { SagUser } from '../sag/client.js';
import { enableAccount } from './enable.js';

const sameMail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export async function provisionJoin(event: EmployeeJoined, ctx: WorkerContext<unknown>): Promise<Outcome> {
  const sag = sagFor(ctx);
  const { site, employee } = event;
  const userName = userNameFor(site.userNamePolicy, employee);
  const recorded = ctx.ledgerRecord?.userName;
  if (recorded && recorded !== userName) {
    const known = await recordedAccount(sag, event, recorded);
    if (known) return known;
  }
  const created = await settle(() =>
    sag.createClientUser({
      regionId: site.regionId,
      smartAGId: site.smartAGId,
      userMail: employee.email,
      bandwidth: site.bandwidthKbps,
      ...createCredentialsFor(site.userNamePolicy, employee),
    }),
  );
  if (created.ok) return { status: 'done', detail: `created on ${site.smartAGId}`, sagRequestId: created.value.requestId };

  const err = created.error;
  const exists = err.sagCode === 'ClientUser.UserExist';
  if (!exists && err.kind !== 'unknown') throw asWorkerError(err);

  // Reconcile: the account may exist (a duplicate delivery, or our own earlier call whose answer we lost).
  const found = await settle(() => sag.findUser(site.regionId, site.smartAGId, userName));
  if (!found.ok) throw asWorkerError(found.error);
  const user = found.value.user;
  if (user && sameMail(user.userMail || userName, employee.email)) {
    if (user.state === 1) return enableRehired(sag, event, user);
    return {
      status: exists ? 'already-done' : 'done',
      detail: exists ? 'user already exists with this email' : `reconciled after ${err.sagCode}`,
      sagRequestId: found.value.requestId ?? err.requestId,
    };
  }
  if (user) {
    throw new PermanentError('join.user-conflict', `user name ${maskEmails(userName)} on ${site.smartAGId} belongs to ${maskEmails(user.userMail)}`, {
      requestId: found.value.requestId,
    });
  }
  if (exists)
    throw new TransientError('sag.inconsistent', `Create said UserExist but Describe does not list ${maskEmails(userName)}`, { requestId: err.requestId });
  throw asWorkerError(err);
}

/**
 * The account the ledger names, when that is not the policy's name (made by hand, adopted by a reconcile): on the
 * joining site it is the employee's account (enabled if a leave disabled it), and no second one is created.
 */
async function recordedAccount(sag: ReturnType<typeof sagFor>, event: EmployeeJoined, userName: string): Promise<Outcome | undefined> {
  const { site } = event;
  const found = await settle(() => sag.findUser(site.regionId, site.smartAGId, userName));
  if (!found.ok) throw asWorkerError(found.error);
  const user = found.value.user;
  if (!user || !sameMail(user.userMail || event.employee.email, event.employee.email)) return undefined;
  if (user.state === 1) return { ...(await enableRehired(sag, event, user)), userName };
  return { status: 'already-done', detail: `the ledger's account is on ${site.smartAGId}`, sagRequestId: found.value.requestId, userName };
}

/** A rehire: the account is there, disabled by a leave; enable it (idempotent: Describe decides a lost answer). */
async function enableRehired(sag: ReturnType<typeof sagFor>, event: EmployeeJoined, user: SagUser): Promise<Extract<Outcome, { status: 'done' }>> {
  const r = await enableAccount(sag, event.site, user.userName, user);
  return { status: 'done', detail: `rehire: enabled on ${event.site.smartAGId}`, sagRequestId: r.requestId };
}

/** The join worker, with the ledger step around it (shared/ledger/step.ts): ordered, recorded. */
export const joinWorker: WorkerDefinition<EmployeeJoined> = withLedger<EmployeeJoined>(
  { name: 'join-worker', action: 'create-user', queue: (c) => c.queues.join, schema: EmployeeJoinedSchema, handle: provisionJoin },
  (r, e, o) => withEnabledAccounts(r, e.employee.email, ('userName' in o && o.userName) || userNameFor(e.site.userNamePolicy, e.employee), [e.site]),
);
