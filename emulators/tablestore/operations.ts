/**
 * The twelve emulated operations, protobuf side: each decodes its `<Op>Request` (wire.ts), reads the PlainBuffer
 * rows in it (plain-buffer.ts), checks the request-level limits, calls the domain (table-store.ts) and returns the
 * `<Op>Response` message. Errors are thrown as OtsError; in BatchGetRow and BatchWriteRow a row's own error is
 * answered in that row (`is_ok: false`), as the service does.
 */
import { parseFilter, type ColumnFilter } from './conditions.js';
import { OtsError, invalid } from './errors.js';
import { PlainBufferError, readRow1, writeRows, type Cell, type PlainRow, type Value } from './plain-buffer.js';
import { PK_TYPE, ROW_EXISTENCE, type TableStoreState, rowSize, type ReadOptions, type TableSchema, type WriteCondition } from './table-store.js';
import { comparePks, pkKey } from './values.js';
import type { Message } from './wire.js';

export const TABLESTORE_OPERATIONS = [
  'CreateTable',
  'DescribeTable',
  'UpdateTable',
  'ListTable',
  'DeleteTable',
  'PutRow',
  'GetRow',
  'UpdateRow',
  'DeleteRow',
  'GetRange',
  'BatchWriteRow',
  'BatchGetRow',
] as const;
export type TablestoreOperation = (typeof TABLESTORE_OPERATIONS)[number];

/** Documented limits (https://www.alibabacloud.com/help/en/tablestore/limits-on-widecolumn-model). */
export const REQUEST_LIMITS = {
  batchGetRows: 100,
  batchWriteRows: 200,
  batchWriteBytes: 4 * 1024 * 1024,
  rangeRows: 5000,
  rangeBytes: 4 * 1024 * 1024,
  columnsToGet: 128,
  minTtlSeconds: 86400,
  primaryKeyColumns: 4,
} as const;

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const RETURN_TYPE = { NONE: 0, PK: 1, AFTER_MODIFY: 2 } as const;
const OPERATION_TYPE = { PUT: 1, UPDATE: 2, DELETE: 3 } as const;

type Handler = (store: TableStoreState, req: Message) => Message;

/** The table a request names (the first one for batches): fault rules can match it as `queue`. */
export function tableOf(req: Message): string | undefined {
  return req.table_name ?? req.table_meta?.table_name ?? req.tables?.[0]?.table_name;
}

export const HANDLERS: Record<TablestoreOperation, Handler> = {
  CreateTable: createTable,
  DescribeTable: (store, req) => describeTable(store.schema(checkTableName(req.table_name))),
  UpdateTable: updateTable,
  ListTable: (store) => ({ table_names: store.listTables() }),
  DeleteTable: (store, req) => {
    store.deleteTable(checkTableName(req.table_name));
    return {};
  },
  PutRow: (store, req) => writeRow(store, req, 'put'),
  UpdateRow: (store, req) => writeRow(store, req, 'update'),
  DeleteRow: (store, req) => writeRow(store, req, 'delete'),
  GetRow: getRow,
  GetRange: getRange,
  BatchGetRow: batchGetRow,
  BatchWriteRow: batchWriteRow,
};

// ---- tables ------------------------------------------------------------------------------------------------------

function checkTableName(name: unknown): string {
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) throw invalid(`Invalid table name: '${String(name ?? '')}'.`);
  return name;
}

function createTable(store: TableStoreState, req: Message): Message {
  const meta = req.table_meta;
  const name = checkTableName(meta.table_name);
  const pk = (meta.primary_key ?? []) as Array<{ name: string; type: number; option?: number }>;
  if (pk.length < 1 || pk.length > REQUEST_LIMITS.primaryKeyColumns)
    throw invalid(`The number of primary key columns must be in range: [1, ${REQUEST_LIMITS.primaryKeyColumns}].`);
  const names = new Set<string>();
  for (const p of pk) {
    if (!TABLE_NAME.test(p.name)) throw invalid(`Invalid primary key name: '${p.name}'.`);
    if (names.has(p.name)) throw invalid(`Duplicated primary key name: '${p.name}'.`);
    names.add(p.name);
    if (!Object.values(PK_TYPE).includes(p.type as 1)) throw invalid(`Invalid primary key type: ${p.type}.`);
    if (p.option !== undefined) throw invalid('AUTO_INCREMENT primary keys are not supported by this emulator.');
  }
  const cu = req.reserved_throughput.capacity_unit;
  if (cu.read === undefined || cu.write === undefined) throw invalid('Both read and write capacity unit are required to create table.');
  const opts = tableOptions(req.table_options ?? {}, { ttlSeconds: -1, maxVersions: 1, deviationSeconds: 86400 });
  store.createTable({
    name,
    pk: pk.map((p) => ({ name: p.name, type: p.type })),
    ...opts,
    reserved: { read: cu.read, write: cu.write },
    createdAt: store.now(),
  });
  return {};
}

