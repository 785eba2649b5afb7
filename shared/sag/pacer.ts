/**
 * Adaptive pacing for an API whose rate limit is not published (the SAG account's limit lives in Quota Center and
 * is not documented per API). One {@link Pacer} is shared by every call of one function instance. It is:
 *
 * - a token bucket without burst (calls start one every 1/rate seconds, so a server counting calls per sliding
 *   second never sees a burst above the rate), whose rate follows CUBIC, as in the AWS SDKs' "adaptive" retry mode
 *   (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html, implementation:
 *   https://github.com/boto/botocore/blob/develop/botocore/retries/cubic.py; RFC 9438): each throttling answer
 *   cuts the rate to `beta` (0.9) × the rate in use (Wmax), and successes grow it back along `c·Wmax·(t−K)³ + Wmax`,
 *   slowly near the last rate that was throttled and faster beyond it. Unlike the SDKs, the cubic term scales with
 *   Wmax, so the time back to Wmax (K = ∛((1−beta)/c), 1.7 s with the defaults) is the same at 2 calls/s and at 50;
 * - slow start, as TCP: until the first throttling answer the rate starts at `initialRate` and doubles every half second
 *   (an unpaced first burst would fill the server's window at once and make every instance cut repeatedly);
 * - one cut per congestion event, as TCP does: a throttling answer to a call sent before the last cut is not a new
 *   signal (it was already counted), so a burst of throttled answers does not collapse the rate;
 * - a cut only when throttling is more than occasional (over `throttleShare`, 25%, of recent answers, a moving
 *   average): a server counting calls in a sliding window refuses the odd call of senders whose rates add up to
 *   just under the limit, and throttling that does not depend on the rate (15% of calls in the chaos test) would
 *   otherwise cut the rate again and again down to `minRate`;
 * - latency as a secondary signal: while the smoothed latency is well above the lowest seen, the rate does not grow;
 * - self-clocked against a server that counts calls per second: a call that succeeded at t holds one of the
 *   server's slots until t + 1 s; a waiting call may start just then (reclaimAt below), before its
 *   regular token, instead of leaving the freed slot to whoever comes next. Without it, two instances near a 5/s
 *   limit kept 87–89% of it (a freed slot waited ~100 ms on average for the next call); with it, 96–97%. It still
 *   takes a regular token, so the long-run rate stays the fill rate (a burst of at most RECLAIM_AHEAD tokens). If
 *   the server refills a token bucket instead of counting a window (how SAG counts is not published), the early
 *   starts are an occasional small burst that the throttling feedback above absorbs;
 * - a concurrency cap that follows the rate (about rate × latency, Little's law), so a batch does not put many calls
 *   in flight behind one token;
 * - deadline-aware: a call whose turn would come after the caller's deadline is refused at once with the expected
 *   wait ({@link PacingDeferred}), instead of queueing past the time the invocation has.
 *
 * Several instances pacing independently against one account-wide limit converge like TCP flows sharing a link
 * (AIMD); bench/flow.ts measures how close they get.
 */

/** A call may not start before the caller's deadline; `retryAfterMs` is when it could. */
export class PacingDeferred extends Error {
  override readonly name = 'PacingDeferred';
  constructor(readonly retryAfterMs: number) {
    super(`no pacing slot before the deadline (next in ${Math.round(retryAfterMs)} ms)`);
  }
}

export interface PacerOptions {
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
  /** Optional upper bound in calls per second (`SAG_MAX_CALLS_PER_SECOND`); 0 = none. */
  ceiling?: number;
  /** Lowest rate a cut can reach, calls per second. */
  minRate?: number;
  /**
   * Multiplicative decrease on throttling: 0.9 (AWS and RFC 9438 use 0.7; the cut here only comes once throttling
   * is frequent, and a smaller cut keeps the average nearer the limit).
   */
  beta?: number;
  /** Cubic growth per s³ as a share of Wmax. */
  cubicC?: number;
  /** Slow start's first rate, calls/s. */
  initialRate?: number;
  /** Share of recent answers that may be throttled before the rate is cut (a moving average). */
  throttleShare?: number;
  /** Upper bound of the concurrency cap. */
  maxConcurrency?: number;
}

/** What the caller reports when its call ends. */
export type CallResult = 'ok' | 'throttled' | 'failed';

/** One admitted call: report how it ended exactly once. */
export interface PacedCall {
  sentAt: number;
  done(result: CallResult, retryAfterMs?: number): void;
}

