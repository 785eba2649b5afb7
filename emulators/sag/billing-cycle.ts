/**
 * SAG client accounts are billed per calendar month in China Standard Time (Asia/Shanghai, UTC+8, no daylight
 * saving): an account that used traffic in the current month cannot be deleted until the next one
 * (https://www.alibabacloud.com/help/doc-detail/169255.htm).
 */

/** Asia/Shanghai's fixed offset from UTC. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The billing cycle containing `ms` (epoch milliseconds), as a month number: year × 12 + month (0-based). */
export function billingCycleOf(ms: number): number {
  const local = new Date(ms + SHANGHAI_OFFSET_MS);
  return local.getUTCFullYear() * 12 + local.getUTCMonth();
}

/** The start of the cycle after the one containing `ms`: midnight of the 1st of next month, Shanghai time. */
export function nextBillingCycleStart(ms: number): number {
  const cycle = billingCycleOf(ms) + 1;
  return Date.UTC(Math.floor(cycle / 12), cycle % 12, 1) - SHANGHAI_OFFSET_MS;
}

/** `2026-11` for the cycle containing `ms`. */
export function billingCycleLabel(ms: number): string {
  const cycle = billingCycleOf(ms);
  return `${Math.floor(cycle / 12)}-${String((cycle % 12) + 1).padStart(2, '0')}`;
}

/** How the billing clock is set: a fixed instant, an offset from the base clock, or neither (the base clock). */
export interface BillingClockSetting {
  /** Epoch ms the clock stands still at. */
  fixedAt?: number;
  /** Added to the base clock. */
  offsetMs?: number;
}

/** The emulator's billing-cycle clock: the base clock unless fixed or offset (admin API, tests). */
export class BillingClock {
  private setting: BillingClockSetting = {};

  constructor(private readonly base: () => number) {}

  /** Now, on this clock. */
  readonly now = (): number => this.setting.fixedAt ?? this.base() + (this.setting.offsetMs ?? 0);

  /** Replaces the setting (`{}` = back to the base clock). */
  set(setting: BillingClockSetting): void {
    this.setting = { ...setting };
  }

  /** `{now, cycle, nextCycleStart, fixedAt?, offsetMs?}` for the admin API. */
  describe(): Record<string, unknown> {
    const now = this.now();
    return {
      now: new Date(now).toISOString(),
      cycle: billingCycleLabel(now),
      nextCycleStart: new Date(nextBillingCycleStart(now)).toISOString(),
      ...this.setting,
    };
  }
}
