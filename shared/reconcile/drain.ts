/**
 * How much of an applied plan the workers have finished: an event is settled once its employee's ledger history
 * records a final result for it (done, already done, skipped, stale, dead-lettered). Read with one range read of
 * the source's ledger rows, so watching a large plan costs a few Tablestore calls per poll, not one per employee.
 *
 * @example
 * ```ts
 * const settled = await settledEvents(ledger, 'feishu', new Set(events.map((e) => e.event.id))); // 0 … events.length
 * ```
 */
import type { Ledger } from '../ledger/ledger.js';
import { sourceKeyRange } from './actual.js';

/** History results after which an event needs nothing more from its worker. */
export const FINAL_RESULTS: ReadonlySet<string> = new Set(['done', 'already-done', 'skipped', 'stale', 'dead-lettered']);

/** The number of `eventIds` whose ledger history records a final result. */
export async function settledEvents(ledger: Ledger, eventSource: string, eventIds: ReadonlySet<string>): Promise<number> {
  const { start, end } = sourceKeyRange(eventSource);
  const settled = await ledger.scan(start, end, (r) => r.history.filter((h) => eventIds.has(h.eventId) && FINAL_RESULTS.has(h.result)).map((h) => h.eventId));
  return new Set(settled.flat()).size;
}

/**
 * Waits until every event of `eventIds` is settled, or `timeoutMs` passes; resolves to the number settled.
 * `onProgress` gets the count after each poll.
 */
export async function waitForSettled(
  ledger: Ledger,
  eventSource: string,
  eventIds: ReadonlySet<string>,
  opts: { timeoutMs: number; pollMs?: number; onProgress?: (settled: number) => void },
): Promise<number> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const n = await settledEvents(ledger, eventSource, eventIds);
    opts.onProgress?.(n);
    if (n >= eventIds.size || Date.now() >= deadline) return n;
    // Each poll reads every row of the source: poll a large plan less often (2,000 events: every 0.75 s; at most 1 s).
    await new Promise((r) => setTimeout(r, opts.pollMs ?? Math.min(1_000, 250 + eventIds.size * 0.25)));
  }
}
