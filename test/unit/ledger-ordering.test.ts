import { describe, expect, it } from 'vitest';
import { isStale } from '../../shared/ledger/ordering.js';
import { HISTORY_LIMIT, fromColumns, toColumns, withHistory, type HistoryEntry, type LedgerRecord } from '../../shared/ledger/record.js';

const applied = { lastEventAt: '2026-11-23T09:00:00Z', lastEventId: 'evt_5' };

describe('the ordering rule', () => {
  it('applies anything when nothing was applied yet', () => {
    expect(isStale(undefined, { id: 'evt_1', occurredAt: '2000-01-01T00:00:00Z' })).toBe(false);
    expect(isStale({ lastEventAt: undefined, lastEventId: undefined }, { id: 'evt_1', occurredAt: '2000-01-01T00:00:00Z' })).toBe(false);
  });

  it('skips older events, applies newer ones and the same event again', () => {
    expect(isStale(applied, { id: 'evt_9', occurredAt: '2026-11-23T08:59:59Z' })).toBe(true);
    expect(isStale(applied, { id: 'evt_1', occurredAt: '2026-11-23T09:00:01Z' })).toBe(false);
    expect(isStale(applied, { id: 'evt_5', occurredAt: '2026-11-23T08:00:00Z' })).toBe(false);
  });

  it('at equal HR times, the later lifecycle step wins: a create and an update in the same second keep their order', () => {
    const joined = { ...applied, lastEventType: 'employee.joined' };
    expect(isStale(joined, { id: 'evt_1', occurredAt: '2026-11-23T09:00:00Z', type: 'employee.transferred' })).toBe(false);
    const left = { ...applied, lastEventType: 'employee.left' };
    expect(isStale(left, { id: 'evt_9', occurredAt: '2026-11-23T09:00:00Z', type: 'employee.joined' })).toBe(true);
    const moved = { ...applied, lastEventType: 'employee.transferred' };
    expect(isStale(moved, { id: 'evt_9', occurredAt: '2026-11-23T09:00:00Z', type: 'employee.joined' })).toBe(true);
  });

  it("ranks a leave's delete step as the leave: a transfer stamped with the leave's second stays stale after the delete", () => {
    const deleted = { ...applied, lastEventType: 'employee.leave-delete' };
    expect(isStale(deleted, { id: 'evt_9', occurredAt: '2026-11-23T09:00:00Z', type: 'employee.transferred' })).toBe(true);
    expect(isStale(deleted, { id: 'evt_9', occurredAt: '2026-11-23T09:00:00Z', type: 'employee.joined' })).toBe(true);
  });

  it('breaks equal HR times of the same type by event id, the same way on every worker', () => {
    expect(isStale(applied, { id: 'evt_4', occurredAt: '2026-11-23T09:00:00Z' })).toBe(true);
    expect(isStale(applied, { id: 'evt_6', occurredAt: '2026-11-23T09:00:00Z' })).toBe(false);
    // Offsets are compared as instants, not strings.
    expect(isStale(applied, { id: 'evt_4', occurredAt: '2026-11-23T17:00:01+08:00' })).toBe(false);
  });
});

describe('the ledger record', () => {
  const entry = (n: number): HistoryEntry => ({
    eventId: `evt_${n}`,
    type: 'employee.joined',
    result: 'done',
    occurredAt: '2026-11-23T09:00:00Z',
    at: '2026-11-23T09:00:01Z',
  });

  it('keeps the newest entries of the history', () => {
    let h: HistoryEntry[] = [];
    for (let i = 0; i < HISTORY_LIMIT + 7; i++) h = withHistory(h, entry(i));
    expect(h).toHaveLength(HISTORY_LIMIT);
    expect(h[0]?.eventId).toBe('evt_7');
    expect(h.at(-1)?.eventId).toBe(`evt_${HISTORY_LIMIT + 6}`);
  });

  it('survives the round trip through Tablestore columns, and tolerates missing or broken columns', () => {
    const r: LedgerRecord = {
      key: 'generic:E1',
      version: 3,
      email: 'a@example.com',
      userName: 'a@example.com',
      accounts: [{ site: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-1', state: 'enabled' }],
      lastEventAt: '2026-11-23T09:00:00Z',
      lastEventId: 'evt_1',
      lastEventType: 'employee.joined',
      pending: { eventId: 'evt_2', occurredAt: '2026-11-23T10:00:00Z', expiresAt: 5 },
      history: [entry(1)],
    };
    const columns = Object.fromEntries(toColumns(r).map((c) => [c.name, c.value]));
    expect(fromColumns('generic:E1', { ...columns, version: 3n })).toEqual(r);
    expect(fromColumns('k', { history: 'not json' })).toEqual({
      key: 'k',
      version: 0,
      accounts: [],
      history: [],
      email: undefined,
      userName: undefined,
      lastEventAt: undefined,
      lastEventId: undefined,
      pending: undefined,
    });
  });
});
