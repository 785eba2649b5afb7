/**
 * Tablestore emulator fault injection through `POST /__admin/faults` (the shared rule format of
 * emulators/common/faults.ts), observed with the official SDK: throttling (OTSServerBusy 503 — retried by the SDK
 * for reads only, never for writes —, a rate limit, OTSRowOperationConflict, OTSQuotaExhausted), 5xx, an HTML 502,
 * a write applied but answered too late for the client's timeout, a connection reset after applying; rules scoped
 * to a table; and the rest of the admin API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { TableStore, attrs, clientOf, createTable, failure, otsCode, otsFailure } from './tablestore-helpers.js';

const { Condition, RowExistenceExpectation: REE } = TableStore;

let ots: TablestoreEmulator;
let client: any;

beforeAll(async () => {
  ots = await startTablestoreEmulator({ seed: 3 });
  client = clientOf(ots);
});
afterAll(async () => {
  await ots.close();
});
beforeEach(async () => {
  expect((await admin('POST', '/reset')).status).toBe(200);
  await createTable(client, 'ledger');
  await createTable(client, 'other');
});

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ots.url}/__admin${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const addFault = (rule: unknown) => admin('POST', '/faults', rule);
const rowsOf = (table: string) => ots.snapshot().tables.find((t) => t.name === table)?.rows ?? [];
const putRow = (c: any, id: string, existence = REE.IGNORE, table = 'ledger') =>
  c.putRow({ tableName: table, primaryKey: [{ id }], attributeColumns: [{ v: id }], condition: new Condition(existence, null) });
const getRow = (c: any, id: string) => c.getRow({ tableName: 'ledger', primaryKey: [{ id }] });
const firedOf = async () => (await admin('GET', '/faults')).body.faults.map((f: { fired: number }) => f.fired);

describe('Tablestore fault injection', () => {
  it('throttles with OTSServerBusy 503: a write is refused and never retried by the SDK, a read is retried', async () => {
    await addFault({ action: 'PutRow', code: 'OTSServerBusy', httpStatus: 503, count: 2 });
    const retrying = clientOf(ots, { maxRetries: 3 });
    expect(await otsFailure(putRow(retrying, 'a'))).toEqual({ status: 503, code: 'OTSServerBusy', message: 'Server is busy.' });
    expect(await firedOf()).toEqual([1]); // one HTTP call: the SDK does not retry writes
    expect(rowsOf('ledger')).toEqual([]);
    await admin('DELETE', '/faults');
    await addFault({ action: 'GetRow', code: 'OTSServerBusy', httpStatus: 503, count: 2 });
    expect((await getRow(retrying, 'a')).row).toEqual({}); // retried twice, then answered
    expect(await firedOf()).toEqual([2]);
  });

  it('answers a rate limit beyond N calls per second with OTSServerBusy, and the documented conflict and quota errors', async () => {
    await addFault({ action: 'PutRow', ratePerSecond: 3 });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        putRow(client, `r${i}`).then(
          () => 'ok',
          (e: any) => `${e.code} ${otsCode(e)}`,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
    expect(outcomes.filter((o) => o === '503 OTSServerBusy')).toHaveLength(3);
    expect(rowsOf('ledger')).toHaveLength(3);
    await admin('DELETE', '/faults');
    await addFault([
      { action: 'UpdateRow', code: 'OTSRowOperationConflict', httpStatus: 409, count: 1 },
      { action: 'CreateTable', code: 'OTSQuotaExhausted', httpStatus: 403, count: 1 },
    ]);
    const conflict = await otsFailure(
      client.updateRow({
        tableName: 'ledger',
        primaryKey: [{ id: 'x' }],
        updateOfAttributeColumns: [{ PUT: [{ v: '1' }] }],
        condition: new Condition(REE.IGNORE, null),
      }),
    );
    expect(conflict).toEqual({ status: 409, code: 'OTSRowOperationConflict', message: 'Data is being modified by the other request.' });
    expect(await otsFailure(createTable(client, 'third'))).toEqual({ status: 403, code: 'OTSQuotaExhausted', message: 'Too frequent table operations.' });
  });

  it('answers 5xx: OTSInternalServerError 500, and an HTML 502 from a load balancer (nothing applied)', async () => {
    await addFault([
      { action: 'PutRow', code: 'OTSInternalServerError', httpStatus: 500, count: 1 },
      { action: 'PutRow', html502: true, count: 1 },
    ]);
    expect(await otsFailure(putRow(client, 'a'))).toEqual({ status: 500, code: 'OTSInternalServerError', message: 'Internal server error.' });
    const html = await failure(putRow(client, 'a'));
    expect(html.code).toBe(502);
    expect(html.message).toContain('502 Bad Gateway');
    expect(rowsOf('ledger')).toEqual([]);
    await putRow(client, 'a');
    expect(rowsOf('ledger')).toHaveLength(1);
  });

  it('applies a write and answers too late for the client timeout: a retried EXPECT_NOT_EXIST then fails its condition', async () => {
    await addFault({ action: 'PutRow', delayAfterMs: 1500, count: 1 });
    const impatient = clientOf(ots, { timeoutMs: 300 });
    const timedOut = await failure(putRow(impatient, 'once', REE.EXPECT_NOT_EXIST));
    // The SDK raises TimeoutError, then its networking layer re-labels every socket error: NetworkingError.
    expect([timedOut.code, timedOut.message]).toEqual(['NetworkingError', 'Connection timed out after 300ms']);
    expect(rowsOf('ledger').map((r) => r.primaryKey)).toEqual([{ id: 'once' }]); // it was applied
    expect(await otsFailure(putRow(impatient, 'once', REE.EXPECT_NOT_EXIST))).toEqual({
      status: 403,
      code: 'OTSConditionCheckFail',
      message: 'Condition check failed.',
    });
  });

  it('resets the connection after applying (the SDK sees a networking error) or before (not applied)', async () => {
    await addFault([
      { action: 'PutRow', reset: 'after', count: 1 },
      { action: 'PutRow', reset: true, count: 1 },
    ]);
    expect((await failure(putRow(client, 'after'))).code).toBe('NetworkingError');
    expect((await failure(putRow(client, 'before'))).code).toBe('NetworkingError');
    expect(rowsOf('ledger').map((r) => r.primaryKey)).toEqual([{ id: 'after' }]);
  });

  it('scopes a rule to one table with "queue", delays with delayMs, and fires with a seeded probability', async () => {
    await addFault({ action: '*', queue: 'other', code: 'OTSServerBusy', httpStatus: 503 });
    expect((await otsFailure(putRow(client, 'x', REE.IGNORE, 'other'))).code).toBe('OTSServerBusy');
    await putRow(client, 'x');
    await admin('DELETE', '/faults');
    await addFault({ action: 'GetRow', delayMs: 250, count: 1 });
    const t0 = Date.now();
    await getRow(client, 'x');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    await admin('DELETE', '/faults');
    await addFault([{ seed: 42 }, { action: 'GetRow', code: 'OTSServerBusy', httpStatus: 503, probability: 0.3 }]);
    const run = async () => {
      const out: boolean[] = [];
      for (let i = 0; i < 40; i++)
        out.push(
          await getRow(client, 'x').then(
            () => true,
            () => false,
          ),
        );
      return out;
    };
    const first = await run();
    await addFault({ seed: 42 });
    expect(await run()).toEqual(first); // repeatable
    const failed = first.filter((ok) => !ok).length;
    expect(failed).toBeGreaterThan(4);
    expect(failed).toBeLessThan(24);
  });

  it('serves the admin API: state with decoded rows, fault listing and clearing, reset, bad input refused', async () => {
    await putRow(client, 'e1');
    const state = await admin('GET', '/state');
    expect(state.body).toEqual(expect.objectContaining({ instanceName: ots.instanceName, tables: expect.any(Array) }));
    expect(state.body.tables.find((t: any) => t.name === 'ledger').rows).toEqual([
      expect.objectContaining({ primaryKey: { id: 'e1' }, attributes: { v: 'e1' } }),
    ]);
    expect((await addFault({ action: 'PutRow' })).status).toBe(400); // no effect
    expect((await addFault({ action: 'PutRow', code: 'OTSServerBusy', bogus: 1 })).status).toBe(400);
    expect((await addFault({ action: 'PutRow', code: 'OTSServerBusy', httpStatus: 503 })).status).toBe(201);
    expect((await admin('GET', '/faults')).body.faults).toHaveLength(1);
    expect((await admin('DELETE', '/faults')).body.faults).toEqual([]);
    expect(attrs((await getRow(client, 'e1')).row)).toEqual({ v: 'e1' });
    expect((await admin('POST', '/reset')).body).toEqual({ reset: true });
    expect((await admin('GET', '/state')).body.tables).toEqual([]);
  });
});
