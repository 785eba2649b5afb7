/**
 * The employee ledger in Tablestore: read a record, claim it for an event (the ordering rule decides), complete
 * the claim with the outcome, or add a history entry. Every write is conditional on the version read, so two
 * workers racing on one employee cannot both win; the loser re-reads and decides again.
 *
 * A claim is a short lease (`pending`): an event that finds another event's unexpired claim waits (`busy`), so the
 * SAG calls of one employee's events never interleave; a claim whose worker died expires and is taken over.
 *
 * @example
 * ```ts
 * const ledger = new Ledger({ client, table: 'hr_sag_ledger', leaseMs: 120_000 });
 * const claim = await ledger.claim(ledgerKey('generic', 'E1001'), event);
 * if (claim.kind === 'claimed') { ...act on SAG...; await ledger.complete(claim.record, entry, true, (r) => ({ ...r, email })); }
 * ```
 */
import { sleep } from '../concurrency.js';
import { PermanentError, SystemicError, ThrottledError, TransientError } from '../errors.js';
import type { TablestoreClient } from '../tablestore/client.js';
import type { KeyValue } from '../tablestore/plain-buffer.js';
import { TablestoreError } from '../tablestore/errors.js';
import { isStale, type OrderedEvent } from './ordering.js';
import { emptyRecord, fromColumns, toColumns, withHistory, type HistoryEntry, type LedgerRecord, type PendingClaim } from './record.js';

export const PRIMARY_KEY = 'employee';

/** How often a write that lost a race is re-decided (after a short jittered pause) before the message is retried later. */
const MAX_RACES = 16;
const RACE_PAUSE_MS = 5;

export interface LedgerOptions {
  client: TablestoreClient;
  table: string;
  /** How long a claim holds before another event may take it over. */
  leaseMs: number;
  now?: () => number;
}

export type Claim =
  | { kind: 'claimed'; record: LedgerRecord }
  | { kind: 'stale'; record: LedgerRecord }
  | { kind: 'busy'; record: LedgerRecord; pending: PendingClaim };

export class Ledger {
  private readonly now: () => number;

