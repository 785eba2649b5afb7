/**
 * Tablestore emulator, GetRange and the batch operations through the official `tablestore` SDK over loopback:
 * ordering on a composite primary key (signed integers, bytewise strings), forward and backward ranges with
 * INF_MIN/INF_MAX bounds, paging with `limit` and `nextStartPrimaryKey` until it is null, the 5000-row page;
 * BatchGetRow and BatchWriteRow with per-row outcomes (OTSConditionCheckFail, a missing table) and the limits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REQUEST_LIMITS, startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { TableStore, attrs, clientOf, createTable, otsFailure, pkOf } from './tablestore-helpers.js';

const { Condition, RowExistenceExpectation: REE, SingleColumnCondition, ComparatorType: CT, Long, INF_MIN, INF_MAX, Direction } = TableStore;

let ots: TablestoreEmulator;
let client: any;

beforeAll(async () => {
  ots = await startTablestoreEmulator();
  client = clientOf(ots);
});
afterAll(async () => {
  await ots.close();
});
beforeEach(async () => {
  ots.reset();
  await createTable(client, 'events', {
    pk: [
      { name: 'source', type: 'STRING' },
      { name: 'seq', type: 'INTEGER' },
    ],
  });
  await createTable(client, 'ledger');
});

const ignore = () => new Condition(REE.IGNORE, null);
const putEvent = (source: string, seq: number, extra: Record<string, unknown> = {}) =>
  client.putRow({
    tableName: 'events',
    primaryKey: [{ source }, { seq: Long.fromNumber(seq) }],
    attributeColumns: [{ v: `${source}/${seq}` }, ...Object.entries(extra).map(([k, v]) => ({ [k]: v }))],
    condition: ignore(),
  });
const key = (r: any) => `${pkOf(r).source}/${pkOf(r).seq}`;

/** Every page of a range, with the SDK's `nextStartPrimaryKey` fed back as the next start. */
async function allPages(forward: boolean, limit: number, extra: Record<string, unknown> = {}): Promise<{ rows: string[]; pages: number }> {
  let start = forward ? [{ source: INF_MIN }, { seq: INF_MIN }] : [{ source: INF_MAX }, { seq: INF_MAX }];
  const end = forward ? [{ source: INF_MAX }, { seq: INF_MAX }] : [{ source: INF_MIN }, { seq: INF_MIN }];
  const rows: string[] = [];
  let pages = 0;
  for (;;) {
    const r = await client.getRange({
      tableName: 'events',
      direction: forward ? Direction.FORWARD : Direction.BACKWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: end,
      limit,
      ...extra,
    });
    pages++;
    rows.push(...r.rows.map(key));
    if (!r.nextStartPrimaryKey) break;
    start = r.nextStartPrimaryKey.map((c: any) => ({ [c.name]: c.value }));
  }
  return { rows, pages };
}

