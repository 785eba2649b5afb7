/**
 * Tablestore emulator robustness: no request, however malformed, gets a 5xx other than an injected one, none goes
 * unanswered, none reaches the internal-error path, and the emulator keeps serving. A fast-check property over
 * requests the official SDK encodes for every operation, then corrupted (bytes flipped, cut, appended, the
 * PlainBuffer inside damaged, sent to another operation's path, or replaced by random bytes), all correctly signed so
 * that they reach the decoders. Every answer is protobuf: the operation's response on 200, `Error` otherwise.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLESTORE_OPERATIONS, decodeMessage, encodeMessage, startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { TableStore, attrs, clientOf, createTable, rawRequest } from './tablestore-helpers.js';

const {
  Condition,
  RowExistenceExpectation: REE,
  SingleColumnCondition,
  CompositeCondition,
  ComparatorType: CT,
  LogicalOperator: LO,
  Long,
  INF_MIN,
  INF_MAX,
  Direction,
} = TableStore;

const internalErrors: unknown[] = [];
let ots: TablestoreEmulator;
let client: any;

beforeAll(async () => {
  ots = await startTablestoreEmulator({ seed: 9, onInternalError: (err) => internalErrors.push(err) });
  client = clientOf(ots);
});
afterAll(async () => {
  await ots.close();
});

const cond = () => {
  const c = new CompositeCondition(LO.OR);
  c.addSubCondition(new SingleColumnCondition('n', Long.fromNumber(1), CT.GREATER_THAN, false));
  c.addSubCondition(new SingleColumnCondition('s', 'x', CT.EQUAL));
  return new Condition(REE.IGNORE, c);
};
const pk = (id: string) => [{ id }];

/** One valid request per operation, as the SDK encodes it. */
const SEEDS: Array<[string, string, Record<string, unknown>]> = [
  [
    'CreateTable',
    'createTable',
    {
      tableMeta: {
        tableName: 'fz_new',
        primaryKey: [
          { name: 'id', type: 'STRING' },
          { name: 'n', type: 'INTEGER' },
        ],
      },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: 86400, maxVersions: 2 },
    },
  ],
  ['DescribeTable', 'describeTable', { tableName: 'fz' }],
  ['ListTable', 'listTable', {}],
  [
    'UpdateTable',
    'updateTable',
    { tableName: 'fz', tableOptions: { timeToLive: -1, maxVersions: 3 }, reservedThroughput: { capacityUnit: { read: 0, write: 0 } } },
  ],
  ['DeleteTable', 'deleteTable', { tableName: 'fz_new' }],
  [
    'PutRow',
    'putRow',
    {
      tableName: 'fz',
      primaryKey: pk('a'),
      attributeColumns: [{ s: 'x' }, { n: Long.fromNumber(2) }, { d: 1.5 }, { b: true }, { bin: Buffer.from([1, 2]) }],
      condition: cond(),
    },
  ],
  [
    'GetRow',
    'getRow',
    { tableName: 'fz', primaryKey: pk('a'), columnsToGet: ['s', 'n'], maxVersions: 2, columnFilter: new SingleColumnCondition('s', 'x', CT.EQUAL) },
  ],
  [
    'UpdateRow',
    'updateRow',
    {
      tableName: 'fz',
      primaryKey: pk('a'),
      condition: cond(),
      updateOfAttributeColumns: [
        { PUT: [{ s: 'y' }] },
        { DELETE_ALL: ['d'] },
        { INCREMENT: [{ n: Long.fromNumber(1) }] },
        { DELETE: [{ b: Long.fromNumber(1) }] },
      ],
      returnContent: { returnType: 2, returnColumns: ['n'] },
    },
  ],
  ['DeleteRow', 'deleteRow', { tableName: 'fz', primaryKey: pk('b'), condition: new Condition(REE.IGNORE, null) }],
  [
    'GetRange',
    'getRange',
    { tableName: 'fz', direction: Direction.FORWARD, inclusiveStartPrimaryKey: [{ id: INF_MIN }], exclusiveEndPrimaryKey: [{ id: INF_MAX }], limit: 2 },
  ],
  ['BatchGetRow', 'batchGetRow', { tables: [{ tableName: 'fz', primaryKey: [pk('a'), pk('c')] }] }],
  [
    'BatchWriteRow',
    'batchWriteRow',
    {
      tables: [
        {
          tableName: 'fz',
          rows: [
            { type: 'PUT', condition: cond(), primaryKey: pk('c'), attributeColumns: [{ s: 'x' }] },
            { type: 'UPDATE', condition: new Condition(REE.IGNORE, null), primaryKey: pk('d'), attributeColumns: [{ PUT: [{ s: 'z' }] }] },
            { type: 'DELETE', condition: new Condition(REE.IGNORE, null), primaryKey: pk('e') },
          ],
        },
      ],
    },
  ],
];

