/** One line of `doctor`: a named check, ✔ or ✘, what was found, and the fix when it failed. */

/** One check of `doctor --json`. */
export interface Check {
  name: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** What to do, when the check failed. */
  fix?: string;
}

export const pass = (name: string, detail: string): Check => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): Check => ({ name, ok: false, detail, fix });
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const CREDENTIALS_FIX =
  'check ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (or --profile) and that the RAM policy deploy/ram/operator-readonly-policy.json is attached';
/** Codes of a refused credential or permission, across the POP gateway, Tablestore and Function Compute. */
export const AUTH_CODE = /^(InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden|InvalidSecurityToken|AccessDenied|OTSAuthFailed|OTSNoPermissionAccess)/;
