/**
 * Tablestore emulator, single-row operations through the official `tablestore` SDK over loopback: PutRow, GetRow,
 * UpdateRow (put, delete one version, delete all versions, increment), DeleteRow; every row-existence outcome and
 * column conditions (each comparator, missing columns, all versions, primary-key columns, composites) failing with
 * OTSConditionCheckFail 403 and leaving the row unchanged; value types, versions, reads' options and the limits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { TableStore, attrs, clientOf, createTable, otsFailure, pkOf } from './tablestore-helpers.js';

const {
  Condition,
  RowExistenceExpectation: REE,
  SingleColumnCondition,
  CompositeCondition,
  ComparatorType: CT,
  LogicalOperator: LO,
  Long,
  ReturnType,
} = TableStore;

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
  await createTable(client, 'ledger');
});

const T = 'ledger';
const cond = (existence: number, column: unknown = null) => new Condition(existence, column);
const put = (id: string, columns: Array<Record<string, unknown>>, condition = cond(REE.IGNORE)) =>
  client.putRow({ tableName: T, primaryKey: [{ id }], attributeColumns: columns, condition });
const update = (id: string, changes: unknown[], condition = cond(REE.IGNORE), returnContent?: unknown) =>
  client.updateRow({ tableName: T, primaryKey: [{ id }], updateOfAttributeColumns: changes, condition, ...(returnContent ? { returnContent } : {}) });
const del = (id: string, condition = cond(REE.IGNORE)) => client.deleteRow({ tableName: T, primaryKey: [{ id }], condition });
const get = async (id: string, extra: Record<string, unknown> = {}) => (await client.getRow({ tableName: T, primaryKey: [{ id }], ...extra })).row;
const CHECK_FAIL = { status: 403, code: 'OTSConditionCheckFail', message: 'Condition check failed.' };

describe('Tablestore emulator: rows', () => {
  it('puts and gets a row with every value type; integers come back as Int64 only when written as Long', async () => {
    const blob = Buffer.from([0, 1, 2, 255]);
    await put('e1', [
      { s: 'Ann Lee ✓' },
      { i: Long.fromNumber(-42) },
      { big: Long.fromString('9007199254740993') },
      { d: 2.5 },
      { b: true },
      { f: false },
      { bin: blob },
    ]);
    const row = await get('e1');
    expect(pkOf(row)).toEqual({ id: 'e1' });
    const a = Object.fromEntries(row.attributes.map((c: any) => [c.columnName, c.columnValue]));
    expect(a.s).toBe('Ann Lee ✓');
    expect(a.i.toNumber()).toBe(-42);
    expect(a.big.toString()).toBe('9007199254740993');
    expect(a.d).toBe(2.5);
    expect(a.b).toBe(true);
    expect(a.f).toBe(false);
    expect(Buffer.from(a.bin).equals(blob)).toBe(true);
    // Columns come back sorted by name, each with the cell's timestamp (ms).
    expect(row.attributes.map((c: any) => c.columnName)).toEqual(['b', 'big', 'bin', 'd', 'f', 'i', 's']);
    for (const c of row.attributes) expect(Math.abs(c.timestamp - Date.now())).toBeLessThan(60_000);
    // The state shows it decoded.
    expect(ots.snapshot().tables[0]?.rows[0]).toEqual(
      expect.objectContaining({
        primaryKey: { id: 'e1' },
        attributes: expect.objectContaining({ s: 'Ann Lee ✓', i: -42, big: '9007199254740993', d: 2.5, b: true, bin: { base64: blob.toString('base64') } }),
      }),
    );
  });

  it('answers an empty row for a missing key, and the whole row is replaced by PutRow', async () => {
    expect(await get('nobody')).toEqual({});
    await put('e1', [{ a: 'x' }, { b: 'y' }]);
    await put('e1', [{ c: 'z' }]);
    expect(attrs(await get('e1'))).toEqual({ c: 'z' });
  });

  it('applies every row-existence expectation of PutRow, UpdateRow and DeleteRow', async () => {
    // PutRow
    expect(await otsFailure(put('p', [{ v: 'x' }], cond(REE.EXPECT_EXIST)))).toEqual(CHECK_FAIL);
    await put('p', [{ v: '1' }], cond(REE.EXPECT_NOT_EXIST));
    expect(await otsFailure(put('p', [{ v: '2' }], cond(REE.EXPECT_NOT_EXIST)))).toEqual(CHECK_FAIL);
    await put('p', [{ v: '3' }], cond(REE.EXPECT_EXIST));
    await put('p', [{ v: '4' }], cond(REE.IGNORE));
    expect(attrs(await get('p'))).toEqual({ v: '4' });
    // UpdateRow
    expect(await otsFailure(update('u', [{ PUT: [{ v: 'x' }] }], cond(REE.EXPECT_EXIST)))).toEqual(CHECK_FAIL);
    expect(await get('u')).toEqual({});
    await update('u', [{ PUT: [{ v: '1' }] }], cond(REE.IGNORE)); // upsert
    await update('u', [{ PUT: [{ w: '2' }] }], cond(REE.EXPECT_EXIST));
    expect(await otsFailure(update('u', [{ PUT: [{ v: 'x' }] }], cond(REE.EXPECT_NOT_EXIST)))).toEqual(CHECK_FAIL);
    await update('u2', [{ PUT: [{ v: 'new' }] }], cond(REE.EXPECT_NOT_EXIST));
    expect(attrs(await get('u'))).toEqual({ v: '1', w: '2' });
    expect(attrs(await get('u2'))).toEqual({ v: 'new' });
    // DeleteRow
    expect(await otsFailure(del('gone', cond(REE.EXPECT_EXIST)))).toEqual(CHECK_FAIL);
    await del('gone', cond(REE.IGNORE)); // a missing row with IGNORE: no error
    await del('u', cond(REE.EXPECT_EXIST));
    expect(await get('u')).toEqual({});
    const notExist = await otsFailure(del('u2', cond(REE.EXPECT_NOT_EXIST)));
    expect(notExist).toEqual({ status: 400, code: 'OTSParameterInvalid', message: 'Invalid condition: EXPECT_NOT_EXIST while deleting row.' });
    expect(attrs(await get('u2'))).toEqual({ v: 'new' });
  });

  it('checks a version column for optimistic locking: equal passes, anything else fails and changes nothing', async () => {
    await put('e1', [{ state: 'active' }, { version: Long.fromNumber(1) }]);
    const bump = (expected: number, next: number) =>
      update(
        'e1',
        [{ PUT: [{ state: `v${next}` }, { version: Long.fromNumber(next) }] }],
        cond(REE.EXPECT_EXIST, new SingleColumnCondition('version', Long.fromNumber(expected), CT.EQUAL, false)),
      );
    await bump(1, 2);
    expect(await otsFailure(bump(1, 3))).toEqual(CHECK_FAIL); // lost race
    expect(attrs(await get('e1'))).toEqual({ state: 'v2', version: 2 });
    // The same value written as a JS number is a DOUBLE: it never equals the INTEGER column.
    const asDouble = update('e1', [{ PUT: [{ state: 'x' }] }], cond(REE.EXPECT_EXIST, new SingleColumnCondition('version', 2, CT.EQUAL, false)));
    expect(await otsFailure(asDouble)).toEqual(CHECK_FAIL);
  });

  it('lets exactly one of 20 concurrent version-checked updates win', async () => {
    await put('race', [{ version: Long.fromNumber(1) }]);
    const attempts = Array.from({ length: 20 }, (_, i) =>
      update(
        'race',
        [{ PUT: [{ version: Long.fromNumber(2) }, { winner: `w${i}` }] }],
        cond(REE.EXPECT_EXIST, new SingleColumnCondition('version', Long.fromNumber(1), CT.EQUAL, false)),
      ).then(
        () => 'won',
        (err: { code: number }) => err.code,
      ),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 403)).toHaveLength(19);
    const winner = outcomes.indexOf('won');
    expect(attrs(await get('race'))).toEqual({ version: 2, winner: `w${winner}` });
  });

  it('evaluates each comparator, missing columns (passIfMissing) and primary-key columns', async () => {
    await put('e1', [{ n: Long.fromNumber(5) }, { s: 'm' }]);
    const passes = async (c: unknown) => {
      try {
        await update('e1', [{ PUT: [{ touched: 'y' }] }], cond(REE.IGNORE, c));
        return true;
      } catch (err) {
        expect((err as { code: number }).code).toBe(403);
        return false;
      }
    };
    const L = (n: number) => Long.fromNumber(n);
    const table: Array<[string, number, unknown, boolean]> = [
      ['n', CT.EQUAL, L(5), true],
      ['n', CT.EQUAL, L(4), false],
      ['n', CT.NOT_EQUAL, L(4), true],
      ['n', CT.NOT_EQUAL, L(5), false],
      ['n', CT.GREATER_THAN, L(4), true],
      ['n', CT.GREATER_THAN, L(5), false],
      ['n', CT.GREATER_EQUAL, L(5), true],
      ['n', CT.GREATER_EQUAL, L(6), false],
      ['n', CT.LESS_THAN, L(6), true],
      ['n', CT.LESS_THAN, L(5), false],
      ['n', CT.LESS_EQUAL, L(5), true],
      ['n', CT.LESS_EQUAL, L(-9), false],
      ['s', CT.GREATER_THAN, 'l', true],
      ['s', CT.LESS_THAN, 'l', false],
      ['id', CT.EQUAL, 'e1', true],
      ['id', CT.EQUAL, 'e2', false],
    ];
    for (const [column, op, value, expected] of table)
      expect([column, op, await passes(new SingleColumnCondition(column, value, op, false))]).toEqual([column, op, expected]);
    // A missing column passes by default (passIfMissing = true) and fails when it must be present.
    expect(await passes(new SingleColumnCondition('absent', L(1), CT.EQUAL))).toBe(true);
    expect(await passes(new SingleColumnCondition('absent', L(1), CT.EQUAL, false))).toBe(false);
  });

  it('combines conditions with AND, OR and NOT (nested), and refuses more than 10 of them', async () => {
    await put('e1', [{ a: Long.fromNumber(1) }, { b: Long.fromNumber(2) }]);
    const eq = (c: string, n: number) => new SingleColumnCondition(c, Long.fromNumber(n), CT.EQUAL, false);
    const comp = (op: number, ...subs: unknown[]) => {
      const c = new CompositeCondition(op);
      for (const s of subs) c.addSubCondition(s);
      return c;
    };
    const write = (c: unknown) => update('e1', [{ PUT: [{ x: 'y' }] }], cond(REE.EXPECT_EXIST, c));
    await write(comp(LO.AND, eq('a', 1), eq('b', 2)));
    expect(await otsFailure(write(comp(LO.AND, eq('a', 1), eq('b', 3))))).toEqual(CHECK_FAIL);
    await write(comp(LO.OR, eq('a', 9), eq('b', 2)));
    expect(await otsFailure(write(comp(LO.OR, eq('a', 9), eq('b', 9))))).toEqual(CHECK_FAIL);
    await write(comp(LO.NOT, eq('a', 9)));
    expect(await otsFailure(write(comp(LO.NOT, eq('a', 1))))).toEqual(CHECK_FAIL);
    await write(comp(LO.AND, comp(LO.OR, eq('a', 9), eq('a', 1)), comp(LO.NOT, eq('b', 9))));
    const eleven = comp(LO.AND, ...Array.from({ length: 11 }, () => eq('a', 1)));
    expect(await otsFailure(write(eleven))).toEqual({
      status: 400,
      code: 'OTSParameterInvalid',
      message: 'The count of column conditions exceeds the limit: 10.',
    });
    await write(comp(LO.AND, ...Array.from({ length: 10 }, () => eq('a', 1))));
  });

  it('increments atomically, returns the new value with AfterModify, deletes one version or all of a column', async () => {
    await createTable(client, 'versions', { maxVersions: 3 });
    const inc = (n: number) =>
      client.updateRow({
        tableName: 'versions',
        primaryKey: [{ id: 'c' }],
        condition: cond(REE.IGNORE),
        updateOfAttributeColumns: [{ INCREMENT: [{ attempts: Long.fromNumber(n) }] }],
        returnContent: { returnType: ReturnType.AfterModify, returnColumns: ['attempts'] },
      });
    expect(attrs((await inc(1)).row)).toEqual({ attempts: 1 }); // a missing column counts as 0
    expect(attrs((await inc(5)).row)).toEqual({ attempts: 6 });
    await client.putRow({
      tableName: 'versions',
      primaryKey: [{ id: 'v' }],
      attributeColumns: [{ s: 'one', timestamp: Date.now() - 2000 }],
      condition: cond(REE.IGNORE),
    });
    await client.updateRow({
      tableName: 'versions',
      primaryKey: [{ id: 'v' }],
      condition: cond(REE.IGNORE),
      updateOfAttributeColumns: [{ PUT: [{ s: 'two', timestamp: Date.now() - 1000 }, { t: 'x' }] }],
    });
    const all = (await client.getRow({ tableName: 'versions', primaryKey: [{ id: 'v' }], maxVersions: 3 })).row;
    expect(all.attributes.filter((c: any) => c.columnName === 's').map((c: any) => c.columnValue)).toEqual(['two', 'one']);
    const newest = all.attributes.find((c: any) => c.columnName === 's').timestamp;
    await client.updateRow({
      tableName: 'versions',
      primaryKey: [{ id: 'v' }],
      condition: cond(REE.IGNORE),
      updateOfAttributeColumns: [{ DELETE: [{ s: Long.fromNumber(newest) }] }, { DELETE_ALL: ['t'] }],
    });
    expect(attrs((await client.getRow({ tableName: 'versions', primaryKey: [{ id: 'v' }], maxVersions: 3 })).row)).toEqual({ s: 'one' });
    // Incrementing a non-integer column is refused.
    const f = await otsFailure(
      client.updateRow({
        tableName: 'versions',
        primaryKey: [{ id: 'v' }],
        condition: cond(REE.IGNORE),
        updateOfAttributeColumns: [{ INCREMENT: [{ s: Long.fromNumber(1) }] }],
      }),
    );
    expect(f).toEqual(expect.objectContaining({ status: 400, code: 'OTSParameterInvalid' }));
  });

  it('keeps at most maxVersions versions, newest first; a condition on all versions sees older ones', async () => {
    await createTable(client, 'v2', { maxVersions: 2 });
    const now = Date.now();
    for (const [i, v] of ['a', 'b', 'c'].entries())
      await client.updateRow({
        tableName: 'v2',
        primaryKey: [{ id: 'r' }],
        condition: cond(REE.IGNORE),
        updateOfAttributeColumns: [{ PUT: [{ s: v, timestamp: now - 3000 + i * 1000 }] }],
      });
    const row = (await client.getRow({ tableName: 'v2', primaryKey: [{ id: 'r' }], maxVersions: 10 })).row;
    expect(row.attributes.map((c: any) => c.columnValue)).toEqual(['c', 'b']);
    const anyVersion = (latestOnly: boolean) =>
      client.updateRow({
        tableName: 'v2',
        primaryKey: [{ id: 'r' }],
        condition: cond(REE.EXPECT_EXIST, new SingleColumnCondition('s', 'b', CT.EQUAL, false, latestOnly)),
        updateOfAttributeColumns: [{ PUT: [{ x: '1' }] }],
      });
    expect(await otsFailure(anyVersion(true))).toEqual(CHECK_FAIL);
    await anyVersion(false);
  });

  it('reads only the columns asked for, within a time range, after a read filter', async () => {
    await put('e1', [{ a: '1' }, { b: '2' }, { c: '3' }]);
    expect(attrs(await get('e1', { columnsToGet: ['a', 'c'] }))).toEqual({ a: '1', c: '3' });
    expect(await get('e1', { columnsToGet: ['zzz'] })).toEqual({});
    expect(await get('e1', { timeRange: { startTime: 0, endTime: 1 }, maxVersions: undefined, columnsToGet: ['a'] })).toEqual({});
    expect(attrs(await get('e1', { columnFilter: new SingleColumnCondition('a', '1', CT.EQUAL) }))).toEqual({ a: '1', b: '2', c: '3' });
    expect(await get('e1', { columnFilter: new SingleColumnCondition('a', '2', CT.EQUAL) })).toEqual({});
  });

  it('returns the primary key with ReturnType.Primarykey', async () => {
    const r = await client.putRow({
      tableName: T,
      primaryKey: [{ id: 'e9' }],
      attributeColumns: [{ a: '1' }],
      condition: cond(REE.IGNORE),
      returnContent: { returnType: ReturnType.Primarykey },
    });
    expect(pkOf(r.row)).toEqual({ id: 'e9' });
    expect(r.consumed.capacityUnit.write).toBe(1);
    const d = await client.deleteRow({
      tableName: T,
      primaryKey: [{ id: 'e9' }],
      condition: cond(REE.EXPECT_EXIST),
      returnContent: { returnType: ReturnType.Primarykey },
    });
    expect(pkOf(d.row)).toEqual({ id: 'e9' });
    expect(d.consumed.capacityUnit.read).toBe(1);
  });

  it('refuses keys that do not match the schema, oversized values and duplicated columns (nothing written)', async () => {
    const invalidPk = await otsFailure(client.putRow({ tableName: T, primaryKey: [{ other: 'x' }], attributeColumns: [], condition: cond(REE.IGNORE) }));
    expect(invalidPk).toEqual({ status: 400, code: 'OTSInvalidPK', message: 'Validate PK name fail. Input: other, Meta: id.' });
    const wrongType = await otsFailure(
      client.putRow({ tableName: T, primaryKey: [{ id: Long.fromNumber(1) }], attributeColumns: [], condition: cond(REE.IGNORE) }),
    );
    expect(wrongType).toEqual({ status: 400, code: 'OTSInvalidPK', message: 'Validate PK type fail. Input: INTEGER, Meta: STRING.' });
    const twoKeys = await otsFailure(client.getRow({ tableName: T, primaryKey: [{ id: 'a' }, { id2: 'b' }] }));
    expect(twoKeys).toEqual({ status: 400, code: 'OTSInvalidPK', message: 'Validate PK size fail. Input: 2, Meta: 1.' });
    const longKey = await otsFailure(put('k'.repeat(1025), [{ a: '1' }]));
    expect(longKey).toEqual(
      expect.objectContaining({
        status: 400,
        code: 'OTSParameterInvalid',
        message: "The length of primary key column: 'id' exceeded the MaxLength:1024 with CurrentLength:1025.",
      }),
    );
    await put('k'.repeat(1024), [{ a: '1' }]);
    const dup = await otsFailure(put('d', [{ a: '1' }, { a: '2' }]));
    expect(dup).toEqual({ status: 400, code: 'OTSParameterInvalid', message: "Duplicated attribute column name: 'a' while putting row." });
    const many = await otsFailure(
      put(
        'm',
        Array.from({ length: 1025 }, (_, i) => ({ [`c${i}`]: 'x' })),
      ),
    );
    expect(many.code).toBe('OTSOutOfColumnCountLimit');
    await put(
      'm',
      Array.from({ length: 1024 }, (_, i) => ({ [`c${i}`]: 'x' })),
    );
    const huge = await otsFailure(put('h', [{ a: 'x'.repeat(2 * 1024 * 1024 + 1) }]));
    expect(huge).toEqual(expect.objectContaining({ status: 400, code: 'OTSParameterInvalid' }));
    expect(huge.message).toMatch(/attribute column: 'a' exceeded the MaxLength:2097152/);
    expect(await get('d')).toEqual({});
    expect(await get('h')).toEqual({});
  });
});
