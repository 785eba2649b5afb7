/** Formats of SAG client-user fields (https://www.alibabacloud.com/help/doc-detail/120685.html, CreateSmartAccessGatewayClientUser). */

/** UserName: 7–33 characters of `[A-Za-z0-9_@.-]`, starting with a letter or digit. */
export const USER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_@.-]{6,32}$/;

/** Password on Create: 8–32 characters of `[A-Za-z0-9_@-]`, starting with a letter or digit. */
export const CREATE_PASSWORD_RE = /^[A-Za-z0-9][A-Za-z0-9_@-]{7,31}$/;

/** Password on ResetSmartAccessGatewayClientUserPassword: 8–32 characters of `[A-Za-z0-9_@.-]`, letter/digit first. */
export const RESET_PASSWORD_RE = /^[A-Za-z0-9][A-Za-z0-9_@.-]{7,31}$/;

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** UserMail / Email: 2–64 characters, one `@` with something on both sides, no whitespace. */
export function isValidEmail(value: string): boolean {
  return value.length >= 2 && value.length <= 64 && EMAIL_RE.test(value);
}

/** A name given by the caller on Create. */
export function isValidUserName(value: string): boolean {
  return USER_NAME_RE.test(value);
}

/**
 * A name used to look a user up: a valid user name, or an email (accounts created without UserName are named after
 * their email, which may not fit the UserName format).
 */
export function isValidLookupName(value: string): boolean {
  return USER_NAME_RE.test(value) || isValidEmail(value);
}