type Options = Pick<TableSchema, 'ttlSeconds' | 'maxVersions' | 'deviationSeconds'>;

/** TableOptions checked, each absent field taken from `current`. */
function tableOptions(opts: Message, current: Options): Options {
  const ttl = opts.time_to_live ?? current.ttlSeconds;
  if (ttl !== -1 && !(ttl >= REQUEST_LIMITS.minTtlSeconds)) throw invalid(`time_to_live must be -1 or at least ${REQUEST_LIMITS.minTtlSeconds} seconds.`);
  const maxVersions = opts.max_versions ?? current.maxVersions;
  if (!(maxVersions >= 1)) throw invalid('max_versions must be at least 1.');
  const deviation = Number(opts.deviation_cell_version_in_sec ?? current.deviationSeconds);
  if (!(deviation >= 1)) throw invalid('deviation_cell_version_in_sec must be positive.');
  return { ttlSeconds: ttl, maxVersions, deviationSeconds: deviation };
}

function updateTable(store: TableStoreState, req: Message): Message {
  const name = checkTableName(req.table_name);
  const current = store.schema(name);
  const cu = req.reserved_throughput?.capacity_unit;
  if (req.reserved_throughput && cu?.read === undefined && cu?.write === undefined) throw invalid('Neither read nor writes capacity unit is set.');
  const reserved = cu ? { read: cu.read ?? current.reserved.read, write: cu.write ?? current.reserved.write } : undefined;
  const s = store.updateTable(name, { ...tableOptions(req.table_options ?? {}, current), reserved });
  const d = describeTable(s);
  return { reserved_throughput_details: d.reserved_throughput_details, table_options: d.table_options };
}

function describeTable(s: TableSchema): Message {
  return {
    table_meta: { table_name: s.name, primary_key: s.pk.map((p) => ({ name: p.name, type: p.type })) },
    reserved_throughput_details: { capacity_unit: { read: s.reserved.read, write: s.reserved.write }, last_increase_time: Math.floor(s.createdAt / 1000) },
    table_options: { time_to_live: s.ttlSeconds, max_versions: s.maxVersions, deviation_cell_version_in_sec: s.deviationSeconds, allow_update: true },
    table_status: 1,
  };
}

// ---- single-row operations ---------------------------------------------------------------------------------------

/** Reads a PlainBuffer field holding one row; a malformed one is OTSParameterInvalid. */
function plainRow(buf: Buffer | undefined, what: string): PlainRow {
  if (!buf || buf.length === 0) throw invalid(`The ${what} is empty.`);
  try {
    return readRow1(buf);
  } catch (err) {
    if (err instanceof PlainBufferError) throw invalid(`Invalid PlainBuffer in the ${what}: ${err.message}.`);
    throw err;
  }
}

function condition(c: Message | undefined): WriteCondition {
  const existence = c?.row_existence;
  if (!Object.values(ROW_EXISTENCE).includes(existence)) throw invalid(`Invalid row existence expectation: ${String(existence)}.`);
  const bytes = c?.column_condition as Buffer | undefined;
  return { existence, column: bytes && bytes.length > 0 ? parseFilter(bytes, false) : undefined };
}

const capacity = (read: number, write: number) => ({ capacity_unit: { read, write } });
const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

type WriteKind = 'put' | 'update' | 'delete';

function applyWrite(store: TableStoreState, table: string, kind: WriteKind, row: PlainRow, cond: WriteCondition): Value[] {
  if (kind === 'put') return store.putRow(table, row, cond);
  if (kind === 'update') return store.updateRow(table, row, cond);
  return store.deleteRow(table, row, cond);
}

function returnedRow(store: TableStoreState, table: string, pk: Value[], rc: Message | undefined): Buffer | undefined {
  const type = rc?.return_type ?? RETURN_TYPE.NONE;
  if (type === RETURN_TYPE.NONE) return undefined;
  const pkCells: Cell[] = store.schema(table).pk.map((p, i) => ({ name: p.name, value: pk[i] as Value }));
  const names = (rc?.return_column_names ?? []) as string[];
  if (type === RETURN_TYPE.AFTER_MODIFY && names.length > 0) {
    const view = store.getRow(table, pkCells, { columns: names, maxVersions: 1 });
    return writeRows([{ pk: pkCells, attrs: view?.attrs ?? [], deleteMarker: false }]);
  }
  if (type !== RETURN_TYPE.PK && type !== RETURN_TYPE.AFTER_MODIFY) throw invalid(`Invalid return type: ${type}.`);
  return writeRows([{ pk: pkCells, attrs: [], deleteMarker: false }]);
}