describe('Tablestore emulator: GetRange', () => {
  it('orders by every primary-key column (signed integers, bytewise strings) and pages with nextStartPrimaryKey', async () => {
    const input: Array<[string, number]> = [
      ['b', 2],
      ['a', 10],
      ['a', -1],
      ['B', 0],
      ['a', 2],
      ['b', -5],
      ['é', 1],
    ];
    for (const [s, n] of input) await putEvent(s, n);
    const sorted = ['B/0', 'a/-1', 'a/2', 'a/10', 'b/-5', 'b/2', 'é/1'];
    expect(await allPages(true, 100)).toEqual({ rows: sorted, pages: 1 });
    expect(await allPages(true, 2)).toEqual({ rows: sorted, pages: 4 });
    expect(await allPages(true, 1)).toEqual({ rows: sorted, pages: 7 });
    expect(await allPages(false, 3)).toEqual({ rows: [...sorted].reverse(), pages: 3 });
  });

  it('includes the start key and excludes the end key; refuses bounds in the wrong order', async () => {
    for (let i = 0; i < 6; i++) await putEvent('s', i);
    const r = await client.getRange({
      tableName: 'events',
      direction: Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ source: 's' }, { seq: Long.fromNumber(1) }],
      exclusiveEndPrimaryKey: [{ source: 's' }, { seq: Long.fromNumber(4) }],
      limit: 10,
    });
    expect(r.rows.map(key)).toEqual(['s/1', 's/2', 's/3']);
    expect(r.nextStartPrimaryKey).toBeNull();
    const back = await client.getRange({
      tableName: 'events',
      direction: Direction.BACKWARD,
      inclusiveStartPrimaryKey: [{ source: 's' }, { seq: Long.fromNumber(4) }],
      exclusiveEndPrimaryKey: [{ source: 's' }, { seq: Long.fromNumber(1) }],
      limit: 10,
    });
    expect(back.rows.map(key)).toEqual(['s/4', 's/3', 's/2']);
    const wrong = await otsFailure(
      client.getRange({
        tableName: 'events',
        direction: Direction.FORWARD,
        inclusiveStartPrimaryKey: [{ source: INF_MAX }, { seq: INF_MAX }],
        exclusiveEndPrimaryKey: [{ source: INF_MIN }, { seq: INF_MIN }],
        limit: 10,
      }),
    );
    expect(wrong).toEqual({ status: 400, code: 'OTSParameterInvalid', message: 'Begin key must less than end key in FORWARD' });
  });

  it('answers at most 5000 rows per call, then a next start key', async () => {
    const batch = Array.from({ length: 200 }, (_, j) => j);
    for (let i = 0; i < 26; i++) {
      await client.batchWriteRow({
        tables: [
          {
            tableName: 'events',
            rows: batch.map((j) => ({
              type: 'PUT',
              condition: ignore(),
              primaryKey: [{ source: 'x' }, { seq: Long.fromNumber(i * 200 + j) }],
              attributeColumns: [{ v: 'x' }],
            })),
          },
        ],
      });
    }
    const first = await client.getRange({
      tableName: 'events',
      direction: Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ source: INF_MIN }, { seq: INF_MIN }],
      exclusiveEndPrimaryKey: [{ source: INF_MAX }, { seq: INF_MAX }],
      limit: 9999,
    });
    expect(first.rows).toHaveLength(REQUEST_LIMITS.rangeRows);
    expect(first.nextStartPrimaryKey.map((c: any) => [c.name, c.value.toNumber ? c.value.toNumber() : c.value])).toEqual([
      ['source', 'x'],
      ['seq', 5000],
    ]);
    expect((await allPages(true, 5000)).rows).toHaveLength(5200);
  });

  it('applies a filter and columnsToGet to each row of the range', async () => {
    for (let i = 0; i < 5; i++) await putEvent('f', i, { odd: i % 2 === 1 });
    const odd = await allPages(true, 2, { columnFilter: new SingleColumnCondition('odd', true, CT.EQUAL) });
    expect(odd.rows).toEqual(['f/1', 'f/3']);
    const r = await client.getRange({
      tableName: 'events',
      direction: Direction.FORWARD,
      inclusiveStartPrimaryKey: [{ source: INF_MIN }, { seq: INF_MIN }],
      exclusiveEndPrimaryKey: [{ source: INF_MAX }, { seq: INF_MAX }],
      columnsToGet: ['odd'],
    });
    expect(r.rows.map(attrs)).toEqual([{ odd: false }, { odd: true }, { odd: false }, { odd: true }, { odd: false }]);
  });
});

