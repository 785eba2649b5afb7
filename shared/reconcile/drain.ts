/**
 * How much of an applied plan the workers have finished: an event is settled once its employee's ledger history
 * records a final result for it (done, already done, skipped, stale, dead-lettered).
 *
 * Each poll reads only what it still waits for: the rows of the employees whose events are unsettled, one GetRow
 * each, while they are few ({@link ROW_READS_AT_MOST}); a range read of the source's rows while they are many (a
 * few Tablestore calls per poll instead of one per employee). A large plan therefore starts with range reads and
 * ends, in its long tail, reading a handful of rows, never the whole table each second.
 *
 * @example
 * ```ts
 * const settled = await waitForSettled(ledger, 'feishu', events, { timeoutMs: 600_000 }); // 0 … events.length
 * ```
 */
import { mapLimit } from '../concurrency.js';
import type { Ledger } from '../ledger/ledger.js';
import { ledgerKey, type LedgerRecord } from '../ledger/record.js';
import { sourceKeyRange } from './actual.js';

/** History results after which an event needs nothing more from its worker. */
export const FINAL_RESULTS: ReadonlySet<string> = new Set(['done', 'already-done', 'skipped', 'stale', 'dead-lettered']);

/** Unsettled employees at most for which a poll reads rows one by one rather than the source's whole range. */
const ROW_READS_AT_MOST = 100;
const ROW_READS_AT_ONCE = 16;

/** What waiting needs of an event: its id and its employee (whose ledger row records it). */
export interface AwaitedEvent {
  id: string;
  employee: { id: string };
}

const settledIn = (r: LedgerRecord, waiting: ReadonlySet<string>) =>
  r.history.filter((h) => waiting.has(h.eventId) && FINAL_RESULTS.has(h.result)).map((h) => h.eventId);

/** The ids among `waiting` (events of `eventSource`) that the ledger records as settled. */
export async function settledEvents(ledger: Ledger, eventSource: string, waiting: readonly AwaitedEvent[]): Promise<Set<string>> {
  const ids = new Set(waiting.map((e) => e.id));
  const employees = [...new Set(waiting.map((e) => e.employee.id))];
  if (employees.length <= ROW_READS_AT_MOST) {
    const rows = await mapLimit(employees, ROW_READS_AT_ONCE, (id) => ledger.read(ledgerKey(eventSource, id)));
    return new Set(rows.flatMap((r) => (r ? settledIn(r, ids) : [])));
  }
  const { start, end } = sourceKeyRange(eventSource);
  return new Set((await ledger.scan(start, end, (r) => settledIn(r, ids))).flat());
}

/**
 * Waits until every event is settled, or `timeoutMs` passes; resolves to the number settled. `onProgress` gets the
 * count after each poll.
 */
export async function waitForSettled(
  ledger: Ledger,
  eventSource: string,
  events: readonly AwaitedEvent[],
  opts: { timeoutMs: number; pollMs?: number; onProgress?: (settled: number) => void },
): Promise<number> {
  const deadline = Date.now() + opts.timeoutMs;
  const total = new Set(events.map((e) => e.id)).size;
  const settled = new Set<string>();
  for (;;) {
    const waiting = events.filter((e) => !settled.has(e.id));
    for (const id of await settledEvents(ledger, eventSource, waiting)) settled.add(id);
    opts.onProgress?.(settled.size);
    if (settled.size >= total || Date.now() >= deadline) return settled.size;
    // A poll of many employees reads the source's range: poll less often then (2,000 waiting: every 0.75 s; at most 1 s).
    await new Promise((r) => setTimeout(r, opts.pollMs ?? Math.min(1_000, 250 + waiting.length * 0.25)));
  }
}