function writeRow(store: TableStoreState, req: Message, kind: WriteKind): Message {
  const table = checkTableName(req.table_name);
  const what = kind === 'put' ? 'row' : kind === 'update' ? 'row change' : 'primary key';
  const row = plainRow(kind === 'put' ? req.row : kind === 'update' ? req.row_change : req.primary_key, what);
  const cond = condition(req.condition);
  const pk = applyWrite(store, table, kind, row, cond);
  const out: Message = { consumed: capacity(cond.existence === ROW_EXISTENCE.IGNORE && !cond.column ? 0 : 1, units(rowSize(row))) };
  const back = returnedRow(store, table, pk, req.return_content);
  if (back) out.row = back;
  return out;
}

function readOptions(req: Message): ReadOptions {
  const columns = (req.columns_to_get ?? []) as string[];
  if (columns.length > REQUEST_LIMITS.columnsToGet) throw invalid(`The number of columns to get exceeded the limit: ${REQUEST_LIMITS.columnsToGet}.`);
  const tr = req.time_range as Message | undefined;
  if (req.max_versions === undefined && !tr) throw invalid('Neither max_versions nor time_range is specified.');
  if (req.max_versions !== undefined && !(req.max_versions >= 1)) throw invalid('max_versions must be at least 1.');
  const filterBytes = req.filter as Buffer | undefined;
  const filter: ColumnFilter | undefined = filterBytes && filterBytes.length > 0 ? parseFilter(filterBytes, true) : undefined;
  const timeRange = tr ? { start: num(tr.start_time), end: num(tr.end_time), specific: num(tr.specific_time) } : undefined;
  return { columns, maxVersions: req.max_versions ?? Number.MAX_SAFE_INTEGER, timeRange, filter };
}

const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));

function getRow(store: TableStoreState, req: Message): Message {
  const table = checkTableName(req.table_name);
  const key = plainRow(req.primary_key, 'primary key');
  const view = store.getRow(table, key.pk, readOptions(req));
  return { consumed: capacity(units(view ? rowSize(view) : 0), 0), row: view ? writeRows([view]) : Buffer.alloc(0) };
}

function getRange(store: TableStoreState, req: Message): Message {
  const table = checkTableName(req.table_name);
  if (req.direction !== 0 && req.direction !== 1) throw invalid(`Invalid direction: ${String(req.direction)}.`);
  const forward = req.direction === 0;
  const start = store.primaryKey(table, plainRow(req.inclusive_start_primary_key, 'inclusive start primary key').pk, true);
  const end = store.primaryKey(table, plainRow(req.exclusive_end_primary_key, 'exclusive end primary key').pk, true);
  const order = comparePks(start, end);
  if (forward && order >= 0) throw invalid('Begin key must less than end key in FORWARD');
  if (!forward && order <= 0) throw invalid('Begin key must more than end key in BACKWARD');
  if (req.limit !== undefined && !(req.limit > 0)) throw invalid('The limit must be greater than 0.');
  const limit = Math.min(req.limit ?? REQUEST_LIMITS.rangeRows, REQUEST_LIMITS.rangeRows);
  const r = store.getRange(table, { ...readOptions(req), forward, start, end, limit, maxBytes: REQUEST_LIMITS.rangeBytes });
  const out: Message = { consumed: capacity(units(r.rows.reduce((n, v) => n + rowSize(v), 0)), 0), rows: writeRows(r.rows) };
  if (r.next) {
    const names = store.schema(table).pk;
    out.next_start_primary_key = writeRows([
      { pk: r.next.map((v, i) => ({ name: (names[i] as { name: string }).name, value: v })), attrs: [], deleteMarker: false },
    ]);
  }
  return out;
}

// ---- batches -----------------------------------------------------------------------------------------------------

function rowError(err: unknown): Message {
  if (!(err instanceof OtsError)) throw err;
  return { is_ok: false, error: { code: err.code, message: err.message } };
}

