/**
 * What a reconcile would do for one employee, for `status --source …` / `--file …` (or when `RECONCILE_SOURCE` is
 * set): a dry-run plan of the whole roster (shared/reconcile/, nothing enqueued or written), narrowed to the
 * employee's actions and roster problems. It reads the whole roster and Describes every instance, so it costs what
 * a `reconcile --dry-run` costs.
 */
import type { Io } from './io.js';
import { siteOf, wiring } from './reconcile-run.js';
import type { TargetFlags } from './target.js';
import { maskEmails, preparePlan, RosterReadError, type PlanAction, type RosterProblem } from '../shared/index.js';

/** `status --json`'s `reconcile` member. */
export interface StatusPlan {
  source: string;
  /** The employee's actions in the plan; empty when a reconcile would change nothing for them. */
  actions: Array<{ action: PlanAction['kind']; site: string; note?: string }>;
  /** Roster rows about the employee that could not be used (their line or page, and why). */
  problems: RosterProblem[];
  /** Whether the plan's leaves would be held by the mass-change guard. */
  leavesHeld: boolean;
  /** Why no plan could be made (e.g. the roster could not be read). */
  error?: string;
}

export interface StatusPlanFlags extends TargetFlags {
  source?: string;
  file?: string;
}

/** The employee's part of a dry-run plan. */
export async function statusPlan(io: Io, flags: StatusPlanFlags, who: { id?: string; email?: string }): Promise<StatusPlan> {
  const { deps } = await wiring(io, flags);
  const source = deps.reader.source;
  const email = who.email?.toLowerCase();
  const mine = (e: { id?: string; employeeId?: string; email?: string }) =>
    (who.id !== undefined && (e.id ?? e.employeeId) === who.id) || (email !== undefined && e.email?.toLowerCase() === email);
  try {
    const { plan, report } = await preparePlan(deps, { dryRun: true });
    return {
      source,
      actions: plan.actions.filter((a) => mine(a.employee)).map((a) => ({ action: a.kind, site: siteOf(a), ...(a.kind === 'leave' ? { note: a.why } : {}) })),
      problems: report.problems.filter((p) => p.employeeId !== undefined && p.employeeId === who.id).map((p) => ({ ...p, detail: maskEmails(p.detail) })),
      leavesHeld: report.guard.hold,
    };
  } catch (err) {
    if (err instanceof RosterReadError) return { source, actions: [], problems: [], leavesHeld: false, error: err.message };
    throw err;
  }
}
