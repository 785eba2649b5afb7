/**
 * Turning a failed SAG call into the worker runtime's vocabulary:
 *
 * | the call failed with | becomes |
 * | --- | --- |
 * | a permanent code | PermanentError `sag.<Code>` (dead letter at once) |
 * | a `Throttling*` code | ThrottledError `sag.throttled`, `retryAfterMs` {@link THROTTLED_RETRY_AFTER_MS} (pacing, never a dead letter) |
 * | anything else | TransientError (retry with backoff) |
 * | an error the client already typed (ThrottledError, SystemicError, …) | itself, untouched |
 */
import { PermanentError, ProcessingError, ThrottledError, TransientError } from '../errors.js';
import { SagCallError, classifySagError } from './errors.js';

/**
 * The wait assumed after a throttling answer that says nothing about how long to wait (pop-core exposes no
 * Retry-After): a second, the span of a per-second rate limit.
 */
export const THROTTLED_RETRY_AFTER_MS = 1_000;

export function asWorkerError(err: unknown): PermanentError | TransientError {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const e = err instanceof SagCallError ? err : classifySagError(err);
  const details = { requestId: e.requestId, upstreamCode: e.sagCode };
  const message = `${e.sagCode}: ${e.message}`;
  if (e.kind === 'permanent') return new PermanentError(e.reason, message, details, { cause: err });
  if (e.sagCode.startsWith('Throttling')) return new ThrottledError(e.reason, message, THROTTLED_RETRY_AFTER_MS, details, { cause: err });
  return new TransientError(e.reason, message, details, { cause: err });
}

/**
 * Runs a SAG call and returns the error classification instead of throwing it (for reconcile-or-fail flows).
 * Errors the client already typed (a ThrottledError when pacing outlasts the invocation, a SystemicError when a
 * breaker is open) are not outcomes of this call to reconcile: they are thrown on, untouched, to the runtime.
 */
export async function settle<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: SagCallError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof ProcessingError) throw err;
    return { ok: false, error: classifySagError(err) };
  }
}
