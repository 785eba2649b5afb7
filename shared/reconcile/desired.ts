/**
 * The desired state: roster × site directory → where each employee should have an enabled SAG account. Sites are
 * resolved by the very rule webhook routing uses ({@link resolveSite}), so a roster row lands where its webhook
 * would have. An active employee whose location maps to no site is a reported problem (with the row's line or
 * page) and stays listed: being employed, they are never a leaver because of it.
 *
 * @example
 * ```ts
 * const desired = desiredState(roster, directory);
 * desired.active.get('E1001')?.site.id; // 'sh-hq'
 * ```
 */
import { describeLocation, resolveSite } from '../routing.js';
import type { Roster, RosterEmployee, RosterProblem } from '../roster/roster.js';
import type { SiteDirectory, SiteEntry } from '../sites.js';

/** An active employee and the site they should have access to (undefined: their location maps to no site). */
export interface DesiredEmployee {
  employee: RosterEmployee & { email: string };
  site?: SiteEntry;
}

export interface DesiredState {
  /** Active employees by HR id, in roster order. */
  active: Map<string, DesiredEmployee>;
  /** Employees the roster lists as departed, by HR id. */
  departed: Map<string, RosterEmployee>;
  /**
   * Every HR id the roster mentions, its problem rows included: an employee whose row could not be used is still
   * employed, and never planned as a leaver because of a bad row.
   */
  listed: Set<string>;
  /** The roster's own problems, plus `site.unmapped` for each active employee whose location maps to no site. */
  problems: RosterProblem[];
}

export function desiredState(roster: Roster, directory: SiteDirectory): DesiredState {
  const active = new Map<string, DesiredEmployee>();
  const departed = new Map<string, RosterEmployee>();
  const problems: RosterProblem[] = [...roster.problems];
  const listed = new Set<string>();
  for (const p of roster.problems) if (p.employeeId !== undefined) listed.add(p.employeeId);
  for (const e of roster.employees) {
    listed.add(e.employeeId);
    if (e.status === 'departed') {
      departed.set(e.employeeId, e);
      continue;
    }
    if (!e.email) {
      // The readers leave such rows out; a roster built by hand may not.
      problems.push({ origin: e.origin, reason: 'email.missing', detail: 'an active employee without an email', employeeId: e.employeeId });
      continue;
    }
    const site = resolveSite(directory, e.location);
    if (!site) problems.push({ origin: e.origin, reason: 'site.unmapped', detail: `no site for ${describeLocation(e.location)}`, employeeId: e.employeeId });
    active.set(e.employeeId, { employee: e as RosterEmployee & { email: string }, site });
  }
  return { active, departed, listed, problems };
}
