/**
 * A fixed-rate limiter for scripts/redrive.ts (the workers pace SAG calls adaptively: shared/sag/pacer.ts).
 * Spaces outgoing API calls evenly: at most `ratePerSecond` calls start per second, one every 1/rate seconds,
 * with no burst (a server counting calls per sliding second then never sees more than the rate).
 * `ratePerSecond <= 0` means unlimited.
 */
export class RateLimiter {
  private next = 0;
  private readonly interval: number;

  constructor(readonly ratePerSecond: number) {
    this.interval = ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
  }

  /** Resolves when the caller may start its call. */
  acquire(): Promise<void> {
    if (this.interval === 0) return Promise.resolve();
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + this.interval;
    const wait = at - now;
    return wait <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, wait));
  }
}
