/**
 * The SAG user-name policy, shared by the join (which creates the account) and the transfer (which must name the
 * same account on the origin instance):
 * - `email`: UserName and Password are omitted on create; SAG then uses the email as the user name and mails
 *   generated credentials. The user name is the email.
 * - `employee-id`: UserName = `u` + the employee id with characters outside `[A-Za-z0-9_@.-]` replaced by `-`,
 *   padded to SAG's 7-character minimum and cut at 33; a random password is generated for create.
 */
import { randomBytes } from 'node:crypto';
import type { Employee } from './events.js';
import type { UserNamePolicy } from './sites.js';

export function userNameFor(policy: UserNamePolicy, employee: Pick<Employee, 'id' | 'email'>): string {
  if (policy === 'email') return employee.email;
  const base = `u${employee.id.replace(/[^A-Za-z0-9_@.-]/g, '-')}`;
  return base.padEnd(7, '0').slice(0, 33);
}

/** Create-call credentials for a policy: none for `email`, a name and a fresh random password otherwise. */
export function createCredentialsFor(policy: UserNamePolicy, employee: Pick<Employee, 'id' | 'email'>): { userName?: string; password?: string } {
  if (policy === 'email') return {};
  // 20 chars from [A-Za-z0-9], starting with a letter: inside SAG's 8–32 [A-Za-z0-9_@-] rule.
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  let pw = 'P';
  for (let i = 1; i < 20; i++) pw += alphabet[(bytes[i] as number) % alphabet.length];
  return { userName: userNameFor(policy, employee), password: pw };
}
