/**
 * Releasing a held plan: its leave events go to the leave queue exactly as they were planned (same ids, same
 * times), so the ledger's ordering still applies: a leave older than anything applied since (a rehire) is stale and
 * does nothing. Releasing twice sends the same events again, which the leave worker reconciles as already done.
 *
 * @example
 * ```ts
 * const released = await releasePlan({ plans, sender, queues }, 'rp-1a2b3c4d5e6f'); // { leaves: 900, … }
 * ```
 */
import type { QueueNames } from '../config.js';
import { InputError } from '../errors.js';
import type { QueueSender } from '../mns/queue.js';
import { sendEvents } from './apply.js';
import type { PlanStore } from './plan-store.js';

/** A plan id that names no held plan. */
export class UnknownPlanError extends InputError {
  override readonly name = 'UnknownPlanError';
  override readonly code = 'reconcile.unknown-plan';
  override readonly status = 404;
}

export interface ReleaseResult {
  id: string;
  source: string;
  createdAt: string;
  reasons: string[];
  /** Leave events enqueued. */
  leaves: number;
  /** When it had been released before (then its events were sent again). */
  releasedBefore?: string;
}

export async function releasePlan(
  deps: { plans: PlanStore; sender: QueueSender; queues: QueueNames },
  id: string,
  onSent?: () => void,
): Promise<ReleaseResult> {
  const plan = await deps.plans.load(id);
  if (!plan) throw new UnknownPlanError(`no held plan ${id}`);
  await sendEvents(
    deps.sender,
    deps.queues,
    plan.events.map((event) => ({ queue: 'leave' as const, event })),
    onSent,
  );
  await deps.plans.markReleased(plan);
  return { id, source: plan.source, createdAt: plan.createdAt, reasons: plan.reasons, leaves: plan.events.length, releasedBefore: plan.releasedAt };
}
