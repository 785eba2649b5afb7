/**
 * A failed try of one message, in the retry policy's vocabulary. Every thrown error and every `defer` outcome
 * becomes a {@link Failure} of one kind:
 *
 * | source | kind | what the policy does |
 * | --- | --- | --- |
 * | `PermanentError` (and any other typed `HrSagSyncError` that is not a `ProcessingError`) | `permanent` | dead letter at once |
 * | `ThrottledError` (SAG throttled longer than the caller could wait) | `throttled` | wait or re-enqueue after `retryAfterMs`; budget untouched |
 * | `SystemicError` (a breaker is open) | `systemic` | re-enqueue after `retryAfterSeconds`; budget untouched |
 * | `TransientError`, or an untyped error (a bug, an SDK surprise) | `transient` | in-invocation tries, then re-enqueue, then dead letter |
 * | a `defer` outcome (a dependency not there yet) | `defer` | re-enqueue within the deferral budget |
 */
import { HrSagSyncError, PermanentError, SystemicError, ThrottledError, TransientError } from '../errors.js';
import type { Outcome } from './worker-definition.js';

export type FailureKind = 'permanent' | 'transient' | 'throttled' | 'systemic' | 'defer';

export interface Failure {
  kind: FailureKind;
  reason: string;
  message: string;
  sagRequestId?: string;
  /** `throttled`: how long until a call may pass, in milliseconds. */
  retryAfterMs?: number;
  /** `systemic`: how long the breaker stays open, in seconds, and what it covers (e.g. `sag:account`). */
  retryAfterSeconds?: number;
  scope?: string;
}

/** Classifies what `handle` threw. The subclasses are tested before their parent TransientError. */
export function failureOf(err: unknown): Failure {
  if (err instanceof ThrottledError) return { kind: 'throttled', ...fields(err), retryAfterMs: err.retryAfterMs };
  if (err instanceof SystemicError) return { kind: 'systemic', ...fields(err), retryAfterSeconds: err.retryAfterSeconds, scope: err.scope };
  if (err instanceof TransientError) return { kind: 'transient', ...fields(err) };
  if (err instanceof PermanentError) return { kind: 'permanent', ...fields(err) };
  if (err instanceof HrSagSyncError) return { kind: 'permanent', reason: err.code, message: err.message };
  return { kind: 'transient', reason: 'worker.unexpected-error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

function fields(err: TransientError | PermanentError): Pick<Failure, 'reason' | 'message' | 'sagRequestId'> {
  return { reason: err.reason, message: err.message, sagRequestId: err.details.requestId };
}

/** A `defer` outcome as a failure of kind `defer`. */
export function deferralOf(outcome: Extract<Outcome, { status: 'defer' }>): Failure {
  return { kind: 'defer', reason: outcome.reason, message: outcome.message, sagRequestId: outcome.sagRequestId };
}
