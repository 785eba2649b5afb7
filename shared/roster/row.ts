/**
 * One roster file row (a CSV record under its header, a JSON object) → a {@link RosterEmployee}, or the
 * {@link RosterProblem} that keeps it out. The same checks as the generic webhook's payload: an employee id of 1–256
 * characters, a name of at most 256, and for an active employee a valid email of at most 64 characters.
 *
 * Field names are matched ignoring case, blanks, `_` and `-` (`employee_id`, `Employee ID`, `employeeId` are one
 * field); unknown fields are ignored. `office` and `site` are both accepted (the directory resolves either);
 * `departmentIds` is a list (`;` or `|` separated in CSV, an array in JSON). `status` is `active` (the default when
 * empty) or `departed`, with the synonyms in {@link STATUS_WORDS}.
 */
import * as z from 'zod/mini';
import type { Location } from '../sites.js';
import type { RosterEmployee, RosterProblem } from './roster.js';

/** The roster file's fields. */
export const ROSTER_FIELDS = ['employeeId', 'name', 'email', 'office', 'site', 'departmentIds', 'status'] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];

const FIELD_BY_KEY: ReadonlyMap<string, RosterField> = new Map([
  ...ROSTER_FIELDS.map((f) => [fieldKey(f), f] as const),
  ['departmentid', 'departmentIds'],
  ['departments', 'departmentIds'],
  ['department', 'departmentIds'],
]);

/** Words accepted in `status` (case-insensitive), and what they mean. */
export const STATUS_WORDS: Readonly<Record<string, RosterEmployee['status']>> = Object.freeze({
  active: 'active',
  employed: 'active',
  current: 'active',
  在职: 'active',
  departed: 'departed',
  left: 'departed',
  resigned: 'departed',
  inactive: 'departed',
  terminated: 'departed',
  离职: 'departed',
});

function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

const fieldCache = new Map<string, RosterField | undefined>();

/** The roster field a column or JSON key names, or undefined (ignored). */
export function rosterField(name: string): RosterField | undefined {
  if (fieldCache.has(name)) return fieldCache.get(name);
  const field = FIELD_BY_KEY.get(fieldKey(name));
  if (fieldCache.size < 1_000) fieldCache.set(name, field);
  return field;
}

/** A row's values by field: strings from CSV; strings, numbers or arrays from JSON. */
export type RowValues = Partial<Record<RosterField, unknown>>;

const Email = z.lazy(() => z.email().check(z.maxLength(64)));

/** An email a SAG account can take (as the webhooks check it: a valid address of at most 64 characters). */
export const isRosterEmail = (email: string): boolean => Email.safeParse(email).success;

type Checked = { ok: true; employee: RosterEmployee } | { ok: false; problem: RosterProblem };

const fail = (line: number, reason: string, detail: string, employeeId?: string): Checked => ({
  ok: false,
  problem: { origin: { line }, reason, detail, ...(employeeId === undefined ? {} : { employeeId }) },
});

/** A scalar as a trimmed string ('' when absent); undefined when it is not a string or a number. */
function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Department ids from `a;b|c` or `["a", 1]`; undefined when malformed. */
function departmentIds(v: unknown): string[] | undefined {
  if (Array.isArray(v)) {
    const ids = v.map(text);
    return ids.some((id) => id === undefined) ? undefined : (ids as string[]).filter(Boolean);
  }
  const s = text(v);
  return s === undefined
    ? undefined
    : s
        .split(/[;|]/)
        .map((d) => d.trim())
        .filter(Boolean);
}

/** Checks the values of the row on `line`. */
export function checkRow(values: RowValues, line: number): Checked {
  const id = text(values.employeeId);
  if (id === undefined) return fail(line, 'field.invalid', 'employeeId must be a string or a number');
  if (id === '') return fail(line, 'field.missing', 'employeeId is empty');
  if (id.length > 256) return fail(line, 'field.invalid', 'employeeId is longer than 256 characters');
  const word = text(values.status);
  const status = word === '' ? 'active' : word === undefined ? undefined : STATUS_WORDS[word.toLowerCase()];
  if (!status) return fail(line, 'status.unknown', `status must be active or departed (or ${Object.keys(STATUS_WORDS).join(', ')})`, id);
  const located = location(values);
  if (typeof located === 'string') return fail(line, 'field.invalid', located, id);
  const name = text(values.name);
  if (name === undefined || name.length > 256) return fail(line, 'field.invalid', 'name must be text of at most 256 characters', id);
  const email = typeof values.email === 'number' ? undefined : text(values.email);
  if (email === undefined) return fail(line, 'field.invalid', 'email must be a string', id);
  const valid = email !== '' && isRosterEmail(email);
  if (status === 'active' && email === '') return fail(line, 'email.missing', 'an active employee needs an email (a SAG account is made for it)', id);
  if (status === 'active' && !valid) return fail(line, 'email.invalid', 'email is not a valid address of at most 64 characters', id);
  // A departed employee needs only the id (the ledger knows the account); an unusable email is left out.
  const employee: RosterEmployee = { employeeId: id, name, location: located, status, origin: { line } };
  if (valid) employee.email = email;
  return { ok: true, employee };
}

/** The row's location, or what is wrong with it. */
function location(values: RowValues): Location | string {
  const office = text(values.office);
  const site = text(values.site);
  const departments = departmentIds(values.departmentIds);
  if (office === undefined) return 'office must be a string';
  if (site === undefined) return 'site must be a string';
  if (departments === undefined) return 'departmentIds must be a list of strings';
  const out: Location = {};
  if (office) out.office = office;
  if (site) out.site = site;
  if (departments.length > 0) out.departmentIds = departments;
  return out;
}
