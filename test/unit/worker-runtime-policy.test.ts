/**
 * The retry policy by value (a pure function), and the classification of thrown errors that feeds it, with the
 * real error classes.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { ConfigError, PermanentError, SystemicError, ThrottledError, TransientError } from '../../shared/errors.js';
import type { Delivery } from '../../shared/events.js';
import { MNS_MAX_DELAY_SECONDS } from '../../shared/limits.js';
import { deferralOf, failureOf, type Failure } from '../../shared/runtime/failure.js';
import { nextAction, type PolicyInput } from '../../shared/runtime/retry-policy.js';
import { SagCallError } from '../../shared/sag/errors.js';
import { asWorkerError, settle, THROTTLED_RETRY_AFTER_MS } from '../../shared/sag/outcome.js';
import { rejection } from '../helpers/rejection.js';

const policy = loadConfig({}).retry; // 3 inline tries, 200 ms, 8 attempts, 30 s … 3600 s, 10 deferrals of 30 s, scale 1
const NOW = Date.parse('2026-11-23T08:00:00Z');
const first: Delivery = { attempts: 0, deferrals: 0 };

const input = (failure: Failure, over: Partial<PolicyInput> = {}): PolicyInput => ({
  failure,
  delivery: first,
  policy,
  now: NOW,
  tryNo: 1,
  deadline: NOW + 36_000,
  random: 0.5,
  ...over,
});
const transient: Failure = { kind: 'transient', reason: 'sag.InternalError', message: 'boom' };
const throttled = (retryAfterMs: number): Failure => ({ kind: 'throttled', reason: 'sag.throttled', message: 'slow down', retryAfterMs });
const systemic: Failure = { kind: 'systemic', reason: 'sag.InvalidAccessKeyId.NotFound', message: 'key gone', retryAfterSeconds: 600, scope: 'sag:account' };

describe('failureOf', () => {
  it('classifies the real error classes, subclasses before TransientError', () => {
    expect(failureOf(new ThrottledError('sag.throttled', 'slow', 2500, { requestId: 'R1' }))).toMatchObject({
      kind: 'throttled',
      retryAfterMs: 2500,
      sagRequestId: 'R1',
    });
    expect(failureOf(new SystemicError('sag.NoPermission', 'denied', 'sag:account', 900))).toMatchObject({
      kind: 'systemic',
      retryAfterSeconds: 900,
      scope: 'sag:account',
    });
    expect(failureOf(new TransientError('sag.timeout', 't'))).toMatchObject({ kind: 'transient', reason: 'sag.timeout' });
    expect(failureOf(new PermanentError('sag.ClientUser.UserOverLimit', 'full'))).toMatchObject({ kind: 'permanent', reason: 'sag.ClientUser.UserOverLimit' });
    expect(failureOf(new ConfigError('bad'))).toMatchObject({ kind: 'permanent', reason: 'config.invalid' });
    expect(failureOf(new TypeError('oops'))).toMatchObject({ kind: 'transient', reason: 'worker.unexpected-error', message: 'TypeError: oops' });
    expect(deferralOf({ status: 'defer', reason: 'transfer.origin-user-missing', message: 'wait' })).toMatchObject({ kind: 'defer' });
  });
});

describe('nextAction', () => {
  it('dead-letters a permanent failure at once, not retryable, counting this attempt', () => {
    const a = nextAction(input({ kind: 'permanent', reason: 'sag.X', message: 'no' }, { delivery: { attempts: 2, deferrals: 1 } }));
    expect(a).toMatchObject({
      kind: 'dead-letter',
      retryable: false,
      attempts: 3,
      delivery: { lastReason: 'sag.X', firstFailureAt: new Date(NOW).toISOString() },
    });
  });

  it('retries a transient failure inline with a full-jitter backoff, while tries and time remain', () => {
    expect(nextAction(input(transient, { tryNo: 1, random: 0.5 }))).toEqual({ kind: 'retry-inline', waitMs: 100 });
    expect(nextAction(input(transient, { tryNo: 2, random: 0.5 }))).toEqual({ kind: 'retry-inline', waitMs: 200 });
    expect(nextAction(input(transient, { tryNo: 3 })).kind).toBe('requeue');
    expect(nextAction(input(transient, { tryNo: 1, deadline: NOW + 50 })).kind).toBe('requeue');
  });

  it('then re-enqueues with attempts + 1 and a doubling, capped delay; dead-letters as retryable past the budget', () => {
    const a = nextAction(input(transient, { tryNo: 3 }));
    expect(a).toMatchObject({
      kind: 'requeue',
      result: 'retry-later',
      delaySeconds: 30,
      delivery: { attempts: 1, deferrals: 0, lastReason: 'sag.InternalError' },
    });
    const b = nextAction(input(transient, { tryNo: 3, delivery: { attempts: 7, deferrals: 0 } }));
    expect(b).toMatchObject({ kind: 'requeue', delaySeconds: 3600, delivery: { attempts: 8 } });
    const c = nextAction(input(transient, { tryNo: 3, delivery: { attempts: 8, deferrals: 0, firstFailureAt: '2026-11-23T06:00:00.000Z' } }));
    expect(c).toMatchObject({ kind: 'dead-letter', retryable: true, attempts: 9, delivery: { firstFailureAt: '2026-11-23T06:00:00.000Z' } });
  });

  it('applies ±20% jitter and the delay scale to re-enqueue delays', () => {
    expect(nextAction(input(transient, { tryNo: 3, random: 0 }))).toMatchObject({ delaySeconds: 24 });
    expect(nextAction(input(transient, { tryNo: 3, random: 0.999 }))).toMatchObject({ delaySeconds: 36 });
    expect(nextAction(input(transient, { tryNo: 3, policy: { ...policy, delayScale: 0.1 } }))).toMatchObject({ delaySeconds: 3 });
  });

  it('defers within the deferral budget without touching attempts, then dead-letters as retryable', () => {
    const defer: Failure = { kind: 'defer', reason: 'transfer.origin-user-missing', message: 'wait' };
    expect(nextAction(input(defer, { delivery: { attempts: 1, deferrals: 3 } }))).toMatchObject({
      kind: 'requeue',
      result: 'deferred',
      delaySeconds: 30,
      delivery: { attempts: 1, deferrals: 4 },
    });
    expect(nextAction(input(defer, { policy: { ...policy, delayScale: 0.001 } }))).toMatchObject({ delaySeconds: 1 });
    expect(nextAction(input(defer, { delivery: { attempts: 1, deferrals: 10 } }))).toMatchObject({ kind: 'dead-letter', retryable: true, attempts: 1 });
  });

  it('waits out throttling inline when the wait fits, else re-enqueues near retryAfter without spending attempts', () => {
    expect(nextAction(input(throttled(1000), { random: 0.5 }))).toEqual({ kind: 'retry-inline', waitMs: 750 });
    const late = nextAction(input(throttled(90_000), { delivery: { attempts: 2, deferrals: 1, throttled: 4 } }));
    expect(late).toMatchObject({
      kind: 'requeue',
      result: 'throttled',
      delaySeconds: 90,
      delivery: { attempts: 2, deferrals: 1, throttled: 5, lastReason: 'sag.throttled' },
    });
    expect(nextAction(input(throttled(400), { tryNo: 3 }))).toMatchObject({ kind: 'requeue', delaySeconds: 1, delivery: { throttled: 1 } });
    expect(nextAction(input(throttled(60_000), { tryNo: 3, policy: { ...policy, delayScale: 0.1 } }))).toMatchObject({ delaySeconds: 6 });
  });

  it('never dead-letters for throttling, however many times, even past the attempt budget', () => {
    const worn: Delivery = { attempts: 99, deferrals: 99, throttled: 10_000 };
    for (const tryNo of [1, 2, 3]) expect(nextAction(input(throttled(5000), { tryNo, delivery: worn, deadline: NOW })).kind).toBe('requeue');
  });

  it('re-enqueues a systemic failure after the breaker wait, without spending attempts, and never dead-letters it', () => {
    const a = nextAction(input(systemic, { delivery: { attempts: 8, deferrals: 10, systemic: 2 } }));
    expect(a).toMatchObject({ kind: 'requeue', result: 'paused', delaySeconds: 600, delivery: { attempts: 8, deferrals: 10, systemic: 3 } });
    expect(nextAction(input({ ...systemic, retryAfterSeconds: 10 * MNS_MAX_DELAY_SECONDS }))).toMatchObject({ delaySeconds: MNS_MAX_DELAY_SECONDS });
    expect(nextAction(input(systemic, { policy: { ...policy, delayScale: 0.0001 } }))).toMatchObject({ delaySeconds: 1 });
  });
});

describe('SAG failures in the runtime vocabulary (sag/outcome.ts)', () => {
  it('turns a throttling answer into a ThrottledError, so that throttling never spends the retry budget', () => {
    const e = asWorkerError(new SagCallError('transient', 'Throttling.User', 'Request was denied due to user flow control.', 'RID-1', 429));
    expect(e).toBeInstanceOf(ThrottledError);
    expect(e).toMatchObject({ reason: 'sag.throttled', retryAfterMs: THROTTLED_RETRY_AFTER_MS, details: { requestId: 'RID-1' } });
    expect(asWorkerError(new SagCallError('transient', 'ServiceUnavailable', 'busy'))).not.toBeInstanceOf(ThrottledError);
    expect(asWorkerError(new SagCallError('permanent', 'ClientUser.UserOverLimit', 'full'))).toBeInstanceOf(PermanentError);
  });

  it('lets settle() throw on the errors the client already typed, and classify the rest', async () => {
    const throttled = new ThrottledError('sag.throttled', 'waited long enough', 4000);
    const systemic = new SystemicError('sag.NoPermission', 'role lost its permission', 'sag:account', 900);
    expect(await rejection(settle(() => Promise.reject(throttled)))).toBe(throttled);
    expect(await rejection(settle(() => Promise.reject(systemic)))).toBe(systemic);
    const raw = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    const settled = await settle(() => Promise.reject(raw));
    expect(settled.ok).toBe(false);
    expect(!settled.ok && settled.error).toBeInstanceOf(SagCallError);
    expect(!settled.ok && settled.error.kind).toBe('unknown');
  });
});
