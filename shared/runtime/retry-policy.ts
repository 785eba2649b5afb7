/**
 * The retry policy, as one pure function: a failed try of a message, its delivery bookkeeping, the configured
 * policy and the clock in; the next action out. No I/O, no clock and no randomness of its own, so every rule
 * below is tested by value (test/unit/retry-policy.test.ts).
 *
 * | failure | next action |
 * | --- | --- |
 * | `permanent` | dead letter, `attempts` = this attempt |
 * | `transient` | retry in the invocation (full-jitter backoff) while tries and time remain; then re-enqueue with `attempts + 1` after `base × 2^(attempt−1)` (±20%, capped); dead letter once `attempts` would pass `maxAttempts` |
 * | `throttled` | wait `retryAfterMs` in the invocation while tries and time remain; then re-enqueue after about `retryAfterMs` (≥ 1 s) with `throttled + 1`; `attempts` untouched, never a dead letter |
 * | `systemic` | re-enqueue after `retryAfterSeconds` (≥ 1 s) with `systemic + 1`; `attempts` untouched, never a dead letter (the queue's retention is the budget) |
 * | `defer` | re-enqueue after `deferDelaySeconds` (≥ 1 s) with `deferrals + 1`; dead letter once `maxDeferrals` is spent |
 *
 * Every delay is multiplied by `delayScale` (tests and the local stack shrink them) and kept within MNS's limit.
 */
import type { RetryPolicy } from '../config.js';
import type { Delivery } from '../events.js';
import { MNS_MAX_DELAY_SECONDS } from '../limits.js';
import type { Failure } from './failure.js';

/** Re-enqueue results, named for the log line and the batch summary. */
export type RequeueResult = 'retry-later' | 'deferred' | 'throttled' | 'paused';

export type NextAction =
  | { kind: 'retry-inline'; waitMs: number }
  | { kind: 'requeue'; result: RequeueResult; delaySeconds: number; delivery: Delivery }
  | { kind: 'dead-letter'; retryable: boolean; attempts: number; delivery: Delivery };

export interface PolicyInput {
  failure: Failure;
  /** The bookkeeping the message arrived with. */
  delivery: Delivery;
  policy: RetryPolicy;
  /** Epoch milliseconds. */
  now: number;
  /** The in-invocation try that just failed, 1-based. */
  tryNo: number;
  /** The invocation's soft deadline, epoch milliseconds: no wait may end after it. */
  deadline: number;
  /** A uniform draw in [0, 1), for jitter. */
  random: number;
}

/** Decides what happens to a message after a failed try. Pure. */
export function nextAction(input: PolicyInput): NextAction {
  const { failure, delivery, policy } = input;
  const attempt = delivery.attempts + 1;
  switch (failure.kind) {
    case 'permanent':
      return { kind: 'dead-letter', retryable: false, attempts: attempt, delivery: stamped(input, {}) };
    case 'defer':
      if (delivery.deferrals >= policy.maxDeferrals) return { kind: 'dead-letter', retryable: true, attempts: delivery.attempts, delivery: stamped(input, {}) };
      return requeue(input, 'deferred', seconds(policy.deferDelaySeconds * policy.delayScale), { deferrals: delivery.deferrals + 1 });
    case 'systemic':
      return requeue(input, 'paused', seconds((failure.retryAfterSeconds ?? policy.maxDelaySeconds) * policy.delayScale), {
        systemic: (delivery.systemic ?? 0) + 1,
      });
    case 'throttled':
      return throttled(input);
    case 'transient':
      return transient(input, attempt);
  }
}

function throttled(input: PolicyInput): NextAction {
  const { failure, delivery, policy, random } = input;
  const waitMs = (failure.retryAfterMs ?? 0) * policy.delayScale;
  const inline = waitMs * (0.5 + 0.5 * random);
  if (fitsInline(input, inline)) return { kind: 'retry-inline', waitMs: inline };
  return requeue(input, 'throttled', seconds((waitMs / 1000) * (0.8 + 0.4 * random)), { throttled: (delivery.throttled ?? 0) + 1 });
}

function transient(input: PolicyInput, attempt: number): NextAction {
  const { policy, tryNo, random } = input;
  const backoff = policy.inlineBaseDelayMs * policy.delayScale * 2 ** (tryNo - 1) * random;
  if (fitsInline(input, backoff)) return { kind: 'retry-inline', waitMs: backoff };
  if (attempt > policy.maxAttempts) return { kind: 'dead-letter', retryable: true, attempts: attempt, delivery: stamped(input, { attempts: attempt }) };
  const delay = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** (attempt - 1)) * (0.8 + 0.4 * random) * policy.delayScale;
  return requeue(input, 'retry-later', Math.min(MNS_MAX_DELAY_SECONDS, Math.round(delay)), { attempts: attempt });
}

/** Another try in this invocation: only while tries remain and the wait ends before the soft deadline. */
function fitsInline(input: PolicyInput, waitMs: number): boolean {
  return input.tryNo < input.policy.inlineAttempts && input.now + waitMs <= input.deadline;
}

function requeue(input: PolicyInput, result: RequeueResult, delaySeconds: number, counters: Partial<Delivery>): NextAction {
  return { kind: 'requeue', result, delaySeconds, delivery: stamped(input, counters) };
}

/** The delivery with updated counters and failure stamps (the first failure time is kept). */
function stamped(input: PolicyInput, counters: Partial<Delivery>): Delivery {
  const at = new Date(input.now).toISOString();
  return { ...input.delivery, ...counters, firstFailureAt: input.delivery.firstFailureAt ?? at, lastFailureAt: at, lastReason: input.failure.reason };
}

/**
 * A delay in whole seconds, at least 1 (MNS delays are whole seconds, and a dependency, a rate limit or a breaker
 * never clears in 0 s) and at most MNS's 7 days.
 */
function seconds(value: number): number {
  return Math.min(MNS_MAX_DELAY_SECONDS, Math.max(1, Math.round(value)));
}
