/**
 * The product's Tablestore client against the Tablestore emulator, cross-checked with the official `tablestore`
 * SDK on the same tables: rows written by one are read by the other, conditions and errors behave alike.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { INF_MAX, INF_MIN } from '../../shared/tablestore/plain-buffer.js';
import { TablestoreClient } from '../../shared/tablestore/client.js';
import { TablestoreError } from '../../shared/tablestore/errors.js';

/** The official SDK has no type declarations: used untyped, as plain JavaScript would. */
const TableStore: any = createRequire(import.meta.url)('tablestore');
let ots: TablestoreEmulator;
let client: TablestoreClient;
let sdk: any;
const T = 'ledger_test';
const pk = (v: string) => [{ name: 'employee', value: v }];

beforeAll(async () => {
  ots = await startTablestoreEmulator();
  const credentials = { accessKeyId: ots.accessKeyId, accessKeySecret: ots.accessKeySecret };
  client = new TablestoreClient({ endpoint: ots.url, instance: ots.instanceName, credentials, timeoutMs: 2000 });
  sdk = new TableStore.Client({
    endpoint: ots.url,
    instancename: ots.instanceName,
    accessKeyId: ots.accessKeyId,
    accessKeySecret: ots.accessKeySecret,
    maxRetries: 0,
  });
  await client.createTable({ name: T, primaryKey: [{ name: 'employee', type: 'STRING' }], timeToLive: -1, maxVersions: 1 });
});
afterAll(async () => ots?.close());

async function codeOf(p: Promise<unknown>): Promise<TablestoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TablestoreError);
  return err as TablestoreError;
}

describe('table operations', () => {
  it('creates, lists and describes a table the official SDK sees the same way', async () => {
    expect(await client.listTables()).toContain(T);
    expect(await client.describeTable(T)).toEqual({ primaryKey: ['employee'], timeToLive: -1, maxVersions: 1 });
    const viaSdk = await sdk.describeTable({ tableName: T });
    expect(viaSdk.tableMeta.tableName).toBe(T);
    expect(viaSdk.tableOptions.timeToLive).toBe(-1);
  });

  it('classifies a missing table as systemic and an existing one on create as permanent', async () => {
    const missing = await codeOf(client.describeTable('nope'));
    expect([missing.code, missing.kind, missing.httpStatus]).toEqual(['OTSObjectNotExist', 'systemic', 404]);
    const exists = await codeOf(client.createTable({ name: T, primaryKey: [{ name: 'employee', type: 'STRING' }], timeToLive: -1, maxVersions: 1 }));
    expect([exists.code, exists.kind]).toEqual(['OTSObjectAlreadyExist', 'permanent']);
  });
});

