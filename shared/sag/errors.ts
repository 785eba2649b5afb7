/**
 * Classification of Smart Access Gateway API failures, in one place. pop-core surfaces failures in four shapes
 * (https://github.com/aliyun/openapi-core-nodejs-sdk, lib/rpc.js): an Error with `code` and `data.RequestId` (the API answered an error), a
 * `RequestTimeoutError`, a Node socket error (`ECONNRESET`, `ECONNREFUSED`, …), and a thrown non-Error
 * `{name:'SyntaxError'}` object when the body was not JSON (e.g. an HTML 502 from a load balancer).
 *
 * Each becomes a {@link SagCallError} of one kind:
 * - `permanent`: retrying cannot help (validation, quota, instance codes); dead-letter at once.
 * - `transient`: the call was refused before doing anything (throttling, 503 ServiceUnavailable, connection refused):
 *   retry with backoff.
 * - `unknown`: the call may or may not have been applied (timeout, reset connection, 5xx, non-JSON answer): reconcile
 *   against Describe before any retry, because the write APIs take no idempotency token.
 */
export type SagErrorKind = 'permanent' | 'transient' | 'unknown';

/** Codes that mean "nothing was done, try again later". */
const TRANSIENT_CODES = new Set([
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'Throttling.Tenant',
  'ServiceUnavailable',
  'SignatureNonceUsed',
  'InvalidTimeStamp.Expired',
  'InvalidSecurityToken.Expired',
]);

/** Codes after which the call's effect is unknown. */
const UNKNOWN_CODES = new Set(['InternalError', 'InnerServiceFailed', 'UnknownError']);

export class SagCallError extends Error {
  constructor(
    readonly kind: SagErrorKind,
    /** The SAG `Code`, or a synthetic one: `RequestTimeout`, `ECONNRESET`, `NonJsonResponse`. */
    readonly sagCode: string,
    message: string,
    readonly requestId?: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'SagCallError';
  }

  /** Stable dotted reason for logs and dead letters, e.g. `sag.ClientUser.UserOverLimit`, `sag.throttled`. */
  get reason(): string {
    if (this.sagCode.startsWith('Throttling')) return 'sag.throttled';
    if (this.kind === 'permanent') return `sag.${this.sagCode}`;
    if (this.sagCode === 'RequestTimeout') return 'sag.timeout';
    if (this.kind === 'unknown' && !UNKNOWN_CODES.has(this.sagCode)) return 'sag.connection';
    return `sag.${this.sagCode}`;
  }
}

interface PopError {
  name?: string;
  message?: string;
  code?: string;
  data?: { RequestId?: string; Code?: string; Message?: string };
  entry?: { response?: { statusCode?: number } };
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Maps whatever pop-core threw to a SagCallError. */
export function classifySagError(err: unknown): SagCallError {
  if (err instanceof SagCallError) return err;
  const e = (err ?? {}) as PopError;
  const status = e.entry?.response?.statusCode;
  const requestId = e.data?.RequestId;
  if (e.data && typeof e.data.Code === 'string') {
    const code = e.data.Code;
    const msg = e.data.Message ?? e.message ?? code;
    if (TRANSIENT_CODES.has(code) || code.startsWith('Throttling')) return new SagCallError('transient', code, msg, requestId, status);
    if (UNKNOWN_CODES.has(code) || (status !== undefined && status >= 500)) return new SagCallError('unknown', code, msg, requestId, status);
    return new SagCallError('permanent', code, msg, requestId, status);
  }
  if (e.name === 'RequestTimeoutError') return new SagCallError('unknown', 'RequestTimeout', e.message ?? 'request timed out');
  if (e.name === 'SyntaxError' && !(err instanceof Error)) return new SagCallError('unknown', 'NonJsonResponse', 'SAG answered a non-JSON body');
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return new SagCallError(REFUSED.has(e.code) ? 'transient' : 'unknown', e.code, e.message ?? e.code);
  }
  return new SagCallError('unknown', 'UnknownError', e.message ?? String(err));
}
