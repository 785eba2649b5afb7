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
 * - `systemic`: the cause hits every call in a scope, not this message: authentication and authorization errors
 *   (scope: the account) and `SAG.InstanceNoFound` for an instance the site directory names (scope: that instance).
 *   The client opens its breaker (shared/breaker.ts) for the scope; see {@link SagCallError.systemicScope}.
 */
export type SagErrorKind = 'permanent' | 'transient' | 'unknown' | 'systemic';

/** Which scope a systemic error stops: every call of the account, or every call naming the instance. */
export type SystemicScope = 'account' | 'instance';

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

/**
 * Authentication and authorization codes of the POP gateway: no call of this account can succeed until the operator
 * acts. `InvalidSecurityToken.Expired` is not one of them (FC hands each invocation fresh STS credentials: it is
 * transient above).
 */
const ACCOUNT_CODES = /^(InvalidAccessKeyId(\..+)?|SignatureDoesNotMatch|Forbidden(\..+)?|NoPermission(\..+)?|InvalidSecurityToken\..+)$/;

/** Codes that stop one instance, when the instance is one the site directory names. */
const INSTANCE_CODES = new Set(['SAG.InstanceNoFound']);

/** What the operator should do about a systemic code (the breaker's log line names it). */
export function systemicFix(code: string): string {
  if (code.startsWith('InvalidAccessKeyId'))
    return 'the AccessKey is unknown or disabled: check the function role (FC passes its STS credentials) or the AccessKey configured for the function';
  if (code === 'SignatureDoesNotMatch') return 'the AccessKey secret does not match its id: re-enter the secret of the AccessKey the function uses';
  if (code.startsWith('InvalidSecurityToken')) return 'the STS token is rejected: check the function role and its trust policy';
  if (code.startsWith('Forbidden') || code.startsWith('NoPermission'))
    return "grant the function's role the smartag actions it calls (deploy/ram policy) and check the account's SAG service status";
  if (INSTANCE_CODES.has(code))
    return 'the site directory names an instance SAG does not have in that region: restore the instance or correct the directory (SITES_JSON) and redeploy';
  return 'see the cause';
}

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
    /** For kind `systemic`: what the cause stops. */
    readonly systemicScope?: SystemicScope,
    /** `x-acs-retry-after` of a throttling answer, in ms, when the gateway sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SagCallError';
  }

  /** A refusal for rate (a `Throttling*` code or HTTP 429): pacing, not failure. */
  get throttled(): boolean {
    return this.kind === 'transient' && (this.sagCode.startsWith('Throttling') || this.httpStatus === 429);
  }

  /** Stable dotted reason for logs and dead letters, e.g. `sag.ClientUser.UserOverLimit`, `sag.throttled`. */
  get reason(): string {
    if (this.throttled) return 'sag.throttled';
    if (this.kind === 'permanent' || this.kind === 'systemic') return `sag.${this.sagCode}`;
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
  entry?: { response?: { statusCode?: number; headers?: Record<string, string | string[] | undefined> } };
}

/** What the failed call was about: whether it named an instance the site directory names. */
export interface SagCallContext {
  namesKnownInstance?: boolean;
}

/** Longest `x-acs-retry-after` honoured, in ms. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * `x-acs-retry-after` in ms, or undefined. Whether the SAG gateway sends this header is not documented; its unit is
 * the official SDK core's: @alicloud/openapi-core's getThrottlingTimeLeft parses it and @darabonba/typescript's
 * retry policy waits that many milliseconds (capped at 120,000), so it is read as milliseconds here, bounded to a
 * minute. Absent or malformed, the pacer's own schedule applies, so either answer on whether it is sent works.
 */
function retryAfterOf(e: PopError): number | undefined {
  const raw = e.entry?.response?.headers?.['x-acs-retry-after'];
  const v = Number(Array.isArray(raw) ? raw[0] : raw);
  if (raw === undefined || !Number.isFinite(v) || v < 0) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, v);
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Maps whatever pop-core threw to a SagCallError. `SAG.InstanceNoFound` is systemic only when `context` says the
 * call named an instance of the site directory; otherwise it is permanent for the message.
 */
export function classifySagError(err: unknown, context: SagCallContext = {}): SagCallError {
  if (err instanceof SagCallError) return err;
  const e = (err ?? {}) as PopError;
  const status = e.entry?.response?.statusCode;
  const requestId = e.data?.RequestId;
  if (e.data && typeof e.data.Code === 'string') {
    const code = e.data.Code;
    const msg = e.data.Message ?? e.message ?? code;
    if (code.startsWith('Throttling') || status === 429) return new SagCallError('transient', code, msg, requestId, status, undefined, retryAfterOf(e));
    if (TRANSIENT_CODES.has(code)) return new SagCallError('transient', code, msg, requestId, status);
    if (ACCOUNT_CODES.test(code)) return new SagCallError('systemic', code, msg, requestId, status, 'account');
    if (INSTANCE_CODES.has(code) && context.namesKnownInstance) return new SagCallError('systemic', code, msg, requestId, status, 'instance');
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
