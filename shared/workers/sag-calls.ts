/**
 * The most SAG calls one try of one message makes, per worker: the one declared place for it. deploy:check's
 * timeout arithmetic (deploy/s-yaml/trigger-checks.ts) reads it, so a worker that gains a call changes it here.
 * `fixed` calls are made once; `perInstance` calls once per SAG instance of the site directory (N).
 *
 * | worker | worst path of one try | calls |
 * | --- | --- | --- |
 * | join | Create, Describe (UserExist), rehire: Enable, Describe (Enable refused) | 4 |
 * | transfer | Roam, Describe origin, then (deferrals spent) Describe each other copy the ledger lists (≤ N), then from one: Roam, Describe origin, Roam, Describe target, then Enable, Describe; `move`: Describe origin, Disable, Describe, KickOutClients | N + 12 |
 * | enrich | Describe on every instance (where the account is: the previous site) | N |
 * | leave | Describe on every instance, then per account found: Disable, Describe (Disable refused), KickOutClients | 4 N |
 * | leave (delete step) | Describe on every instance, then per account: Delete, Describe (Delete refused) | 3 N |
 *
 * @example
 * ```ts
 * sagCallsPerTry(SAG_CALLS_PER_TRY['leave-worker'], 3); // 12
 * ```
 */
import type { WORKER_FUNCTIONS } from '../catalogue.js';

/** A worst case: `fixed` + `perInstance` × the directory's SAG instances. */
export interface SagCallBudget {
  readonly fixed: number;
  readonly perInstance: number;
}

type WorkerName = (typeof WORKER_FUNCTIONS)[number]['name'];

export const SAG_CALLS_PER_TRY: Readonly<Record<WorkerName, SagCallBudget>> = {
  'join-worker': { fixed: 4, perInstance: 0 },
  'transfer-worker': { fixed: 12, perInstance: 1 },
  'enrich-worker': { fixed: 0, perInstance: 1 },
  // The larger of a leave (4 N) and its delete step (3 N).
  'leave-worker': { fixed: 0, perInstance: 4 },
};

/** The calls of `budget` with a directory of `instances` SAG instances. */
export function sagCallsPerTry(budget: SagCallBudget, instances: number): number {
  return budget.fixed + budget.perInstance * instances;
}
