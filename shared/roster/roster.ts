/**
 * A roster: the HR system's list of employees, read in full by a reconcile or a backfill. Every roster reader
 * (Feishu, DingTalk, WeCom, a file) returns this shape; the reconcile plan (shared/reconcile/) consumes it and never
 * knows the source.
 *
 * A reader reads to the end or not at all: a failure on any page throws {@link RosterReadError} naming the source
 * and the page, and nothing read so far is returned (a partial roster must never look like a company that shrank).
 * Rows that cannot be used (no email for an active employee, an invalid email, a duplicate employee id, broken
 * quoting) are reported in `problems`, each with its line or page, and left out of `employees`; the rest is used.
 */
import { HrSagSyncError } from '../errors.js';
import type { Location } from '../sites.js';

export const ROSTER_SOURCES = ['feishu', 'dingtalk', 'wecom', 'file'] as const;
export type RosterSource = (typeof ROSTER_SOURCES)[number];

/** One employee as the roster lists them. */
export interface RosterEmployee {
  /** The HR employee id (the id the webhooks carry for the same source). */
  employeeId: string;
  name: string;
  /** Required for an active employee (a SAG account needs one); optional for a departed one. */
  email?: string;
  /** Where they work, resolved by the site directory exactly as a webhook's location is. */
  location: Location;
  /** HR lists departed employees only in files; the APIs leave them out (an absent employee is departed too). */
  status: 'active' | 'departed';
  /** Where the row came from, for reports: the file's line number (1-based, header = 1) or the API page. */
  origin: { line: number } | { page: number };
}

/** A row left out of the roster, and why. */
export interface RosterProblem {
  origin: { line: number } | { page: number };
  /** e.g. `email.missing`, `email.invalid`, `employee-id.duplicate`, `row.unparsable`, `field.missing`. */
  reason: string;
  /** A short, safe description (no email address in full). */
  detail: string;
  employeeId?: string;
}

export interface Roster {
  source: RosterSource;
  employees: RosterEmployee[];
  problems: RosterProblem[];
  /** When the read finished (ISO 8601). */
  readAt: string;
  /** Pages (API) or lines (file) read, for progress and reports. */
  pages: number;
}

/** Progress of a read, reported after each page or each 1,000 file rows. */
export interface RosterProgress {
  page: number;
  rows: number;
}

export interface RosterReader {
  readonly source: RosterSource;
  read(onProgress?: (p: RosterProgress) => void): Promise<Roster>;
}

/** A roster that could not be read to the end: nothing of it is used. */
export class RosterReadError extends HrSagSyncError {
  override readonly name = 'RosterReadError';
  readonly code = 'roster.unreadable';
  constructor(
    readonly source: RosterSource,
    /** The API page (1-based) or file line where the read failed. */
    readonly page: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${source} roster: ${message} (page ${page}); nothing was applied`, options);
  }
}
