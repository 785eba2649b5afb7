/**
 * Tablestore emulator, the wire protocol: the SDK's signature accepted and every refusal the service documents
 * (signature, time skew, body MD5, missing header, unknown AccessKey, other instance, method, unknown operation, body
 * size); PlainBuffer byte for byte against the SDK's own encoder and its checksums enforced; TTL expiry on the
 * injectable clock; and the SDK the FC nodejs20 runtime preinstalls (5.4.1) driving the same emulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, readRows, startTablestoreEmulator, writeRows, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { TableStore, TableStore54, attrs, clientOf, createTable, otsFailure, pkOf, rawRequest } from './tablestore-helpers.js';

const { Condition, RowExistenceExpectation: REE, SingleColumnCondition, ComparatorType: CT, Long } = TableStore;

let ots: TablestoreEmulator;
let client: any;
let clock = Date.now();
const internalErrors: unknown[] = [];

beforeAll(async () => {
  ots = await startTablestoreEmulator({ now: () => clock, onInternalError: (e) => internalErrors.push(e) });
  client = clientOf(ots);
});
afterAll(async () => {
  await ots.close();
  expect(internalErrors).toEqual([]);
});
beforeEach(async () => {
  ots.reset();
  clock = Date.now();
  await createTable(client, 'ledger');
});

const listTableBody = () => encodeMessage('ListTableRequest', {});
const errorOf = (a: { body: Buffer }) => decodeMessage('Error', a.body);

describe('Tablestore emulator: authentication', () => {
  it('accepts the SDK signature (and an STS token header, signed like any x-ots-* header)', async () => {
    expect((await client.listTable({})).tableNames).toEqual(['ledger']);
    const sts = new TableStore.Client({
      endpoint: ots.url,
      instancename: ots.instanceName,
      accessKeyId: ots.accessKeyId,
      accessKeySecret: ots.accessKeySecret,
      stsToken: 'token-from-sts',
      maxRetries: 0,
    });
    expect((await sts.listTable({})).tableNames).toEqual(['ledger']);
    const ok = await rawRequest(ots, '/ListTable', listTableBody());
    expect(ok.status).toBe(200);
    expect(ok.headers['x-ots-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers.authorization).toMatch(new RegExp(`^OTS ${ots.accessKeyId}:[A-Za-z0-9+/]+=*$`));
  });

  it('refuses a wrong secret, a skewed date, a body that does not match its MD5, an unknown key, another instance', async () => {
    const bad = await otsFailure(clientOf(ots, { accessKeySecret: 'wrong' }).listTable({}));
    expect(bad).toEqual({ status: 403, code: 'OTSAuthFailed', message: 'Signature mismatch.' });
    expect(await otsFailure(clientOf(ots, { accessKeyId: 'nobody' }).listTable({}))).toEqual({
      status: 403,
      code: 'OTSAuthFailed',
      message: 'The AccessKeyID does not exist.',
    });
    expect(await otsFailure(clientOf(ots, { instancename: 'other-inst' }).listTable({}))).toEqual({
      status: 403,
      code: 'OTSAuthFailed',
      message: 'The instance is not found.',
    });
    const old = new Date(Date.now() - 16 * 60_000).toISOString();
    const skewed = await rawRequest(ots, '/ListTable', listTableBody(), { date: old });
    expect([skewed.status, errorOf(skewed)]).toEqual([403, { code: 'OTSAuthFailed', message: `Mismatch between system time and x-ots-date: ${old}.` }]);
    // 14 minutes off is within the allowed 15.
    expect((await rawRequest(ots, '/ListTable', listTableBody(), { date: new Date(Date.now() + 14 * 60_000).toISOString() })).status).toBe(200);
    const md5 = await rawRequest(ots, '/ListTable', listTableBody(), { md5: 'AAAAAAAAAAAAAAAAAAAAAA==' });
    expect([md5.status, errorOf(md5)]).toEqual([
      403,
      { code: 'OTSAuthFailed', message: 'Mismatch between MD5 value of request body and x-ots-contentmd5 in header.' },
    ]);
    const tampered = await rawRequest(ots, '/ListTable', listTableBody(), { mutate: (h) => (h['x-ots-instancename'] = ots.instanceName.toUpperCase()) });
    expect(errorOf(tampered)).toEqual({ code: 'OTSAuthFailed', message: 'Signature mismatch.' });
  });

  it('refuses a missing header, a malformed date, another method, an unknown operation and a body over 5 MB', async () => {
    for (const name of ['x-ots-date', 'x-ots-contentmd5', 'x-ots-signature', 'x-ots-accesskeyid', 'x-ots-instancename']) {
      const a = await rawRequest(ots, '/ListTable', listTableBody(), { mutate: (h) => delete h[name] });
      expect([a.status, errorOf(a)]).toEqual([400, { code: 'OTSMissingHeader', message: `Missing header: '${name}'.` }]);
    }
    const date = await rawRequest(ots, '/ListTable', listTableBody(), { date: 'Sat, 07 Jun 2014 14:25:40 GMT' });
    expect([date.status, errorOf(date)]).toEqual([400, { code: 'OTSParameterInvalid', message: 'Invalid date format: Sat, 07 Jun 2014 14:25:40 GMT.' }]);
    const get = await rawRequest(ots, '/ListTable', Buffer.alloc(0), { method: 'GET' });
    expect([get.status, errorOf(get)]).toEqual([405, { code: 'OTSMethodNotAllowed', message: 'Only POST method for requests is supported.' }]);
    const unknown = await rawRequest(ots, '/HelloWorld', listTableBody());
    expect([unknown.status, errorOf(unknown)]).toEqual([400, { code: 'OTSUnsupportOperation', message: "Unsupported operation: 'HelloWorld'." }]);
    const huge = await rawRequest(ots, '/PutRow', Buffer.alloc(5 * 1024 * 1024 + 1));
    expect([huge.status, errorOf(huge).code]).toEqual([413, 'OTSRequestBodyTooLarge']);
  });
});

describe('Tablestore emulator: protobuf and PlainBuffer', () => {
  it('reads and writes PlainBuffer byte for byte as the SDK encodes it (checksums included)', () => {
    const sdkBytes = Buffer.from(
      TableStore.PlainBufferBuilder.serializeForPutRow(
        [{ id: 'emp1' }],
        [
          { v: Long.fromNumber(7), timestamp: 1700000000000 },
          { name: 'Ann', timestamp: 1700000000000 },
        ],
      ),
    );
    expect(sdkBytes.toString('hex')).toBe(
      '7500000001' +
        '030402000000696405090000000304000000656d70310aa4' +
        '02' +
        '030401000000760509000000000700000000000000070068e5cf8b0100000a2c' +
        '030404000000' +
        '6e616d6505080000000303000000416e6e070068e5cf8b0100000a2b' +
        '0927',
    );
    const [row] = readRows(sdkBytes);
    expect(row?.pk.map((c) => c.name)).toEqual(['id']);
    expect(row?.attrs.map((c) => [c.name, c.ts])).toEqual([
      ['v', 1700000000000],
      ['name', 1700000000000],
    ]);
    expect(writeRows([row!]).equals(sdkBytes)).toBe(true);
    // And the SDK's reader accepts what the emulator writes.
    const back = new TableStore.PlainBufferCodedInputStream(new TableStore.PlainBufferInputStream(writeRows([row!]))).readRow();
    expect(back.attributes.map((a: any) => a.columnName)).toEqual(['v', 'name']);
  });

  it('refuses a row whose cell or row checksum is wrong, and a truncated or malformed protobuf body', async () => {
    const row = Buffer.from(TableStore.PlainBufferBuilder.serializeForPutRow([{ id: 'a' }], [{ v: 'x' }]));
    const condition = { row_existence: 0 };
    for (const at of [row.length - 1, row.indexOf(0x0a, 20) + 1]) {
      const corrupt = Buffer.from(row);
      corrupt[at] = (corrupt[at] as number) ^ 0xff;
      const a = await rawRequest(ots, '/PutRow', encodeMessage('PutRowRequest', { table_name: 'ledger', row: corrupt, condition }));
      expect(a.status).toBe(400);
      expect(errorOf(a).code).toBe('OTSParameterInvalid');
      expect(errorOf(a).message).toMatch(/checksum mismatch/);
    }
    expect(ots.snapshot().tables[0]?.rowCount).toBe(0);
    const good = encodeMessage('PutRowRequest', { table_name: 'ledger', row, condition });
    // table_name and row but no condition (a required field): 0a 06 "ledger" 12 <len> row.
    const noCondition = Buffer.concat([Buffer.from([0x0a, 6]), Buffer.from('ledger'), Buffer.from([0x12, row.length]), row]);
    for (const body of [good.subarray(0, good.length - 3), Buffer.from([0xff, 0xff, 0xff]), noCondition]) {
      const a = await rawRequest(ots, '/PutRow', body);
      expect([a.status, errorOf(a)]).toEqual([400, { code: 'OTSParameterInvalid', message: 'Failed to parse the ProtoBuf message.' }]);
    }
    expect((await rawRequest(ots, '/PutRow', good)).status).toBe(200);
  });
});

describe('Tablestore emulator: TTL on the injectable clock', () => {
  it('hides cells older than the TTL: the row disappears for reads, conditions, ranges and the state', async () => {
    await createTable(client, 'ttl', { ttl: 86400 });
    await client.putRow({
      tableName: 'ttl',
      primaryKey: [{ id: 'e1' }],
      attributeColumns: [{ a: '1' }, { b: '1' }],
      condition: new Condition(REE.IGNORE, null),
    });
    clock += 86_000_000; // 23.9 h later: one column refreshed
    await client.updateRow({
      tableName: 'ttl',
      primaryKey: [{ id: 'e1' }],
      updateOfAttributeColumns: [{ PUT: [{ b: '2' }] }],
      condition: new Condition(REE.EXPECT_EXIST, null),
    });
    clock += 1_000_000; // 24.1 h after the put: `a` expired, `b` (written 0.3 h ago) still alive
    expect(attrs((await client.getRow({ tableName: 'ttl', primaryKey: [{ id: 'e1' }] })).row)).toEqual({ b: '2' });
    const aGone = new Condition(REE.EXPECT_EXIST, new SingleColumnCondition('a', '1', CT.EQUAL, false));
    expect(
      (
        await otsFailure(
          client.updateRow({ tableName: 'ttl', primaryKey: [{ id: 'e1' }], updateOfAttributeColumns: [{ PUT: [{ c: '1' }] }], condition: aGone }),
        )
      ).code,
    ).toBe('OTSConditionCheckFail');
    ots.advanceClock(86_400_000); // through the admin clock as well: everything expired
    expect((await client.getRow({ tableName: 'ttl', primaryKey: [{ id: 'e1' }] })).row).toEqual({});
    expect(
      (
        await otsFailure(
          client.putRow({ tableName: 'ttl', primaryKey: [{ id: 'e1' }], attributeColumns: [{ a: '1' }], condition: new Condition(REE.EXPECT_EXIST, null) }),
        )
      ).code,
    ).toBe('OTSConditionCheckFail');
    await client.putRow({
      tableName: 'ttl',
      primaryKey: [{ id: 'e1' }],
      attributeColumns: [{ a: 'new' }],
      condition: new Condition(REE.EXPECT_NOT_EXIST, null),
    });
    expect(ots.snapshot().tables.find((t) => t.name === 'ttl')?.rows).toEqual([
      expect.objectContaining({ primaryKey: { id: 'e1' }, attributes: { a: 'new' } }),
    ]);
  });

  it('moves the clock through POST /__admin/clock, and keeps rows forever with TTL -1', async () => {
    await client.putRow({ tableName: 'ledger', primaryKey: [{ id: 'k' }], attributeColumns: [{ a: '1' }], condition: new Condition(REE.IGNORE, null) });
    const before = ots.snapshot().now;
    const res = await fetch(`${ots.url}/__admin/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: 10 * 365 * 86_400_000 }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { now: number }).now - before).toBeGreaterThanOrEqual(10 * 365 * 86_400_000);
    expect(attrs((await client.getRow({ tableName: 'ledger', primaryKey: [{ id: 'k' }] })).row)).toEqual({ a: '1' });
    expect((await fetch(`${ots.url}/__admin/clock`, { method: 'POST', body: '{"advanceMs":-1}' })).status).toBe(400);
  });
});

describe('Tablestore emulator: the FC runtime SDK (tablestore 5.4.1)', () => {
  it('drives every row operation, conditions and paging the same way', async () => {
    const old = clientOf(ots, { sdk: TableStore54 });
    const { Condition: C, RowExistenceExpectation: R, SingleColumnCondition: S, ComparatorType: K, Long: L, INF_MIN, INF_MAX, Direction } = TableStore54;
    await old.putRow({
      tableName: 'ledger',
      primaryKey: [{ id: 'e1' }],
      attributeColumns: [{ version: L.fromNumber(1) }],
      condition: new C(R.EXPECT_NOT_EXIST, null),
    });
    await old.updateRow({
      tableName: 'ledger',
      primaryKey: [{ id: 'e1' }],
      updateOfAttributeColumns: [{ PUT: [{ version: L.fromNumber(2) }] }],
      condition: new C(R.EXPECT_EXIST, new S('version', L.fromNumber(1), K.EQUAL, false)),
    });
    const lost = await otsFailure(
      old.updateRow({
        tableName: 'ledger',
        primaryKey: [{ id: 'e1' }],
        updateOfAttributeColumns: [{ PUT: [{ version: L.fromNumber(2) }] }],
        condition: new C(R.EXPECT_EXIST, new S('version', L.fromNumber(1), K.EQUAL, false)),
      }),
    );
    expect(lost).toEqual({ status: 403, code: 'OTSConditionCheckFail', message: 'Condition check failed.' });
    expect(attrs((await old.getRow({ tableName: 'ledger', primaryKey: [{ id: 'e1' }] })).row)).toEqual({ version: 2 });
    await old.batchWriteRow({
      tables: [
        {
          tableName: 'ledger',
          rows: ['e2', 'e3'].map((id) => ({ type: 'PUT', condition: new C(R.IGNORE, null), primaryKey: [{ id }], attributeColumns: [{ v: id }] })),
        },
      ],
    });
    const seen: string[] = [];
    let start: unknown = [{ id: INF_MIN }];
    while (start) {
      const r = await old.getRange({
        tableName: 'ledger',
        direction: Direction.FORWARD,
        inclusiveStartPrimaryKey: start,
        exclusiveEndPrimaryKey: [{ id: INF_MAX }],
        limit: 2,
      });
      seen.push(...r.rows.map((row: any) => String(pkOf(row).id)));
      start = r.nextStartPrimaryKey?.map((c: any) => ({ [c.name]: c.value }));
    }
    expect(seen).toEqual(['e1', 'e2', 'e3']);
    await old.deleteRow({ tableName: 'ledger', primaryKey: [{ id: 'e1' }], condition: new C(R.EXPECT_EXIST, null) });
    const got = await old.batchGetRow({ tables: [{ tableName: 'ledger', primaryKey: [[{ id: 'e1' }], [{ id: 'e2' }]] }] });
    expect(got.tables[0].map((r: any) => attrs(r))).toEqual([{}, { v: 'e2' }]);
  });
});
