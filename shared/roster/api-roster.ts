/**
 * The employees an HR API lists, collected page by page into a {@link Roster}. A user listed in several
 * departments is one employee with the department ids of every listing (the platforms list direct members per
 * department). The lists leave departed users out, so every employee is `active`; one without an email, or with
 * one a SAG account cannot take, is a problem (with the page it was first seen on), not an employee.
 */
import { type HrUser, hrUserLocation } from '../hr/hr-api.js';
import type { Location } from '../sites.js';
import { isRosterEmail } from './row.js';
import type { Roster, RosterEmployee, RosterProblem, RosterProgress, RosterSource } from './roster.js';

/** A user as the platform's list answers it, mapped as the webhook adapters map the same user's events. */
export interface ListedUser {
  employeeId: string;
  name: string;
  email?: string;
  /** Office candidates in order (Feishu: work station, then city; DingTalk/WeCom: the work place). */
  offices: readonly string[];
  departmentIds: readonly string[];
}

/** A DingTalk or WeCom user as the enrich worker maps it (hr-api.ts). */
export function listedHrUser(user: HrUser): ListedUser {
  const { offices = [], departmentIds = [] } = hrUserLocation(user);
  return { employeeId: user.userId, name: user.name, email: user.email, offices, departmentIds };
}

interface Entry {
  user: ListedUser;
  departmentIds: Set<string>;
  page: number;
}

export class ApiRoster {
  private readonly users = new Map<string, Entry>();

  constructor(
    readonly source: RosterSource,
    private readonly onProgress?: (p: RosterProgress) => void,
  ) {}

  /** Adds the users of one page (the same user again only adds departments). */
  add(users: readonly ListedUser[], page: number): void {
    for (const user of users) {
      const seen = this.users.get(user.employeeId);
      if (seen) for (const d of user.departmentIds) seen.departmentIds.add(d);
      else this.users.set(user.employeeId, { user, departmentIds: new Set(user.departmentIds), page });
    }
    this.progress(page);
  }

  /** Reports progress after a page without users (a department list). */
  progress(page: number): void {
    this.onProgress?.({ page, rows: this.users.size });
  }

  /** The roster once every page is read. */
  finish(pages: number): Roster {
    const employees: RosterEmployee[] = [];
    const problems: RosterProblem[] = [];
    for (const { user, departmentIds, page } of this.users.values()) {
      const origin = { page };
      const employeeId = user.employeeId;
      if (!user.email) problems.push({ origin, reason: 'email.missing', detail: `the ${this.source} user has no email (a SAG account needs one)`, employeeId });
      else if (!isRosterEmail(user.email))
        problems.push({ origin, reason: 'email.invalid', detail: 'email is not a valid address of at most 64 characters', employeeId });
      else employees.push({ employeeId, name: user.name, email: user.email, location: locationOf(user, departmentIds), status: 'active', origin });
    }
    return { source: this.source, employees, problems, readAt: new Date().toISOString(), pages };
  }
}

function locationOf(user: ListedUser, departmentIds: Set<string>): Location {
  return { offices: [...user.offices], departmentIds: [...departmentIds] };
}
