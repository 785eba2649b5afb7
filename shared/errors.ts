/**
 * The typed error hierarchy of hr-sag-sync. Every error the product raises on purpose is one of these, so that
 * the edges (webhook answer, worker outcome) map them in one place:
 *
 * - {@link InputError} and subclasses: a caller sent something we refuse. The webhook answers `status`, enqueues
 *   nothing, and never answers 5xx for these.
 * - {@link ConfigError}: the deployment's configuration is invalid (raised once, at cold start).
 * - {@link TransientError}: worth retrying (throttling, 5xx, timeouts, connection errors).
 * - {@link PermanentError}: retrying cannot help; the message goes to the dead-letter queue with `reason`.
 */
export abstract class HrSagSyncError extends Error {
  override readonly name: string = 'HrSagSyncError';
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A request we refuse; `status` is the HTTP status the webhook answers. */
export class InputError extends HrSagSyncError {
  override readonly name: string = 'InputError';
  readonly code: string = 'input.invalid';
  readonly status: number = 400;
}

/** Signature missing, wrong, or outside its replay window (401). The message is a short reason, returned to the caller: it names the failed check, never a secret or an expected value. */
export class SignatureError extends InputError {
  override readonly name: string = 'SignatureError';
  override readonly code = 'signature.invalid';
  override readonly status = 401;
}

/** Ciphertext that cannot be decrypted or does not belong to us (bad padding, truncated, wrong receive id). */
export class DecryptError extends InputError {
  override readonly name: string = 'DecryptError';
  override readonly code = 'payload.undecryptable';
  override readonly status = 400;
}

/** Body over the accepted size (413). */
export class PayloadTooLargeError extends InputError {
  override readonly name: string = 'PayloadTooLargeError';
  override readonly code = 'payload.too-large';
  override readonly status = 413;
}

/** Body that is not the media type the source speaks, e.g. not JSON (415). */
export class UnsupportedMediaTypeError extends InputError {
  override readonly name: string = 'UnsupportedMediaTypeError';
  override readonly code = 'payload.unsupported-media-type';
  override readonly status = 415;
}

/** HTTP method not accepted on this path (405). */
export class MethodNotAllowedError extends InputError {
  override readonly name: string = 'MethodNotAllowedError';
  override readonly code = 'method.not-allowed';
  override readonly status = 405;
  constructor(
    message: string,
    readonly allow: string[],
  ) {
    super(message);
  }
}

/** Unknown or disabled webhook source (404). */
export class NotFoundError extends InputError {
  override readonly name: string = 'NotFoundError';
  override readonly code = 'route.not-found';
  override readonly status = 404;
}

/** One field-level problem, as listed in a 400 problem document. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Payload that parsed but failed schema validation (400, with every field issue). */
export class ValidationError extends InputError {
  override readonly name: string = 'ValidationError';
  override readonly code = 'payload.invalid';
  override readonly status = 400;
  constructor(
    message: string,
    readonly issues: FieldIssue[],
  ) {
    super(message);
  }
}

/** Invalid deployment configuration; the message names the bad field. */
export class ConfigError extends HrSagSyncError {
  override readonly name: string = 'ConfigError';
  readonly code = 'config.invalid';
}

/** A processing failure with a stable dotted `reason` (e.g. `sag.throttled`) and upstream details. */
export abstract class ProcessingError extends HrSagSyncError {
  override readonly name: string = 'ProcessingError';
  readonly code: string;
  constructor(
    readonly reason: string,
    message: string,
    readonly details: { requestId?: string; upstreamCode?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = reason;
  }
}

/** A failure worth retrying. */
export class TransientError extends ProcessingError {
  override readonly name: string = 'TransientError';
}

/** A failure retrying cannot fix; the message is dead-lettered with `reason`. */
export class PermanentError extends ProcessingError {
  override readonly name: string = 'PermanentError';
}

/**
 * A call refused for rate (throttling) after the caller already waited as long as the invocation allows. It is
 * pacing, not failure: the runtime re-enqueues the message after about `retryAfterMs`, and it never counts
 * against the retry budget nor leads to a dead letter on its own.
 */
export class ThrottledError extends TransientError {
  override readonly name: string = 'ThrottledError';
  constructor(
    reason: string,
    message: string,
    readonly retryAfterMs: number,
    details: { requestId?: string; upstreamCode?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(reason, message, details, options);
  }
}

/**
 * A failure that hits every call in a scope, not this message: credentials revoked or expired, a permission
 * lost, an instance the directory names deleted. The breaker for `scope` (e.g. `sag:account`,
 * `sag:instance:sag-xxx`, `mns:account`) is open; the runtime re-enqueues the message after
 * `retryAfterSeconds` with its retry budget untouched (the queue's retention is the budget).
 */
export class SystemicError extends TransientError {
  override readonly name: string = 'SystemicError';
  constructor(
    reason: string,
    message: string,
    readonly scope: string,
    readonly retryAfterSeconds: number,
    details: { requestId?: string; upstreamCode?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(reason, message, details, options);
  }
}
