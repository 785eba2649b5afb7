/**
 * Turning a failed SAG call into the worker runtime's vocabulary: permanent codes become PermanentError (dead
 * letter at once, reason `sag.<Code>`), everything else TransientError (retry with backoff).
 */
import { PermanentError, SystemicError, ThrottledError, TransientError } from '../errors.js';
import { SagCallError, classifySagError } from './errors.js';

export function asWorkerError(err: unknown): PermanentError | TransientError {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const e = err instanceof SagCallError ? err : classifySagError(err);
  const details = { requestId: e.requestId, upstreamCode: e.sagCode };
  return e.kind === 'permanent'
    ? new PermanentError(e.reason, `${e.sagCode}: ${e.message}`, details, { cause: err })
    : new TransientError(e.reason, `${e.sagCode}: ${e.message}`, details, { cause: err });
}

/**
 * Runs a SAG call and returns the error classification instead of throwing it (for reconcile-or-fail flows).
 * ThrottledError and SystemicError (the client's flow control) are thrown on: they are about pacing and the
 * breaker, never about this message, and the runtime re-enqueues the message for them.
 */
export async function settle<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: SagCallError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof ThrottledError || err instanceof SystemicError) throw err;
    return { ok: false, error: classifySagError(err) };
  }
}