function encodeSeed(method: string, params: Record<string, unknown>): Buffer {
  const message = TableStore.encoder.encode(method, params);
  return Buffer.from(message.constructor.encode(message).finish());
}

const encoded = SEEDS.map(([op, method, params]) => ({ op, body: encodeSeed(method, params) }));
/** PutRow bodies whose PlainBuffer row is damaged inside a well-formed protobuf. */
const putRowParts = { table_name: 'fz', condition: { row_existence: 0 } };
const sdkRow = Buffer.from(TableStore.PlainBufferBuilder.serializeForPutRow(pk('a'), [{ s: 'x' }, { n: Long.fromNumber(3) }]));

type Mutation =
  | { kind: 'none' }
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'cut'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'random'; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
);

function mutate(body: Buffer, m: Mutation): Buffer {
  if (m.kind === 'none') return body;
  if (m.kind === 'random') return Buffer.from(m.bytes);
  if (m.kind === 'append') return Buffer.concat([body, m.bytes]);
  if (body.length === 0) return body;
  if (m.kind === 'cut') return body.subarray(0, m.at % body.length);
  const out = Buffer.from(body);
  const at = m.at % out.length;
  out[at] = (out[at] as number) ^ m.xor;
  return out;
}

const request = fc.record({
  seed: fc.nat({ max: encoded.length - 1 }),
  target: fc.oneof({ weight: 5, arbitrary: fc.constant('own') }, { weight: 1, arbitrary: fc.constantFrom(...TABLESTORE_OPERATIONS) }),
  inner: fc.boolean(),
  m1: mutation,
  m2: mutation,
});

async function ensureTables(): Promise<void> {
  const names = ots.snapshot().tables.map((t) => t.name);
  if (!names.includes('fz')) await createTable(client, 'fz', { maxVersions: 3 });
}

describe('Tablestore emulator robustness', () => {
  it('answers every corrupted request with protobuf, never an unexpected 5xx, never the internal-error path (fast-check)', async () => {
    await ensureTables();
    ots.faults.add({ action: '*', code: 'OTSServerBusy', httpStatus: 503, probability: 0.05 });
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        await ensureTables();
        const seed = encoded[r.seed] as { op: string; body: Buffer };
        const op = r.target === 'own' ? seed.op : r.target;
        const body = r.inner ? encodeMessage('PutRowRequest', { ...putRowParts, row: mutate(sdkRow, r.m2) }) : mutate(seed.body, r.m1);
        const path = r.inner ? '/PutRow' : `/${op}`;
        const a = await rawRequest(ots, path, body);
        statuses.add(a.status);
        if (a.status === 200) {
          expect(() => decodeMessage(`${path.slice(1)}Response`, a.body)).not.toThrow();
        } else {
          const e = decodeMessage('Error', a.body);
          expect(e.code).toMatch(/^OTS[A-Za-z]+$/);
          expect(a.status).toBeGreaterThanOrEqual(400);
          if (a.status >= 500) expect(e.code, `${path} → ${a.status} ${e.code} ${e.message}`).toBe('OTSServerBusy');
        }
        expect(a.headers['x-ots-requestid']).toBeTruthy();
      }),
      { numRuns: 600, seed: 20261201 },
    );
    ots.faults.clear();
    expect(internalErrors).toEqual([]);
    expect(statuses.has(200)).toBe(true);
    expect(statuses.has(400)).toBe(true);
    expect(statuses.has(503)).toBe(true);
    // Still serving through the SDK.
    await client.putRow({ tableName: 'fz', primaryKey: pk('after'), attributeColumns: [{ s: 'still here' }], condition: new Condition(REE.IGNORE, null) });
    expect(attrs((await client.getRow({ tableName: 'fz', primaryKey: pk('after') })).row)).toEqual({ s: 'still here' });
  });
});
