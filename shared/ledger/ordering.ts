/**
 * The ordering rule: an event older than the newest one applied for its employee never wins. An event counts as
 * applied once its worker finished it (done, already done, or nothing to do); a deferred or failed event does not,
 * so a transfer that arrives before its join lets the older join apply first.
 *
 * | event vs the record's last applied event | decision |
 * | --- | --- |
 * | no record, or no event accepted yet | apply |
 * | same event id (a redelivery, a retry, a redrive) | apply again (SAG reconciliation makes it idempotent) |
 * | newer HR time | apply |
 * | older HR time | `stale`: recorded in the history, skipped, never dead-lettered |
 * | equal HR time, another type | the later lifecycle step wins: joined, then transferred, then left (a create and an update
 *   stamped in the same second keep their order; a join stamped with its leave's second does not re-grant access) |
 * | equal HR time and type, different id | the greater event id wins (deterministic on every worker) |
 */
import type { LedgerRecord } from './record.js';

export interface OrderedEvent {
  id: string;
  occurredAt: string;
  /** The canonical event type (`employee.joined`, …); ranks events with equal HR times. */
  type?: string;
}

/**
 * The lifecycle step of an event type; other types rank between a join and a leave. A leave's delete step is the
 * leave itself (same id and HR time), so it ranks as the leave: once it applied, a transfer stamped with the leave's
 * second stays stale, as it was before.
 */
const LIFECYCLE_RANK: Readonly<Record<string, number>> = { 'employee.joined': 0, 'employee.transferred': 1, 'employee.left': 2, 'employee.leave-delete': 2 };
const rank = (type: string | undefined) => LIFECYCLE_RANK[type ?? ''] ?? 1;

/** True when `event` must not be applied because a newer event of the employee was applied. */
export function isStale(record: Pick<LedgerRecord, 'lastEventAt' | 'lastEventId' | 'lastEventType'> | undefined, event: OrderedEvent): boolean {
  if (!record?.lastEventAt || !record.lastEventId) return false;
  if (record.lastEventId === event.id) return false;
  const last = Date.parse(record.lastEventAt);
  const mine = Date.parse(event.occurredAt);
  if (mine !== last) return mine < last;
  if (rank(event.type) !== rank(record.lastEventType)) return rank(event.type) < rank(record.lastEventType);
  return event.id < record.lastEventId;
}
