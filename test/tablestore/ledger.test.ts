/** The ledger on the Tablestore emulator: claims, the ordering rule, races between writers, failures mapped. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { SystemicError, ThrottledError, TransientError } from '../../shared/errors.js';
import { Ledger } from '../../shared/ledger/ledger.js';
import type { HistoryEntry } from '../../shared/ledger/record.js';
import { ensureLedgerTable } from '../../shared/ledger/table.js';
import { TablestoreClient } from '../../shared/tablestore/client.js';

let ots: TablestoreEmulator;
let client: TablestoreClient;
let clock = 1_000_000;
const T = 'hr_sag_ledger';
const ledger = () => new Ledger({ client, table: T, leaseMs: 60_000, now: () => clock });
const ev = (id: string, occurredAt: string) => ({ id, occurredAt });
const entry = (e: { id: string; occurredAt: string }, result = 'done'): HistoryEntry => ({
  eventId: e.id,
  type: 'employee.joined',
  result,
  occurredAt: e.occurredAt,
  at: '2026-11-23T00:00:00Z',
});

beforeAll(async () => {
  ots = await startTablestoreEmulator();
  client = new TablestoreClient({
    endpoint: ots.url,
    instance: ots.instanceName,
    credentials: { accessKeyId: ots.accessKeyId, accessKeySecret: ots.accessKeySecret },
    timeoutMs: 2000,
  });
  expect((await ensureLedgerTable(client, T)).action).toBe('created');
  expect(await ensureLedgerTable(client, T)).toEqual({ table: T, action: 'unchanged', notes: [] });
});
afterAll(async () => ots?.close());

describe('claims and the ordering rule', () => {
  it('claims, completes, and then skips an older event as stale; the same event may run again', async () => {
    const l = ledger();
    const newer = ev('evt_b', '2026-11-23T10:00:00Z');
    const c = await l.claim('generic:E1', newer);
    expect(c.kind).toBe('claimed');
    if (c.kind !== 'claimed') return;
    const done = await l.complete(c.record, entry(newer), true, (r) => ({ ...r, email: 'e1@example.com' }));
    expect(done).toMatchObject({ email: 'e1@example.com', lastEventId: 'evt_b', pending: undefined, version: 2 });
    expect((await l.claim('generic:E1', ev('evt_a', '2026-11-23T09:00:00Z'))).kind).toBe('stale');
    expect((await l.claim('generic:E1', newer)).kind).toBe('claimed');
  });

  it('a deferred or failed event does not advance the record, so an older event still applies', async () => {
    const l = ledger();
    const transfer = ev('evt_t', '2026-11-23T10:00:00Z');
    const c = await l.claim('generic:E2', transfer);
    if (c.kind !== 'claimed') throw new Error('not claimed');
    await l.complete(c.record, entry(transfer, 'defer'), false);
    const join = await l.claim('generic:E2', ev('evt_j', '2026-11-23T09:00:00Z'));
    expect(join.kind).toBe('claimed');
    expect((await l.read('generic:E2'))?.history.map((h) => h.result)).toEqual(['defer']);
  });

  it('another event finds the employee busy until the claim is released or its lease expires', async () => {
    const l = ledger();
    const first = await l.claim('generic:E3', ev('evt_1', '2026-11-23T09:00:00Z'));
    const second = await l.claim('generic:E3', ev('evt_2', '2026-11-23T10:00:00Z'));
    expect([first.kind, second.kind]).toEqual(['claimed', 'busy']);
    clock += 61_000;
    const takeover = await l.claim('generic:E3', ev('evt_2', '2026-11-23T10:00:00Z'));
    expect(takeover.kind).toBe('claimed');
    // The first worker comes back: its claim was taken over, so it records `superseded` and changes nothing else.
    if (first.kind !== 'claimed') throw new Error('not claimed');
    const after = await l.complete(first.record, entry(ev('evt_1', '2026-11-23T09:00:00Z')), true, (r) => ({ ...r, email: 'late@example.com' }));
    expect(after.email).toBeUndefined();
    expect(after.pending?.eventId).toBe('evt_2');
    expect(after.history.at(-1)?.result).toBe('superseded');
  });

  it('writers racing on one employee never lose an update: 20 concurrent notes, 20 history entries', async () => {
    const writers = Array.from({ length: 20 }, () => ledger());
    await Promise.all(writers.map((l, i) => l.note('generic:E4', entry(ev(`evt_${i}`, '2026-11-23T09:00:00Z'), 'stale'))));
    const r = await ledger().read('generic:E4');
    expect(r?.history).toHaveLength(20);
    expect(r?.version).toBe(20);
  });

  it('of concurrent claims by different events, exactly one wins', async () => {
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger().claim('generic:E5', ev(`evt_${i}`, '2026-11-23T09:00:00Z'))));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(9);
  });
});

describe('failures become the runtime errors', () => {
  it('throttling → ThrottledError, 5xx → TransientError, a missing table → SystemicError scoped to the table', async () => {
    ots.faults.add({ action: 'GetRow', code: 'OTSServerBusy', httpStatus: 503, count: 1 } as never);
    await expect(ledger().read('generic:E1')).rejects.toBeInstanceOf(ThrottledError);
    ots.faults.add({ action: 'GetRow', code: 'OTSInternalServerError', httpStatus: 500, count: 1 } as never);
    const err = await ledger()
      .read('generic:E1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).not.toBeInstanceOf(ThrottledError);
    const gone = new Ledger({ client, table: 'no_such_table', leaseMs: 1000 });
    const sys = await gone.read('generic:E1').catch((e: unknown) => e);
    expect(sys).toBeInstanceOf(SystemicError);
    expect((sys as SystemicError).scope).toBe('ledger:no_such_table');
  });
});
