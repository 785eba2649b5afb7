/**
 * What an MNS call's failure was, in one place. The official `@alicloud/mns` client signals a service error only
 * through the error's name, `"MNS" + Code + "Error"` (e.g. `MNSQueueNotExistError`), with no `code` property; its
 * HTTP layer throws `RequestTimeoutError` on a connect or read timeout, and Node socket errors (`ECONNRESET`, …)
 * pass through with their `code`. An error answer whose body is not XML does not throw at all: the client resolves
 * with its HTTP status, which the caller turns into `HTTP<status>` (mns/queue.ts).
 *
 * Codes and statuses: https://www.alibabacloud.com/help/ja/mns/error-codes and https://www.alibabacloud.com/help/en/mns/developer-reference/flow-limiting-policy
 */

/** The MNS error code of a service error (`QueueNotExist`, `MessageNotExist`, …), or undefined for anything else. */
export function mnsErrorCode(err: unknown): string | undefined {
  const name = (err as { name?: unknown } | null)?.name;
  if (typeof name !== 'string') return undefined;
  return /^MNS(.+)Error$/.exec(name)?.[1];
}

/** Codes after which the same request may succeed a moment later (server trouble, throttling, a stale Date). */
const TRANSIENT_CODES = new Set(['InternalError', 'InternalServerError', 'ServiceUnavailable', 'TooManyRequests', 'QpsLimitExceeded', 'TimeExpired']);

/** A short name for any MNS call failure, for messages and logs: the MNS code, `RequestTimeout`, a socket code. */
export function mnsFailureCode(err: unknown): string {
  const code = mnsErrorCode(err);
  if (code) return code;
  const e = (err ?? {}) as { name?: unknown; code?: unknown };
  if (e.name === 'RequestTimeoutError') return 'RequestTimeout';
  if (typeof e.code === 'string' && e.code) return e.code;
  return typeof e.name === 'string' && e.name ? e.name : 'Error';
}

/**
 * True when retrying the same call may succeed: a transient MNS code, an HTTP 429 or 5xx answer, a timeout or
 * a connection error. False for refusals about the request itself (QueueNotExist, InvalidArgument, AccessDenied,
 * SignatureDoesNotMatch, …), which the same call would get again.
 */
export function isTransientMnsFailure(code: string): boolean {
  if (TRANSIENT_CODES.has(code)) return true;
  const http = /^HTTP(\d{3})$/.exec(code);
  if (http) return Number(http[1]) === 429 || Number(http[1]) >= 500;
  return code === 'RequestTimeout' || /^E[A-Z_]+$/.test(code);
}