  constructor(private readonly opts: LedgerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The employee's record, or undefined when the ledger has none. */
  async read(key: string): Promise<LedgerRecord | undefined> {
    const { row } = await this.call(() => this.opts.client.getRow(this.opts.table, [{ name: PRIMARY_KEY, value: key }]));
    return row ? fromColumns(key, row.columns) : undefined;
  }

  /** Decides whether `event` may act now (ordering rule, then the lease) and, if so, records the claim. */
  async claim(key: string, event: OrderedEvent): Promise<Claim> {
    return this.retryRaces(async () => {
      const record = (await this.read(key)) ?? emptyRecord(key);
      if (isStale(record, event)) return { kind: 'stale', record };
      const p = record.pending;
      if (p && p.eventId !== event.id && p.expiresAt > this.now()) return { kind: 'busy', record, pending: p };
      const next: LedgerRecord = { ...record, pending: { eventId: event.id, occurredAt: event.occurredAt, expiresAt: this.now() + this.opts.leaseMs } };
      return (await this.write(next)) ? { kind: 'claimed', record: { ...next, version: next.version + 1 } } : undefined;
    });
  }

  /**
   * Ends a claim: adds `entry` to the history and releases the lease. When the event was `applied` (done, already
   * done, or nothing to do), `change` updates the record and the event becomes the newest applied one; otherwise
   * (deferred, failed, dead-lettered) the record stays as it was, so an older event may still apply before it.
   * If the claim was taken over meanwhile (its lease expired), only the history entry is added, as `superseded`.
   */
  async complete(claimed: LedgerRecord, entry: HistoryEntry, applied: boolean, change: (r: LedgerRecord) => LedgerRecord = (r) => r): Promise<LedgerRecord> {
    let current = claimed;
    return this.retryRaces(async () => {
      const ours = current.pending?.eventId === entry.eventId;
      const advanced = applied ? { ...change(current), lastEventAt: entry.occurredAt, lastEventId: entry.eventId, lastEventType: entry.type } : current;
      const next = ours ? { ...advanced, pending: undefined } : current;
      const written = { ...next, history: withHistory(next.history, ours ? entry : { ...entry, result: 'superseded' }) };
      if (await this.write(written)) return { ...written, version: written.version + 1 };
      current = (await this.read(claimed.key)) ?? emptyRecord(claimed.key);
      return undefined;
    });
  }

  /** Adds a history entry and nothing else (a stale event, a dead letter, a deferral). */
  async note(key: string, entry: HistoryEntry): Promise<void> {
    await this.retryRaces(async () => {
      const record = (await this.read(key)) ?? emptyRecord(key);
      return (await this.write({ ...record, history: withHistory(record.history, entry) })) ? true : undefined;
    });
  }

  /**
   * Every record whose key lies in [`start`, `end`) (a range read, paged by Tablestore), e.g. one HR source's
   * employees with `start = 'feishu:'`, `end = 'feishu;'`. `keep` maps each record to what the caller keeps (the
   * rest, e.g. the history, is dropped at once, so a large ledger is never held in memory whole).
   */
  async scan<T>(start: string, end: string, keep: (r: LedgerRecord) => T | undefined, onPage?: (rows: number) => void): Promise<T[]> {
    const out: T[] = [];
    let from: KeyValue = start;
    for (;;) {
      const page = await this.call(() => this.opts.client.getRange(this.opts.table, [{ name: PRIMARY_KEY, value: from }], [{ name: PRIMARY_KEY, value: end }]));
      for (const row of page.rows) {
        const kept = keep(fromColumns(String(row.primaryKey[PRIMARY_KEY]), row.columns));
        if (kept !== undefined) out.push(kept);
      }
      onPage?.(page.rows.length);
      const next = page.next?.[0]?.value;
      if (next === undefined) return out;
      from = next;
    }
  }

  /**
   * Changes a record outside any event (an account adopted by a reconcile): `change` applies to the current row
   * and `entry` is added to its history; the ordering fields (last event, claim) are kept as they are.
   */
  async amend(key: string, entry: HistoryEntry, change: (r: LedgerRecord) => LedgerRecord): Promise<LedgerRecord> {
    return this.retryRaces(async () => {
      const record = (await this.read(key)) ?? emptyRecord(key);
      const next = {
        ...change(record),
        key,
        version: record.version,
        pending: record.pending,
        lastEventAt: record.lastEventAt,
        lastEventId: record.lastEventId,
        lastEventType: record.lastEventType,
      };
      const written = { ...next, history: withHistory(record.history, entry) };
      return (await this.write(written)) ? { ...written, version: written.version + 1 } : undefined;
    });
  }

  /** A conditional write of the whole row: true if it won, false if another writer changed the row first. */
  private async write(r: LedgerRecord): Promise<boolean> {
    const condition =
      r.version === 0
        ? ({ row: 'expect-not-exist' } as const)
        : ({ row: 'expect-exist', columnEquals: { name: 'version', value: BigInt(r.version) } } as const);
    const cells = [...toColumns(r), { name: 'version', value: BigInt(r.version + 1) }];
    try {
      await this.call(() => this.opts.client.putRow(this.opts.table, [{ name: PRIMARY_KEY, value: r.key }], cells, condition), true);
      return true;
    } catch (err) {
      if (err === LOST_RACE) return false;
      throw err;
    }
  }

  private async retryRaces<T>(step: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < MAX_RACES; i++) {
      const out = await step();
      if (out !== undefined) return out;
      await sleep(Math.random() * RACE_PAUSE_MS * 2 ** Math.min(i, 5));
    }
    throw new TransientError('ledger.contended', `the ledger row changed under ${MAX_RACES} consecutive writes`);
  }

  /** Runs one Tablestore call, mapping its failures into the runtime's errors. */
  private async call<T>(fn: () => Promise<T>, conditional = false): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (conditional && err instanceof TablestoreError && err.kind === 'condition') throw LOST_RACE;
      throw asLedgerError(err, this.opts.table);
    }
  }
}

const LOST_RACE = Symbol('lost race');

/** Maps a Tablestore failure to the worker runtime's vocabulary (retry, pace, breaker, or dead letter). */
export function asLedgerError(err: unknown, table: string): Error {
  if (!(err instanceof TablestoreError)) {
    return new TransientError('ledger.unavailable', `ledger call failed: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err });
  }
  const details = { requestId: err.requestId, upstreamCode: err.code };
  const message = `ledger ${table}: ${err.code}: ${err.message}`;
  switch (err.kind) {
    case 'throttled':
      return new ThrottledError('ledger.throttled', message, 1_000, details, { cause: err });
    case 'systemic':
      return new SystemicError(`ledger.${err.code}`, message, `ledger:${table}`, 60, details, { cause: err });
    case 'permanent':
      return new PermanentError(`ledger.${err.code}`, message, details, { cause: err });
    default:
      return new TransientError('ledger.unavailable', message, details, { cause: err });
  }
}