describe('rows, cross-checked with the official SDK', () => {
  it('a row written by this client reads back through the official SDK with the same values', async () => {
    await client.putRow(
      T,
      pk('generic:E1'),
      [
        { name: 'email', value: 'a@example.com' },
        { name: 'version', value: 1n },
      ],
      { row: 'expect-not-exist' },
    );
    const { row } = await sdk.getRow({ tableName: T, primaryKey: [{ employee: 'generic:E1' }], maxVersions: 1 });
    const cols = Object.fromEntries(row.attributes.map((a: { columnName: string; columnValue: unknown }) => [a.columnName, a.columnValue]));
    expect(cols.email).toBe('a@example.com');
    expect((cols.version as { toNumber(): number }).toNumber()).toBe(1);
  });

  it('a row written by the official SDK (with a Long) reads back through this client', async () => {
    await sdk.putRow({
      tableName: T,
      primaryKey: [{ employee: 'generic:E2' }],
      attributeColumns: [{ email: 'b@example.com' }, { version: TableStore.Long.fromNumber(7) }, { flag: true }],
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    });
    const { row } = await client.getRow(T, pk('generic:E2'));
    expect(row?.columns).toEqual({ email: 'b@example.com', version: 7n, flag: true });
    expect((await client.getRow(T, pk('generic:none'))).row).toBeUndefined();
  });

  it('row-existence and version conditions: the winner writes, the loser gets OTSConditionCheckFail', async () => {
    const again = await codeOf(client.putRow(T, pk('generic:E1'), [{ name: 'version', value: 1n }], { row: 'expect-not-exist' }));
    expect([again.code, again.kind, again.httpStatus]).toEqual(['OTSConditionCheckFail', 'condition', 403]);
    await client.putRow(T, pk('generic:E1'), [{ name: 'version', value: 2n }], { row: 'expect-exist', columnEquals: { name: 'version', value: 1n } });
    const stale = await codeOf(
      client.putRow(T, pk('generic:E1'), [{ name: 'version', value: 2n }], { row: 'expect-exist', columnEquals: { name: 'version', value: 1n } }),
    );
    expect(stale.kind).toBe('condition');
    const none = await codeOf(client.putRow(T, pk('generic:none'), [{ name: 'version', value: 1n }], { row: 'expect-exist' }));
    expect(none.kind).toBe('condition');
    expect((await client.getRow(T, pk('generic:E1'))).row?.columns.version).toBe(2n);
  });

  it('pages through a range to the end, in key order, and deletes rows', async () => {
    for (let i = 0; i < 25; i++) await client.putRow(T, pk(`range:${String(i).padStart(2, '0')}`), [{ name: 'n', value: BigInt(i) }], { row: 'ignore' });
    const seen: string[] = [];
    let start: Array<{ name: string; value: string | typeof INF_MIN | typeof INF_MAX }> | undefined = [{ name: 'employee', value: 'range:' }];
    while (start) {
      const page = await client.getRange(T, start, [{ name: 'employee', value: 'range;' }], 10);
      seen.push(...page.rows.map((r) => r.primaryKey.employee as string));
      start = page.next as typeof start;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `range:${String(i).padStart(2, '0')}`));
    const all = await client.getRange(T, [{ name: 'employee', value: INF_MIN }], [{ name: 'employee', value: INF_MAX }], 1000);
    expect(all.rows.length).toBeGreaterThanOrEqual(27);
    await client.deleteRow(T, pk('range:00'));
    expect((await client.getRow(T, pk('range:00'))).row).toBeUndefined();
  });
});

describe('failures', () => {
  it('a wrong secret is refused as systemic (OTSAuthFailed)', async () => {
    const bad = new TablestoreClient({
      endpoint: ots.url,
      instance: ots.instanceName,
      credentials: { accessKeyId: ots.accessKeyId, accessKeySecret: 'wrong' },
      timeoutMs: 2000,
    });
    const err = await codeOf(bad.getRow(T, pk('generic:E1')));
    expect([err.code, err.kind]).toEqual(['OTSAuthFailed', 'systemic']);
  });

  it('throttling, 5xx, timeouts and resets are classified as the retry logic needs', async () => {
    const cases: Array<[object, string, string]> = [
      [{ action: 'GetRow', code: 'OTSServerBusy', httpStatus: 503, count: 1 }, 'OTSServerBusy', 'throttled'],
      [{ action: 'GetRow', code: 'OTSInternalServerError', httpStatus: 500, count: 1 }, 'OTSInternalServerError', 'unknown'],
      [{ action: 'GetRow', html502: true, count: 1 }, 'HTTP502', 'unknown'],
      [{ action: 'GetRow', reset: true, count: 1 }, 'ECONNRESET', 'unknown'],
      [{ action: 'GetRow', delayAfterMs: 500, count: 1 }, 'RequestTimeout', 'unknown'],
    ];
    const fast = new TablestoreClient({
      endpoint: ots.url,
      instance: ots.instanceName,
      credentials: { accessKeyId: ots.accessKeyId, accessKeySecret: ots.accessKeySecret },
      timeoutMs: 200,
    });
    for (const [fault, code, kind] of cases) {
      ots.faults.add(fault as never);
      const err = await codeOf(fast.getRow(T, pk('generic:E1')));
      expect([err.code, err.kind], JSON.stringify(fault)).toEqual([code, kind]);
    }
    expect((await fast.getRow(T, pk('generic:E1'))).row).toBeDefined();
  });
});