describe('Tablestore emulator: BatchGetRow and BatchWriteRow', () => {
  it('writes PUT, UPDATE and DELETE rows across tables, each row with its own outcome', async () => {
    await client.putRow({ tableName: 'ledger', primaryKey: [{ id: 'old' }], attributeColumns: [{ v: '1' }], condition: ignore() });
    const r = await client.batchWriteRow({
      tables: [
        {
          tableName: 'ledger',
          rows: [
            { type: 'PUT', condition: new Condition(REE.EXPECT_NOT_EXIST, null), primaryKey: [{ id: 'new' }], attributeColumns: [{ v: 'n' }] },
            { type: 'PUT', condition: new Condition(REE.EXPECT_NOT_EXIST, null), primaryKey: [{ id: 'old' }], attributeColumns: [{ v: 'clobbered' }] },
            { type: 'UPDATE', condition: new Condition(REE.EXPECT_EXIST, null), primaryKey: [{ id: 'upd' }], attributeColumns: [{ PUT: [{ v: 'u' }] }] },
            { type: 'DELETE', condition: new Condition(REE.IGNORE, null), primaryKey: [{ id: 'nothing' }] },
          ],
        },
        { tableName: 'missing_table', rows: [{ type: 'PUT', condition: ignore(), primaryKey: [{ id: 'x' }], attributeColumns: [{ v: 'x' }] }] },
      ],
    });
    // The SDK flattens the tables into one list.
    expect(r.tables.map((t: any) => [t.tableName, t.isOk, t.errorCode, t.errorMessage])).toEqual([
      ['ledger', true, null, null],
      ['ledger', false, 'OTSConditionCheckFail', 'Condition check failed.'],
      ['ledger', false, 'OTSConditionCheckFail', 'Condition check failed.'],
      ['ledger', true, null, null],
      ['missing_table', false, 'OTSObjectNotExist', 'Requested table does not exist.'],
    ]);
    const g = await client.batchGetRow({
      tables: [
        { tableName: 'ledger', primaryKey: [[{ id: 'new' }], [{ id: 'old' }], [{ id: 'upd' }]] },
        { tableName: 'missing_table', primaryKey: [[{ id: 'x' }]] },
      ],
    });
    expect(g.tables[0].map((row: any) => [row.isOk, attrs(row)])).toEqual([
      [true, { v: 'n' }],
      [true, { v: '1' }],
      [true, {}],
    ]);
    expect(g.tables[0][2].primaryKey).toBeNull(); // not found: no row
    expect(g.tables[1].map((row: any) => [row.isOk, row.errorCode])).toEqual([[false, 'OTSObjectNotExist']]);
  });

  it('refuses empty, oversized and duplicated batches as a whole (nothing applied)', async () => {
    const row = (id: string) => ({ type: 'PUT', condition: ignore(), primaryKey: [{ id }], attributeColumns: [{ v: 'x' }] });
    const bad = async (p: Promise<unknown>, message: string) => expect(await otsFailure(p)).toEqual({ status: 400, code: 'OTSParameterInvalid', message });
    await bad(
      client.batchWriteRow({ tables: [{ tableName: 'ledger', rows: Array.from({ length: 201 }, (_, i) => row(`r${i}`)) }] }),
      'Rows count exceeds the upper limit: 200.',
    );
    await bad(client.batchWriteRow({ tables: [{ tableName: 'ledger', rows: [row('a'), row('a')] }] }), 'The input parameter is invalid.');
    await bad(client.batchWriteRow({ tables: [{ tableName: 'ledger', rows: [] }] }), 'No row is specified in BatchWriteRow.');
    const big = Array.from({ length: 3 }, (_, i) => ({ ...row(`b${i}`), attributeColumns: [{ v: 'x'.repeat(1_500_000) }] }));
    await bad(
      client.batchWriteRow({ tables: [{ tableName: 'ledger', rows: big }] }),
      'The total data size of single BatchWriteRow request exceeded the limit.',
    );
    await bad(
      client.batchGetRow({ tables: [{ tableName: 'ledger', primaryKey: Array.from({ length: 101 }, (_, i) => [{ id: `r${i}` }]) }] }),
      'Rows count exceeds the upper limit: 100.',
    );
    await bad(client.batchGetRow({ tables: [{ tableName: 'ledger', primaryKey: [[{ id: 'a' }], [{ id: 'a' }]] }] }), 'The input parameter is invalid.');
    await bad(
      client.batchWriteRow({
        tables: [{ tableName: 'ledger', rows: [{ type: 'DELETE', condition: new Condition(REE.EXPECT_NOT_EXIST, null), primaryKey: [{ id: 'a' }] }] }],
      }),
      "Invalid condition: EXPECT_NOT_EXIST while deleting row #0 in table: 'ledger'.",
    );
    expect(ots.snapshot().tables.find((t) => t.name === 'ledger')?.rowCount).toBe(0);
    // The limits themselves pass.
    await client.batchWriteRow({ tables: [{ tableName: 'ledger', rows: Array.from({ length: 200 }, (_, i) => row(`r${i}`)) }] });
    const g = await client.batchGetRow({ tables: [{ tableName: 'ledger', primaryKey: Array.from({ length: 100 }, (_, i) => [{ id: `r${i}` }]) }] });
    expect(g.tables[0].filter((r: any) => r.isOk && attrs(r).v === 'x')).toHaveLength(100);
  });
});
