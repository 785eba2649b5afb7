/**
 * The mass-change guard. A plan's leaves are held (not applied) when any of these holds:
 *
 * | check | default |
 * | --- | --- |
 * | leaves > `RECONCILE_MAX_LEAVES` | 20 |
 * | leaves > `RECONCILE_MAX_LEAVE_PERCENT` % of the managed employees (those holding an enabled account the plan manages) | 5 % |
 * | the roster shrank since the last applied run by more than `RECONCILE_MAX_LEAVES` employees or `RECONCILE_MAX_LEAVE_PERCENT` % | — |
 * | the roster lists no active employee at all | always |
 *
 * Joins, transfers and enables still apply: they grant, never remove. An HR API that answers an empty or partial
 * roster (a revoked permission, a hidden department) therefore never disables anyone: its leaves exceed the limits
 * or its roster shrank. Safer by default than a count alone: a small company's 5 % is smaller than 20.
 *
 * @example
 * ```ts
 * guardLeaves({ leaves: 30, managed: 900, rosterSize: 1000, lastRosterSize: 1000 }, { maxLeaves: 20, maxLeavePercent: 5 });
 * // { hold: true, reasons: ['30 leaves > RECONCILE_MAX_LEAVES 20'] }
 * ```
 */

export interface GuardLimits {
  maxLeaves: number;
  maxLeavePercent: number;
}

export interface GuardInput {
  leaves: number;
  managed: number;
  /** Employees the roster lists (active and departed rows, problem rows included). */
  rosterSize: number;
  /** Active employees the roster lists. */
  activeCount: number;
  /** The roster size of the last run whose leaves were applied (undefined on a first run). */
  lastRosterSize?: number;
}

export interface GuardVerdict {
  hold: boolean;
  /** Why, one sentence per check that failed. */
  reasons: string[];
}

const overPercent = (part: number, whole: number, percent: number) => part * 100 > whole * percent;

export function guardLeaves(input: GuardInput, limits: GuardLimits): GuardVerdict {
  const reasons: string[] = [];
  const { leaves, managed, rosterSize, lastRosterSize } = input;
  if (leaves === 0) return { hold: false, reasons };
  if (input.activeCount === 0) reasons.push('the roster lists no active employee');
  if (leaves > limits.maxLeaves) reasons.push(`${leaves} leaves > RECONCILE_MAX_LEAVES ${limits.maxLeaves}`);
  if (overPercent(leaves, managed, limits.maxLeavePercent)) {
    reasons.push(`${leaves} leaves > RECONCILE_MAX_LEAVE_PERCENT ${limits.maxLeavePercent}% of ${managed} managed employees`);
  }
  if (lastRosterSize !== undefined && lastRosterSize > rosterSize) {
    const shrink = lastRosterSize - rosterSize;
    if (shrink > limits.maxLeaves || overPercent(shrink, lastRosterSize, limits.maxLeavePercent)) {
      reasons.push(`the roster shrank by ${shrink} (${lastRosterSize} → ${rosterSize}) since the last run`);
    }
  }
  return { hold: reasons.length > 0, reasons };
}
