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
 * | any other error | Describe on the origin: user missing → defer (the join may still be in flight), dead letter `transfer.origin-user-missing` when the deferral budget is spent |
 * | throttling, ServiceUnavailable, connection refused | retry |
 * | `SAG.InstanceNoFound`, `ClientUser.NotSupportAction`, `SAG.CidrEmpty`, `SAG.CidrOverlap`, `ClientUser.UserOverLimit`, `ClientUser.NameInvalid`, other 4xx with the user present on the origin | dead letter `sag.<Code>` |
 *
 * The real API documents no code for "user missing on the origin" (the emulator answers `ClientUser.UserNotExist`);
 * so the decision is made by Describe on the origin, not by the code, and works whichever code the service uses.
 * The user name follows the origin site's policy, the same one the join used.
 */
import { TransientError } from '../errors.js';
import { EmployeeTransferredSchema, type EmployeeTransferred } from '../events.js';
import { maskEmails } from '../logger.js';
import { userNameFor } from '../user-name.js';
import type { Outcome, WorkerContext, WorkerDefinition } from '../worker-runtime.js';
import { asWorkerError, settle } from '../sag/outcome.js';
import { sagFor } from '../sag/for-context.js';

/** Codes that say something about the instances or the name, never about a missing origin user. */
const INSTANCE_CODES = new Set(['SAG.InstanceNoFound', 'ClientUser.NotSupportAction', 'SAG.CidrEmpty', 'SAG.CidrOverlap', 'ClientUser.UserOverLimit', 'ClientUser.NameInvalid', 'ClientUser.BandwidthInvalid', 'ClientUser.InvalidClientIp', 'SAG.InstanceIdEmpty']);

export async function provisionTransfer(event: EmployeeTransferred, ctx: WorkerContext<unknown>): Promise<Outcome> {
  const sag = sagFor(ctx);
  const { from, to, employee } = event;
  const userName = userNameFor(from.userNamePolicy, employee);
  const roamed = await settle(() =>
    sag.roamClientUser({ regionId: to.regionId, targetSmartAGId: to.smartAGId, originRegionId: from.regionId, originSmartAGId: from.smartAGId, userName }),
  );
  if (roamed.ok) return { status: 'done', detail: `roamed ${from.smartAGId} → ${to.smartAGId}`, sagRequestId: roamed.value.requestId };

  const err = roamed.error;
  if (err.kind === 'transient') throw asWorkerError(err);
  if (err.sagCode === 'ClientUser.UserExist' || err.kind === 'unknown') {
    const onTarget = await settle(() => sag.findUser(to.regionId, to.smartAGId, userName));
    if (!onTarget.ok) throw asWorkerError(onTarget.error);
    if (onTarget.value.user) {
      const dup = err.sagCode === 'ClientUser.UserExist';
      return { status: dup ? 'already-done' : 'done', detail: dup ? `already on ${to.smartAGId}` : `reconciled after ${err.sagCode}`, sagRequestId: onTarget.value.requestId };
    }
    if (err.kind === 'unknown') throw asWorkerError(err);
    throw new TransientError('sag.inconsistent', `Roam said UserExist but Describe on ${to.smartAGId} does not list ${maskEmails(userName)}`, { requestId: err.requestId });
  }
  if (INSTANCE_CODES.has(err.sagCode)) throw asWorkerError(err);
  // Any other refusal: is the user missing on the origin (the join not done yet)?
  const onOrigin = await settle(() => sag.findUser(from.regionId, from.smartAGId, userName));
  if (!onOrigin.ok) throw asWorkerError(onOrigin.error);
  if (!onOrigin.value.user) {
    return {
      status: 'defer',
      reason: 'transfer.origin-user-missing',
      message: `${maskEmails(userName)} is not on the origin ${from.smartAGId} yet (${err.sagCode}); waiting for the join`,
      sagRequestId: err.requestId,
    };
  }
  throw asWorkerError(err);
}

export const transferWorker: WorkerDefinition<EmployeeTransferred> = {
  name: 'transfer-worker',
  action: 'roam-user',
  queue: (c) => c.queues.transfer,
  schema: EmployeeTransferredSchema,
  handle: provisionTransfer,
};
