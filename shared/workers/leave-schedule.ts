/**
 * When a leaver's disabled account may be deleted, and how the wait is scheduled.
 *
 * SAG bills client accounts per calendar month, and the console refuses to delete an account that carried traffic
 * in the current cycle; disabling at once and deleting in the next cycle is the documented path
 * (https://www.alibabacloud.com/help/en/smart-access-gateway/user-guide/manage-client-accounts). The cycle is
 * taken as the calendar month in Asia/Shanghai (UTC+8, no daylight saving): whether the service counts it in
 * the account's time zone is unverified, and a delete tried too early is refused and waits one more cycle, so
 * either answer converges.
 */
import { LEAVE_DELETE_HOP_MAX_SECONDS } from '../limits.js';

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The start of the calendar month after `disabledAt` (Asia/Shanghai) plus `graceDays`.
 * @example
 * ```ts
 * deleteDueAt(new Date('2026-11-30T15:59:59Z'), 0); // 2026-11-30T16:00:00Z (1 December, 00:00 in Shanghai)
 * ```
 */
export function deleteDueAt(disabledAt: Date, graceDays: number): Date {
  const local = new Date(disabledAt.getTime() + SHANGHAI_OFFSET_MS);
  const nextMonthLocal = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1);
  return new Date(nextMonthLocal - SHANGHAI_OFFSET_MS + graceDays * DAY_MS);
}

/** Seconds until the next hop towards `due` (at most {@link LEAVE_DELETE_HOP_MAX_SECONDS}, within the queue's retention); 0 when it is due. */
export function nextHopSeconds(now: Date, due: Date): number {
  const left = Math.ceil((due.getTime() - now.getTime()) / 1000);
  return left <= 0 ? 0 : Math.min(left, LEAVE_DELETE_HOP_MAX_SECONDS);
}
