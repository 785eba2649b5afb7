/**
 * Tablestore emulator, table operations through the official `tablestore` SDK over loopback: CreateTable (options,
 * TTL, the documented refusals), DescribeTable, ListTable, DeleteTable, and the 64-table limit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TABLES, startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { clientOf, createTable, otsFailure } from './tablestore-helpers.js';

let ots: TablestoreEmulator;
let client: any;

beforeAll(async () => {
  ots = await startTablestoreEmulator();
  client = clientOf(ots);
});
afterAll(async () => {
  await ots.close();
});
beforeEach(() => ots.reset());

const create = (tableOptions: Record<string, unknown>, primaryKey: unknown[] = [{ name: 'id', type: 'STRING' }], tableName = 't1') =>
  client.createTable({ tableMeta: { tableName, primaryKey }, reservedThroughput: { capacityUnit: { read: 0, write: 0 } }, tableOptions });

describe('Tablestore emulator: tables', () => {
  it('creates a table with TTL and versions, and describes it as the SDK decodes DescribeTableResponse', async () => {
    const created = await create({ timeToLive: 90 * 86400, maxVersions: 3 }, [
      { name: 'source', type: 'STRING' },
      { name: 'seq', type: 'INTEGER' },
      { name: 'blob', type: 'BINARY' },
    ]);
    expect(created.RequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // The SDK answers protobufjs message instances: compared as their JSON.
    const d = JSON.parse(JSON.stringify(await client.describeTable({ tableName: 't1' })));
    expect(d.tableMeta).toEqual(
      expect.objectContaining({
        tableName: 't1',
        primaryKey: [
          { name: 'source', type: 'STRING' },
          { name: 'seq', type: 'INTEGER' },
          { name: 'blob', type: 'BINARY' },
        ],
      }),
    );
    expect(d.tableOptions).toEqual(expect.objectContaining({ timeToLive: 90 * 86400, maxVersions: 3, allowUpdate: true }));
    expect(Number(d.tableOptions.deviationCellVersionInSec)).toBe(86400);
    expect(d.tableStatus).toBe('ACTIVE');
    expect(d.reservedThroughputDetails.capacityUnit).toEqual(expect.objectContaining({ read: 0, write: 0 }));
    expect(Math.abs(Number(d.reservedThroughputDetails.lastIncreaseTime) - Date.now() / 1000)).toBeLessThan(60);
    expect(ots.snapshot().tables[0]).toEqual(expect.objectContaining({ name: 't1', ttlSeconds: 90 * 86400, maxVersions: 3, rowCount: 0 }));
  });

  it('lists tables by name and deletes them', async () => {
    expect((await client.listTable({})).tableNames).toEqual([]);
    await createTable(client, 'b_table');
    await createTable(client, 'a_table');
    expect((await client.listTable({})).tableNames).toEqual(['a_table', 'b_table']);
    await client.deleteTable({ tableName: 'a_table' });
    expect((await client.listTable({})).tableNames).toEqual(['b_table']);
  });

  it('answers OTSObjectAlreadyExist 409 for an existing table and OTSObjectNotExist 404 for a missing one', async () => {
    await createTable(client, 't1');
    expect(await otsFailure(create({ timeToLive: -1, maxVersions: 1 }))).toEqual({
      status: 409,
      code: 'OTSObjectAlreadyExist',
      message: 'Requested table already exists.',
    });
    const missing = { status: 404, code: 'OTSObjectNotExist', message: 'Requested table does not exist.' };
    expect(await otsFailure(client.describeTable({ tableName: 'nope' }))).toEqual(missing);
    expect(await otsFailure(client.deleteTable({ tableName: 'nope' }))).toEqual(missing);
    expect(await otsFailure(client.getRow({ tableName: 'nope', primaryKey: [{ id: 'x' }] }))).toEqual(missing);
  });

  it('refuses a TTL under one day (other than -1), bad primary keys and bad names with OTSParameterInvalid 400', async () => {
    const bad = async (p: Promise<unknown>, message: RegExp) => {
      const f = await otsFailure(p);
      expect(f.status).toBe(400);
      expect(f.code).toBe('OTSParameterInvalid');
      expect(f.message).toMatch(message);
    };
    await bad(create({ timeToLive: 86399, maxVersions: 1 }), /time_to_live must be -1 or at least 86400/);
    await bad(create({ timeToLive: 0, maxVersions: 1 }), /time_to_live/);
    await bad(create({ timeToLive: -1, maxVersions: 0 }), /max_versions/);
    await bad(create({ timeToLive: -1, maxVersions: 1 }, []), /primary key columns must be in range: \[1, 4\]/);
    const five = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'STRING' }));
    await bad(create({ timeToLive: -1, maxVersions: 1 }, five), /\[1, 4\]/);
    await bad(
      create({ timeToLive: -1, maxVersions: 1 }, [
        { name: 'a', type: 'STRING' },
        { name: 'a', type: 'INTEGER' },
      ]),
      /Duplicated primary key name: 'a'/,
    );
    await bad(create({ timeToLive: -1, maxVersions: 1 }, undefined, '9starts-with-digit'), /Invalid table name/);
    expect((await client.listTable({})).tableNames).toEqual([]);
    // Exactly one day is accepted.
    await create({ timeToLive: 86400, maxVersions: 1 });
    expect((await client.describeTable({ tableName: 't1' })).tableOptions.timeToLive).toBe(86400);
  });

  it("updates a table's TTL, versions and reserved throughput with UpdateTable (a missing or bad value refused)", async () => {
    await createTable(client, 't1', { maxVersions: 3 });
    const { TableStore } = await import('./tablestore-helpers.js');
    const now = Date.now();
    for (const [i, v] of ['a', 'b', 'c'].entries()) {
      await client.updateRow({
        tableName: 't1',
        primaryKey: [{ id: 'r' }],
        updateOfAttributeColumns: [{ PUT: [{ s: v, timestamp: now - 3000 + i * 1000 }] }],
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      });
    }
    const r = JSON.parse(
      JSON.stringify(
        await client.updateTable({
          tableName: 't1',
          tableOptions: { timeToLive: 7 * 86400, maxVersions: 1 },
          reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
        }),
      ),
    );
    expect(r.tableOptions).toEqual(expect.objectContaining({ timeToLive: 7 * 86400, maxVersions: 1 }));
    expect((await client.describeTable({ tableName: 't1' })).tableOptions.timeToLive).toBe(7 * 86400);
    // Versions beyond the new maximum are no longer read.
    const row = (await client.getRow({ tableName: 't1', primaryKey: [{ id: 'r' }], maxVersions: 10 })).row;
    expect(row.attributes.map((c: { columnValue: string }) => c.columnValue)).toEqual(['c']);
    // Options left out keep their value.
    await client.updateTable({ tableName: 't1', tableOptions: { maxVersions: 2 } });
    expect((await client.describeTable({ tableName: 't1' })).tableOptions).toEqual(expect.objectContaining({ timeToLive: 7 * 86400, maxVersions: 2 }));
    expect((await otsFailure(client.updateTable({ tableName: 't1', tableOptions: { timeToLive: 60 } }))).message).toMatch(
      /time_to_live must be -1 or at least 86400/,
    );
    expect((await otsFailure(client.updateTable({ tableName: 'nope', tableOptions: { timeToLive: -1 } }))).code).toBe('OTSObjectNotExist');
  });

  it(`holds at most ${MAX_TABLES} tables per instance`, async () => {
    for (let i = 0; i < MAX_TABLES; i++) await createTable(client, `t_${i}`);
    const f = await otsFailure(createTable(client, 'one_more'));
    expect(f.code).toBe('OTSQuotaExhausted');
    expect((await client.listTable({})).tableNames).toHaveLength(MAX_TABLES);
  });

  it('forgets the rows of a deleted table: a table re-created under the same name is empty', async () => {
    const { TableStore } = await import('./tablestore-helpers.js');
    await createTable(client, 't1');
    await client.putRow({
      tableName: 't1',
      primaryKey: [{ id: 'a' }],
      attributeColumns: [{ v: 'x' }],
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    });
    await client.deleteTable({ tableName: 't1' });
    await createTable(client, 't1');
    expect((await client.getRow({ tableName: 't1', primaryKey: [{ id: 'a' }] })).row).toEqual({});
  });
});