const DEFAULTS = { minRate: 0.5, beta: 0.9, cubicC: 0.02, initialRate: 10, throttleShare: 0.25, maxConcurrency: 32 };
/** Weight of one answer in the moving share of throttled answers. */
const SHARE_ALPHA = 0.05;
/** Slow start doubles the rate this often. */
const SLOW_START_DOUBLING_MS = 500;
/** Send times kept for the measured rate. */
const MEASURE_WINDOW_MS = 2_000;
const MIN_MEASURE_SPAN_MS = 250;
/** Smoothing of the latency average. */
const LATENCY_ALPHA = 0.2;
/** Growth pauses while the latency average exceeds this multiple of the lowest latency (plus a fixed margin). */
const LATENCY_CONGESTED_FACTOR = 3;
const LATENCY_MARGIN_MS = 50;
/** The server's counting window assumed by the self-clocking (a limit "per second"). */
const SERVER_WINDOW_MS = 1_000;
/** Sent this long after the slot frees: the two calls' transit times differ a little. */
const RECLAIM_MARGIN_MS = 15;
/** An early start may run the pacer at most this many tokens ahead of its rate. */
const RECLAIM_AHEAD = 4;

export class Pacer {
  private readonly now: () => number;
  private readonly o: typeof DEFAULTS & { ceiling: number };
  /** Current fill rate in calls/s. */
  private fill: number;
  /** Slow start until the first throttling answer. */
  private slowStart = true;
  private lastMax = 0;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  private nextSlot = 0;
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly sends: number[] = [];
  /** Send times of this instance's calls that succeeded within the server's last window (oldest first). */
  private readonly accepted: number[] = [];
  /** A server's Retry-After: no early start before this. */
  private notBefore = 0;
  private firstSendAt: number | undefined;
  private latencyMin = Number.POSITIVE_INFINITY;
  private latencyAvg = 0;
  /** Moving share of throttled answers. */
  private throttledShare = 0;

  constructor(options: PacerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.o = {
      minRate: options.minRate ?? DEFAULTS.minRate,
      beta: options.beta ?? DEFAULTS.beta,
      cubicC: options.cubicC ?? DEFAULTS.cubicC,
      initialRate: options.initialRate ?? DEFAULTS.initialRate,
      throttleShare: options.throttleShare ?? DEFAULTS.throttleShare,
      maxConcurrency: options.maxConcurrency ?? DEFAULTS.maxConcurrency,
      ceiling: options.ceiling && options.ceiling > 0 ? options.ceiling : 0,
    };
    this.fill = this.bound(this.o.initialRate);
  }

  /** The current rate in calls/s. */
  get rate(): number {
    return this.fill;
  }

  /** How many calls may be in flight at once. */
  get concurrency(): number {
    const latencyS = Number.isFinite(this.latencyMin) ? this.latencyMin / 1000 : 0.1;
    return Math.min(this.o.maxConcurrency, Math.max(2, Math.ceil(this.fill * latencyS * 2) + 1));
  }

  /**
   * Waits for a concurrency slot and a token, then returns the admitted call. Throws {@link PacingDeferred} when
   * the call could not start before `deadline` (epoch ms).
   */
  async acquire(deadline: number): Promise<PacedCall> {
    await this.enter(deadline);
    try {
      await this.takeToken(deadline);
    } catch (err) {
      this.leave();
      throw err;
    }
    const sentAt = this.now();
    this.recordSend(sentAt);
    let finished = false;
    return {
      sentAt,
      done: (result, retryAfterMs) => {
        if (finished) return;
        finished = true;
        this.leave();
        this.feedback(result, sentAt, retryAfterMs);
      },
    };
  }

  /** Expected wait before a new call could start (for a re-enqueue delay). */
  expectedWaitMs(): number {
    const interval = 1000 / this.fill;
    return Math.max(0, this.nextSlot - this.now()) + interval * this.waiters.length;
  }

  private async enter(deadline: number): Promise<void> {
    while (this.inFlight >= this.concurrency) {
      const left = deadline - this.now();
      if (left <= 0) throw new PacingDeferred(this.expectedWaitMs() + 1000 / this.fill);
      let wake!: () => void;
      const woken = new Promise<void>((r) => (wake = r));
      this.waiters.push(wake);
      const timer = setTimeout(wake, left);
      await woken;
      clearTimeout(timer);
      const i = this.waiters.indexOf(wake);
      if (i >= 0) this.waiters.splice(i, 1);
    }
    this.inFlight++;
  }

  private leave(): void {
    this.inFlight--;
    this.waiters.shift()?.();
  }