function uniqueTables(tables: Message[], op: string): void {
  if (tables.length === 0) throw invalid(`No row specified in the request of ${op}.`);
  const seen = new Set<string>();
  for (const t of tables) {
    const name = checkTableName(t.table_name);
    if (seen.has(name)) throw invalid(`Duplicated table name: '${name}'.`);
    seen.add(name);
  }
}

function noDuplicateKeys(rows: PlainRow[]): void {
  const keys = new Set<string>();
  for (const r of rows) {
    const key = pkKey(r.pk.map((c) => c.value ?? { type: -1, payload: Buffer.alloc(0) }));
    if (keys.has(key)) throw invalid('The input parameter is invalid.');
    keys.add(key);
  }
}

function batchGetRow(store: TableStoreState, req: Message): Message {
  const tables = (req.tables ?? []) as Message[];
  uniqueTables(tables, 'BatchGetRow');
  const total = tables.reduce((n, t) => n + (t.primary_key?.length ?? 0), 0);
  if (total === 0) throw invalid('No row specified in the request of BatchGetRow.');
  if (total > REQUEST_LIMITS.batchGetRows) throw invalid(`Rows count exceeds the upper limit: ${REQUEST_LIMITS.batchGetRows}.`);
  const parsed = tables.map((t) => {
    const keys = ((t.primary_key ?? []) as Buffer[]).map((b) => plainRow(b, 'primary key'));
    noDuplicateKeys(keys);
    return { name: t.table_name as string, keys, opts: readOptions(t) };
  });
  return {
    tables: parsed.map((t) => ({
      table_name: t.name,
      rows: t.keys.map((k) => {
        try {
          const view = store.getRow(t.name, k.pk, t.opts);
          return { is_ok: true, consumed: capacity(units(view ? rowSize(view) : 0), 0), row: view ? writeRows([view]) : Buffer.alloc(0) };
        } catch (err) {
          return rowError(err);
        }
      }),
    })),
  };
}

interface BatchWrite {
  kind: WriteKind;
  row: PlainRow;
  cond: WriteCondition;
  returnContent?: Message;
}

function parseBatchWrite(t: Message, index: number): BatchWrite[] {
  const rows = (t.rows ?? []) as Message[];
  const writes = rows.map((r, i): BatchWrite => {
    const kind = r.type === OPERATION_TYPE.PUT ? 'put' : r.type === OPERATION_TYPE.UPDATE ? 'update' : r.type === OPERATION_TYPE.DELETE ? 'delete' : undefined;
    if (!kind) throw invalid(`Invalid operation type: ${String(r.type)} of row #${i} in table: '${t.table_name}'.`);
    const cond = condition(r.condition);
    if (kind === 'delete' && cond.existence === ROW_EXISTENCE.EXPECT_NOT_EXIST)
      throw invalid(`Invalid condition: EXPECT_NOT_EXIST while deleting row #${i} in table: '${t.table_name}'.`);
    return { kind, row: plainRow(r.row_change, `row change #${i} of table #${index}`), cond, returnContent: r.return_content };
  });
  noDuplicateKeys(writes.map((w) => w.row));
  return writes;
}

function batchWriteRow(store: TableStoreState, req: Message): Message {
  const tables = (req.tables ?? []) as Message[];
  uniqueTables(tables, 'BatchWriteRow');
  const parsed = tables.map((t, i) => ({ name: t.table_name as string, writes: parseBatchWrite(t, i) }));
  const total = parsed.reduce((n, t) => n + t.writes.length, 0);
  if (total === 0) throw invalid('No row is specified in BatchWriteRow.');
  if (total > REQUEST_LIMITS.batchWriteRows) throw invalid(`Rows count exceeds the upper limit: ${REQUEST_LIMITS.batchWriteRows}.`);
  const bytes = parsed.reduce((n, t) => n + t.writes.reduce((m, w) => m + rowSize(w.row), 0), 0);
  if (bytes > REQUEST_LIMITS.batchWriteBytes) throw invalid('The total data size of single BatchWriteRow request exceeded the limit.');
  return {
    tables: parsed.map((t) => ({
      table_name: t.name,
      rows: t.writes.map((w) => {
        try {
          const pk = applyWrite(store, t.name, w.kind, w.row, w.cond);
          const back = returnedRow(store, t.name, pk, w.returnContent);
          return {
            is_ok: true,
            consumed: capacity(w.cond.existence === ROW_EXISTENCE.IGNORE && !w.cond.column ? 0 : 1, units(rowSize(w.row))),
            ...(back ? { row: back } : {}),
          };
        } catch (err) {
          return rowError(err);
        }
      }),
    })),
  };
}
