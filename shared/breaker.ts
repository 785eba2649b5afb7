/**
 * A circuit breaker for systemic failures: causes that hit every call in a scope rather than one message (the
 * AccessKey disabled, the role's permission removed, an instance the directory names deleted). Modelled on
 * Microsoft Entra provisioning's quarantine (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-quarantine-status):
 * instead of failing each object, the job backs off as a whole and tries again at growing intervals.
 *
 * - A scope is a string: `sag:account`, `sag:instance:<id>`, `mns:account`, … A call may name several (the
 *   account and its instance); it is refused if any of them is open.
 * - {@link Breaker.trip} opens a scope (or, if it is already open, pushes its next probe further out): the waits
 *   are `baseSeconds`, 2×, 4×, … up to `maxSeconds`, all multiplied by `scale` (RETRY_DELAY_SCALE on the local stack).
 * - While open, {@link Breaker.admit} refuses calls with a {@link SystemicError} (the caller's message is re-enqueued
 *   with `retryAfterSeconds`, its retry budget untouched), except one probe call once the wait has passed.
 *   `retryAfterSeconds` is the current wait before `scale` (the runtime applies RETRY_DELAY_SCALE to every delay).
 * - {@link Breaker.succeeded} closes the scopes of a call that went through.
 * - It logs one error line per cause and scope per minute, naming the cause and the fix, and one line when a scope
 *   closes.
 */
import { SystemicError } from './errors.js';
import type { Logger } from './logger.js';

/** Why a scope is open, for the log line and the re-enqueued message's reason. */
export interface SystemicCause {
  /** Stable dotted reason, e.g. `sag.InvalidAccessKeyId.NotFound`. */
  reason: string;
  /** What happened, e.g. `InvalidAccessKeyId.NotFound: Specified access key is not found.` */
  message: string;
  /** What the operator should do. */
  fix: string;
  requestId?: string;
  /** The upstream service's code, e.g. `InvalidAccessKeyId.NotFound`. */
  upstreamCode?: string;
}

export interface BreakerOptions {
  log: Logger;
  now?: () => number;
  /** First wait before a probe, in seconds (before `scale`). */
  baseSeconds?: number;
  /** Longest wait between probes, in seconds (before `scale`). */
  maxSeconds?: number;
  /** Multiplies every wait (RETRY_DELAY_SCALE). */
  scale?: number;
  /** Shortest interval between two error lines for one cause and scope, in ms. */
  logIntervalMs?: number;
}

interface OpenScope {
  cause: SystemicCause;
  openedAt: number;
  trips: number;
  waitMs: number;
  nextProbeAt: number;
  probing: boolean;
  lastLogAt: number;
  suppressed: number;
}

/** Admission of one call: `probe` tells whether it is the single call let through an open scope. */
export interface Admission {
  probe: boolean;
}

export const BREAKER_DEFAULTS = { baseSeconds: 60, maxSeconds: 3_600, logIntervalMs: 60_000 } as const;

export class Breaker {
  private readonly open = new Map<string, OpenScope>();
  private readonly now: () => number;
  private readonly base: number;
  private readonly max: number;
  private readonly logIntervalMs: number;
  private readonly scale: number;

  constructor(private readonly o: BreakerOptions) {
    this.now = o.now ?? Date.now;
    const scale = o.scale ?? 1;
    this.scale = scale;
    this.base = (o.baseSeconds ?? BREAKER_DEFAULTS.baseSeconds) * 1000 * scale;
    this.max = (o.maxSeconds ?? BREAKER_DEFAULTS.maxSeconds) * 1000 * scale;
    this.logIntervalMs = o.logIntervalMs ?? BREAKER_DEFAULTS.logIntervalMs;
  }

  /** True if `scope` is open. */
  isOpen(scope: string): boolean {
    return this.open.has(scope);
  }

  /**
   * Lets a call through, or throws SystemicError if one of `scopes` is open and this call is not its probe.
   * A probe is admitted for one open scope at a time; report its end with succeeded() or trip().
   */
  admit(scopes: readonly string[]): Admission {
    const now = this.now();
    let probe: OpenScope | undefined;
    for (const scope of scopes) {
      const s = this.open.get(scope);
      if (!s) continue;
      if (probe || s.probing || now < s.nextProbeAt) throw this.refusal(scope, s, now);
      probe = s;
    }
    if (probe) probe.probing = true;
    return { probe: probe !== undefined };
  }

  /** The call went through: every scope it named is closed. */
  succeeded(scopes: readonly string[]): void {
    for (const scope of scopes) {
      const s = this.open.get(scope);
      if (!s) continue;
      this.open.delete(scope);
      this.o.log.info('breaker closed', { scope, reason: s.cause.reason, openForSeconds: Math.round((this.now() - s.openedAt) / 1000) });
    }
  }

  /** The call ended without an answer about the scopes (e.g. a timeout): a probe may be sent again. */
  released(scopes: readonly string[]): void {
    for (const scope of scopes) {
      const s = this.open.get(scope);
      if (s) s.probing = false;
    }
  }

  /**
   * A systemic failure in `scope`: opens it; if it was open and the failed call was its probe, doubles the wait.
   * A call admitted before the scope opened (in flight at the time) changes nothing. Returns the error to throw.
   */
  trip(scope: string, cause: SystemicCause, admission: Admission = { probe: false }): SystemicError {
    const now = this.now();
    const prev = this.open.get(scope);
    if (prev && !(admission.probe && prev.probing)) return this.refusal(scope, prev, now);
    const waitMs = prev ? Math.min(this.max, prev.waitMs * 2) : Math.min(this.max, this.base);
    const s: OpenScope = {
      cause,
      openedAt: prev?.openedAt ?? now,
      trips: (prev?.trips ?? 0) + 1,
      waitMs,
      nextProbeAt: now + waitMs,
      probing: false,
      lastLogAt: prev && prev.cause.reason === cause.reason ? prev.lastLogAt : Number.NEGATIVE_INFINITY,
      suppressed: prev?.suppressed ?? 0,
    };
    this.open.set(scope, s);
    return this.refusal(scope, s, now);
  }

  /** The error for a refused call; logs the cause at most once per log interval. */
  private refusal(scope: string, s: OpenScope, now: number): SystemicError {
    if (now - s.lastLogAt >= this.logIntervalMs) {
      this.o.log.error('breaker open', {
        scope,
        reason: s.cause.reason,
        cause: s.cause.message,
        fix: s.cause.fix,
        trips: s.trips,
        nextProbeInSeconds: Math.max(0, Math.round((s.nextProbeAt - now) / 1000)),
        refusedSinceLastLine: s.suppressed,
        sagRequestId: s.cause.requestId,
      });
      s.lastLogAt = now;
      s.suppressed = 0;
    } else s.suppressed++;
    // Unscaled, like every delay the runtime receives: it applies RETRY_DELAY_SCALE itself.
    const waitSeconds = Math.max(s.nextProbeAt - now, s.waitMs) / 1000;
    const retryAfterSeconds = Math.max(1, Math.ceil(this.scale > 0 ? waitSeconds / this.scale : waitSeconds));
    return new SystemicError(s.cause.reason, `${scope} is paused: ${s.cause.message} (fix: ${s.cause.fix})`, scope, retryAfterSeconds, {
      requestId: s.cause.requestId,
      upstreamCode: s.cause.upstreamCode,
    });
  }
}