  /** The call's start: its regular token, or earlier when one of this instance's slots frees before (reclaimAt). */
  private async takeToken(deadline: number): Promise<void> {
    const now = this.now();
    const interval = 1000 / this.fill;
    const regular = Math.max(now, this.nextSlot);
    const early = regular - now <= interval * RECLAIM_AHEAD ? this.reclaimAt(now, regular) : undefined;
    const at = early ?? regular;
    if (at > deadline) throw new PacingDeferred(at - now);
    this.nextSlot = regular + interval;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  /**
   * When the oldest of this instance's successful calls of the last second leaves the server's one-second window
   * (plus a margin), if that is before `before`; that slot is then taken (each is used once).
   */
  private reclaimAt(now: number, before: number): number | undefined {
    this.forgetAccepted(now);
    const oldest = this.accepted[0];
    if (oldest === undefined) return undefined;
    const frees = oldest + SERVER_WINDOW_MS + RECLAIM_MARGIN_MS;
    if (frees >= before || frees < this.notBefore) return undefined;
    this.accepted.shift();
    return frees;
  }

  /** A successful call holds a server slot for a window: kept in send order. */
  private rememberAccepted(now: number, sentAt: number): void {
    this.forgetAccepted(now);
    let i = this.accepted.length;
    while (i > 0 && (this.accepted[i - 1] as number) > sentAt) i--;
    this.accepted.splice(i, 0, sentAt);
  }

  /** Drops successful calls whose slot freed before `now` (a caller that was not waiting then cannot use it). */
  private forgetAccepted(now: number): void {
    while (this.accepted.length > 0 && (this.accepted[0] as number) + SERVER_WINDOW_MS + RECLAIM_MARGIN_MS < now) this.accepted.shift();
  }

  private recordSend(at: number): void {
    this.firstSendAt ??= at;
    this.sends.push(at);
    while (this.sends.length > 0 && (this.sends[0] as number) <= at - MEASURE_WINDOW_MS) this.sends.shift();
  }

  /** Calls sent per second over the measuring window (or since the first call, if that is shorter). */
  private measuredRate(): number {
    const now = this.now();
    while (this.sends.length > 0 && (this.sends[0] as number) <= now - MEASURE_WINDOW_MS) this.sends.shift();
    const spanMs = Math.max(MIN_MEASURE_SPAN_MS, Math.min(MEASURE_WINDOW_MS, now - (this.firstSendAt ?? now)));
    return this.sends.length / (spanMs / 1000);
  }

  private feedback(result: CallResult, sentAt: number, retryAfterMs?: number): void {
    const now = this.now();
    if (result === 'failed') return;
    this.throttledShare += SHARE_ALPHA * ((result === 'throttled' ? 1 : 0) - this.throttledShare);
    if (result === 'throttled') {
      if (retryAfterMs && retryAfterMs > 0) {
        this.nextSlot = Math.max(this.nextSlot, now + retryAfterMs);
        this.notBefore = Math.max(this.notBefore, now + retryAfterMs);
      }
      if (sentAt > this.lastCutAt && (this.slowStart || this.throttledShare > this.o.throttleShare)) this.cut(now);
      return;
    }
    this.rememberAccepted(now, sentAt);
    this.observeLatency(now - sentAt);
    this.grow(now);
  }

  /**
   * Multiplicative decrease, as the AWS SDKs: Wmax = the rate in use (the lower of the fill rate and the rate
   * measured), new rate = beta × Wmax.
   */
  private cut(now: number): void {
    this.slowStart = false;
    this.lastMax = Math.max(this.o.minRate, Math.min(this.fill, this.measuredRate()));
    this.lastCutAt = now;
    this.fill = this.bound(this.lastMax * this.o.beta);
  }

  /** Slow start or CUBIC growth; at most twice the measured rate, not while latency says congested. */
  private grow(now: number): void {
    let next: number;
    if (this.slowStart) {
      next = this.o.initialRate * 2 ** ((now - (this.firstSendAt ?? now)) / SLOW_START_DOUBLING_MS);
    } else {
      const t = (now - this.lastCutAt) / 1000;
      const k = Math.cbrt((1 - this.o.beta) / this.o.cubicC);
      next = this.lastMax * (1 + this.o.cubicC * (t - k) ** 3);
    }
    next = Math.min(next, 2 * Math.max(this.measuredRate(), this.o.minRate));
    if (this.congested()) next = Math.min(next, this.fill);
    this.fill = this.bound(Math.max(next, this.o.minRate));
  }

  private observeLatency(ms: number): void {
    this.latencyMin = Math.min(this.latencyMin, ms);
    this.latencyAvg = this.latencyAvg === 0 ? ms : this.latencyAvg + LATENCY_ALPHA * (ms - this.latencyAvg);
  }

  private congested(): boolean {
    return Number.isFinite(this.latencyMin) && this.latencyAvg > this.latencyMin * LATENCY_CONGESTED_FACTOR + LATENCY_MARGIN_MS;
  }

  private bound(rate: number): number {
    const r = Math.max(this.o.minRate, rate);
    return this.o.ceiling ? Math.min(this.o.ceiling, r) : r;
  }
}
