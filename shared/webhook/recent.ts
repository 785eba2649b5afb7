/**
 * A bounded memory of recently seen keys with an expiry, per function instance. It catches replays and
 * duplicate deliveries that reach the same instance; across instances the workers' reconciliation makes
 * duplicates harmless anyway.
 */
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  has(key: string, nowMs: number): boolean {
    const exp = this.seen.get(key);
    if (exp === undefined) return false;
    if (exp <= nowMs) {
      this.seen.delete(key);
      return false;
    }
    return true;
  }

  add(key: string, nowMs: number): void {
    this.seen.delete(key);
    this.seen.set(key, nowMs + this.ttlMs);
    while (this.seen.size > this.max) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
  }
}
