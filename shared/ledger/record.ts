/**
 * The ledger's row: one per employee, keyed by HR source + HR employee id. It is a record and an index, never
 * the truth about accounts (SAG is; Describe decides and the ledger is repaired).
 *
 * | column | type | meaning |
 * | --- | --- | --- |
 * | `employee` (primary key) | STRING | `{source}:{employeeId}` |
 * | `version` | INTEGER | bumped by every write; each write is conditional on the version it read |
 * | `email`, `userName` | STRING | the employee's email and SAG user name (DingTalk/WeCom leaves carry neither) |
 * | `accounts` | STRING (JSON) | `[{site, regionId, smartAGId, state}]`: the instances holding the account |
 * | `lastEventAt`, `lastEventId`, `lastEventType` | STRING | HR time, id and type of the newest event applied for this employee |
 * | `pending` | STRING (JSON) | the event being applied now, and until when its claim holds |
 * | `deleteChain` | STRING (JSON) | the leave whose delete step is scheduled: its event id, the chain's id and the due time |
 * | `history` | STRING (JSON) | the last {@link HISTORY_LIMIT} outcomes, newest last |
 */
import type { Cell, CellValue } from '../tablestore/plain-buffer.js';

export const HISTORY_LIMIT = 50;

export type AccountState = 'enabled' | 'disabled' | 'deleted';

export interface AccountRef {
  site: string;
  regionId: string;
  smartAGId: string;
  state: AccountState;
}

export interface HistoryEntry {
  eventId: string;
  type: string;
  /** done, already-done, skipped, stale, deferred, dead-lettered, superseded, … */
  result: string;
  reason?: string;
  sagRequestId?: string;
  /** HR time of the event. */
  occurredAt: string;
  /** When it was recorded. */
  at: string;
}

export interface PendingClaim {
  eventId: string;
  occurredAt: string;
  /** Epoch ms after which another event may take the claim over (the worker died mid-way). */
  expiresAt: number;
}

/**
 * The delete step a leave scheduled (shared/workers/leave-delete.ts). One chain per leave: a duplicate delivery
 * of the leave finds it and schedules none, and a step of another chain (two deliveries applied at once) stops.
 */
export interface DeleteChain {
  eventId: string;
  chain: string;
  dueAt: string;
}

export interface LedgerRecord {
  key: string;
  version: number;
  email?: string;
  userName?: string;
  accounts: AccountRef[];
  lastEventAt?: string;
  lastEventId?: string;
  lastEventType?: string;
  pending?: PendingClaim;
  deleteChain?: DeleteChain;
  history: HistoryEntry[];
}

export function ledgerKey(source: string, employeeId: string): string {
  return `${source}:${employeeId}`;
}

export function emptyRecord(key: string): LedgerRecord {
  return { key, version: 0, accounts: [], history: [] };
}

/** Adds an entry, keeping the newest {@link HISTORY_LIMIT}. */
export function withHistory(history: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const next = [...history, entry];
  return next.length > HISTORY_LIMIT ? next.slice(next.length - HISTORY_LIMIT) : next;
}

/** The record as Tablestore columns (the version is written by the store). */
export function toColumns(r: LedgerRecord): Cell[] {
  const cells: Cell[] = [
    { name: 'accounts', value: JSON.stringify(r.accounts) },
    { name: 'history', value: JSON.stringify(r.history) },
  ];
  const optional: Array<[string, string | undefined]> = [
    ['email', r.email],
    ['userName', r.userName],
    ['lastEventAt', r.lastEventAt],
    ['lastEventId', r.lastEventId],
    ['lastEventType', r.lastEventType],
    ['pending', r.pending && JSON.stringify(r.pending)],
    ['deleteChain', r.deleteChain && JSON.stringify(r.deleteChain)],
  ];
  for (const [name, value] of optional) if (value !== undefined) cells.push({ name, value });
  return cells;
}

/** The record from a row's columns; tolerant of missing columns (a row written by an older version). */
export function fromColumns(key: string, c: Record<string, CellValue>): LedgerRecord {
  const str = (n: string) => (typeof c[n] === 'string' ? (c[n] as string) : undefined);
  const json = <T>(n: string, def: T): T => {
    const s = str(n);
    if (s === undefined) return def;
    try {
      return JSON.parse(s) as T;
    } catch {
      return def;
    }
  };
  return {
    key,
    version: typeof c.version === 'bigint' ? Number(c.version) : 0,
    email: str('email'),
    userName: str('userName'),
    accounts: json<AccountRef[]>('accounts', []),
    lastEventAt: str('lastEventAt'),
    lastEventId: str('lastEventId'),
    lastEventType: str('lastEventType'),
    pending: json<PendingClaim | undefined>('pending', undefined),
    deleteChain: json<DeleteChain | undefined>('deleteChain', undefined),
    history: json<HistoryEntry[]>('history', []),
  };
}
