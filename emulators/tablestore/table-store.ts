/**
 * The Tablestore domain, pure (no HTTP, no timers; an injectable clock): tables with their schema and options, rows
 * with versioned cells, TTL visibility, row-existence and column conditions, and the reads. Operations take rows
 * already read from PlainBuffer and answer rows to be written back; operations.ts does the protobuf side.
 *
 * Semantics (https://www.alibabacloud.com/help/en/tablestore/data-versions-and-ttl and the API reference):
 * - a cell version is visible while `now - ts < ttl` (seconds; -1 = forever), so rows expire cell by cell;
 * - PutRow replaces the whole row; UpdateRow changes the named columns (put, delete one version, delete all
 *   versions, increment); each column keeps at most `max_versions` versions, newest first;
 * - cells written without a timestamp get the clock's time (ms); a given timestamp must be within
 *   `deviation_cell_version_in_sec` of it.
 */
import { type ColumnFilter, evaluate } from './conditions.js';
import { invalid, otsError } from './errors.js';
import { PK_TYPE_NAMES, checkPk, checkPutCells, checkUpdateCells } from './row-checks.js';
import { CELL_OP, VT, intValue, type Cell, type PlainRow, type Value, valueToJson } from './plain-buffer.js';
import { comparePks, pkKey, valueSize } from './values.js';

export const PK_TYPE = { INTEGER: 1, STRING: 2, BINARY: 3 } as const;
export const ROW_EXISTENCE = { IGNORE: 0, EXPECT_EXIST: 1, EXPECT_NOT_EXIST: 2 } as const;

export interface TableSchema {
  name: string;
  pk: Array<{ name: string; type: number }>;
  /** Seconds; -1 = never expire. */
  ttlSeconds: number;
  maxVersions: number;
  deviationSeconds: number;
  reserved: { read: number; write: number };
  /** Clock time of creation (ms). */
  createdAt: number;
}

interface Version {
  ts: number;
  value: Value;
}

interface StoredRow {
  pk: Value[];
  columns: Map<string, Version[]>;
  /** A row put with no attribute columns exists on its own, until its write time passes the TTL. */
  pkOnlyAt?: number;
}

interface Table {
  schema: TableSchema;
  rows: Map<string, StoredRow>;
  /** Rows sorted by primary key, rebuilt lazily after an insert or delete. */
  sorted?: StoredRow[];
}

export interface WriteCondition {
  existence: number;
  column?: ColumnFilter;
}

export interface ReadOptions {
  columns?: readonly string[];
  maxVersions?: number;
  timeRange?: { start?: number; end?: number; specific?: number };
  filter?: ColumnFilter;
}

/** A row as answered: primary key and the selected attribute versions. */
export type RowView = PlainRow;

export interface RangeRequest extends ReadOptions {
  forward: boolean;
  start: Value[];
  end: Value[];
  limit: number;
  maxBytes: number;
}

export const MAX_TABLES = 64;

export class TableStoreState {
  private tables = new Map<string, Table>();

  constructor(readonly now: () => number) {}

  clear(): void {
    this.tables.clear();
  }

  createTable(schema: TableSchema): void {
    if (this.tables.has(schema.name)) throw otsError('OTSObjectAlreadyExist');
    if (this.tables.size >= MAX_TABLES) throw otsError('OTSQuotaExhausted', `Number of tables exceeded the quota: ${MAX_TABLES}.`);
    this.tables.set(schema.name, { schema, rows: new Map() });
  }

  /** Changes a table's options (TTL, versions, deviation, reserved throughput) in place. */
  updateTable(name: string, change: Partial<Pick<TableSchema, 'ttlSeconds' | 'maxVersions' | 'deviationSeconds' | 'reserved'>>): TableSchema {
    const schema = this.table(name).schema;
    Object.assign(schema, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
    return schema;
  }

  deleteTable(name: string): void {
    if (!this.tables.delete(name)) throw otsError('OTSObjectNotExist');
  }

  listTables(): string[] {
    return [...this.tables.keys()].sort();
  }

  schema(name: string): TableSchema {
    return this.table(name).schema;
  }

  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  private table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw otsError('OTSObjectNotExist');
    return t;
  }

  /** The primary key of `cells` in schema order, checked against the schema; INF_MIN/INF_MAX only for bounds. */
  primaryKey(tableName: string, cells: readonly Cell[], bounds = false): Value[] {
    return checkPk(this.table(tableName).schema, cells, bounds);
  }

  // ---- writes ------------------------------------------------------------------------------------------------

  /** PutRow: checks the condition, then replaces the row. Returns the primary key written. */
  putRow(tableName: string, row: PlainRow, cond: WriteCondition): Value[] {
    const t = this.table(tableName);
    const pk = checkPk(t.schema, row.pk, false);
    const attrs = checkPutCells(row.attrs, 'putting');
    const now = this.now();
    this.checkCondition(t, pk, cond);
    const stored: StoredRow = { pk, columns: new Map() };
    for (const c of attrs) addVersion(t.schema, stored, c.name, { ts: this.cellTs(t, c), value: c.value as Value });
    if (attrs.length === 0) stored.pkOnlyAt = now;
    this.store(t, stored);
    return pk;
  }

  /** UpdateRow: checks the condition, then applies each column change. Returns the primary key. */
  updateRow(tableName: string, row: PlainRow, cond: WriteCondition): Value[] {
    const t = this.table(tableName);
    const pk = checkPk(t.schema, row.pk, false);
    checkUpdateCells(row.attrs);
    const current = this.checkCondition(t, pk, cond);
    const stored: StoredRow = current ? cloneRow(current) : { pk, columns: new Map() };
    for (const c of row.attrs) this.applyChange(t, stored, c);
    if (stored.columns.size === 0 && stored.pkOnlyAt === undefined) this.remove(t, pk);
    else this.store(t, stored);
    return pk;
  }

  /** DeleteRow: checks the condition (IGNORE or EXPECT_EXIST), then removes the row. */
  deleteRow(tableName: string, row: PlainRow, cond: WriteCondition): Value[] {
    const t = this.table(tableName);
    const pk = checkPk(t.schema, row.pk, false);
    if (row.attrs.length > 0) throw invalid('DeleteRow takes only the primary key.');
    if (cond.existence === ROW_EXISTENCE.EXPECT_NOT_EXIST) throw invalid('Invalid condition: EXPECT_NOT_EXIST while deleting row.');
    this.checkCondition(t, pk, cond);
    this.remove(t, pk);
    return pk;
  }

  private applyChange(t: Table, row: StoredRow, c: Cell): void {
    if (c.op === undefined) {
      addVersion(t.schema, row, c.name, { ts: this.cellTs(t, c), value: c.value as Value });
    } else if (c.op === CELL_OP.DELETE_ALL_VERSION) {
      row.columns.delete(c.name);
    } else if (c.op === CELL_OP.DELETE_ONE_VERSION) {
      const left = (row.columns.get(c.name) ?? []).filter((v) => v.ts !== c.ts);
      if (left.length) row.columns.set(c.name, left);
      else row.columns.delete(c.name);
    } else {
      const latest = this.visible(t, row.columns.get(c.name) ?? [])[0];
      if (latest && latest.value.type !== VT.INTEGER) throw invalid(`Column '${c.name}' is not an INTEGER and cannot be incremented.`);
      const sum = (latest ? latest.value.payload.readBigInt64LE(0) : 0n) + (c.value as Value).payload.readBigInt64LE(0);
      if (sum > 0x7fffffffffffffffn || sum < -0x8000000000000000n) throw invalid(`Column '${c.name}' overflows when incremented.`);
      addVersion(t.schema, row, c.name, { ts: this.now(), value: intValue(sum) });
    }
  }

  private cellTs(t: Table, c: Cell): number {
    const now = this.now();
    if (c.ts === undefined) return now;
    if (Math.abs(c.ts - now) > t.schema.deviationSeconds * 1000) {
      throw invalid(`The timestamp ${c.ts} of column '${c.name}' deviates from the server time by more than ${t.schema.deviationSeconds} seconds.`);
    }
    return c.ts;
  }

  /** Throws OTSConditionCheckFail unless the row matches; returns the live row, if any. */
  private checkCondition(t: Table, pk: Value[], cond: WriteCondition): StoredRow | undefined {
    const row = this.live(t, pkKey(pk));
    if (cond.existence === ROW_EXISTENCE.EXPECT_EXIST && !row) throw otsError('OTSConditionCheckFail');
    if (cond.existence === ROW_EXISTENCE.EXPECT_NOT_EXIST && row) throw otsError('OTSConditionCheckFail');
    if (cond.column && !evaluate(cond.column, this.lookup(t, pk, row))) throw otsError('OTSConditionCheckFail');
    return row;
  }

  private lookup(t: Table, pk: Value[], row: StoredRow | undefined): (name: string) => Value[] | undefined {
    return (name) => {
      const i = t.schema.pk.findIndex((p) => p.name === name);
      if (i >= 0) return [pk[i] as Value];
      const versions = row ? this.visible(t, row.columns.get(name) ?? []) : [];
      return versions.length ? versions.map((v) => v.value) : undefined;
    };
  }

  private store(t: Table, row: StoredRow): void {
    const key = pkKey(row.pk);
    if (!t.rows.has(key)) t.sorted = undefined;
    t.rows.set(key, row);
  }

  private remove(t: Table, pk: Value[]): void {
    if (t.rows.delete(pkKey(pk))) t.sorted = undefined;
  }

  // ---- visibility --------------------------------------------------------------------------------------------

  /** The versions visible now: within the TTL, at most `maxVersions` (UpdateTable may have lowered it). */
  private visible(t: Table, versions: Version[]): Version[] {
    const kept = versions.length > t.schema.maxVersions ? versions.slice(0, t.schema.maxVersions) : versions;
    if (t.schema.ttlSeconds < 0) return kept;
    const oldest = this.now() - t.schema.ttlSeconds * 1000;
    return kept.filter((v) => v.ts > oldest);
  }

  /** The row if it is visible now; expired cells (and a wholly expired row) are dropped on the way. */
  private live(t: Table, key: string): StoredRow | undefined {
    const row = t.rows.get(key);
    if (!row) return undefined;
    if (t.schema.ttlSeconds >= 0) {
      for (const [name, versions] of row.columns) {
        const v = this.visible(t, versions);
        if (v.length === 0) row.columns.delete(name);
        else if (v.length !== versions.length) row.columns.set(name, v);
      }
      if (row.pkOnlyAt !== undefined && this.visible(t, [{ ts: row.pkOnlyAt, value: intValue(0n) }]).length === 0) row.pkOnlyAt = undefined;
    }
    if (row.columns.size === 0 && row.pkOnlyAt === undefined) {
      this.remove(t, row.pk);
      return undefined;
    }
    return row;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  /** GetRow: the row's view, or undefined when it does not exist or the filter rejects it. */
  getRow(tableName: string, pkCells: readonly Cell[], opts: ReadOptions): RowView | undefined {
    const t = this.table(tableName);
    const pk = checkPk(t.schema, pkCells, false);
    const row = this.live(t, pkKey(pk));
    return row ? this.view(t, row, opts) : undefined;
  }

  /** GetRange: rows from `start` (inclusive) to `end` (exclusive), and the next start key when more remain. */
  getRange(tableName: string, req: RangeRequest): { rows: RowView[]; next?: Value[] } {
    const t = this.table(tableName);
    const ordered = this.sortedRows(t);
    const rows: RowView[] = [];
    let bytes = 0;
    const inRange = (pk: Value[]) =>
      req.forward ? comparePks(pk, req.start) >= 0 && comparePks(pk, req.end) < 0 : comparePks(pk, req.start) <= 0 && comparePks(pk, req.end) > 0;
    const step = req.forward ? 1 : -1;
    for (let i = req.forward ? 0 : ordered.length - 1; i >= 0 && i < ordered.length; i += step) {
      const candidate = ordered[i] as StoredRow;
      if (!inRange(candidate.pk)) continue;
      const row = this.live(t, pkKey(candidate.pk));
      if (!row) continue;
      if (rows.length >= req.limit || bytes >= req.maxBytes) return { rows, next: row.pk };
      const view = this.view(t, row, req);
      if (!view) continue;
      rows.push(view);
      bytes += rowSize(view);
    }
    return { rows };
  }

  private sortedRows(t: Table): StoredRow[] {
    if (!t.sorted) t.sorted = [...t.rows.values()].sort((a, b) => comparePks(a.pk, b.pk));
    return [...t.sorted];
  }

  private view(t: Table, row: StoredRow, opts: ReadOptions): RowView | undefined {
    if (opts.filter && !evaluate(opts.filter, this.lookup(t, row.pk, row))) return undefined;
    const wanted = opts.columns?.length ? new Set(opts.columns) : undefined;
    let attrs: Cell[] = [];
    for (const name of [...row.columns.keys()].sort()) {
      if (wanted && !wanted.has(name)) continue;
      const versions = this.visible(t, row.columns.get(name) ?? []).filter((v) => inTimeRange(v.ts, opts.timeRange));
      for (const v of versions.slice(0, opts.maxVersions ?? 1)) attrs.push({ name, value: v.value, ts: v.ts });
    }
    if (opts.filter?.kind === 'pagination') attrs = paginate(attrs, opts.filter.offset, opts.filter.limit);
    if (wanted && attrs.length === 0 && !t.schema.pk.some((p) => wanted.has(p.name))) return undefined;
    const pk = t.schema.pk.map((p, i) => ({ name: p.name, value: row.pk[i] as Value }));
    return { pk, attrs, deleteMarker: false };
  }

  // ---- admin -------------------------------------------------------------------------------------------------

  /** Every table with its visible rows decoded (for `GET /__admin/state`). */
  snapshot(): TableSnapshot[] {
    return this.listTables().map((name) => {
      const t = this.table(name);
      const rows = this.sortedRows(t).flatMap((r) => {
        const row = this.live(t, pkKey(r.pk));
        return row ? [rowSnapshot(t, row, (v) => this.visible(t, v))] : [];
      });
      const { pk, ttlSeconds, maxVersions, deviationSeconds, reserved, createdAt } = t.schema;
      return {
        name,
        primaryKey: pk.map((p) => ({ name: p.name, type: PK_TYPE_NAMES[p.type] as string })),
        ttlSeconds,
        maxVersions,
        deviationSeconds,
        reserved,
        createdAt,
        rowCount: rows.length,
        rows,
      };
    });
  }
}

export interface RowSnapshot {
  primaryKey: Record<string, unknown>;
  attributes: Record<string, unknown>;
  /** Each attribute's newest timestamp (ms). */
  timestamps: Record<string, number>;
  /** Older versions, when the table keeps several. */
  versions?: Record<string, Array<{ value: unknown; ts: number }>>;
}

export interface TableSnapshot {
  name: string;
  primaryKey: Array<{ name: string; type: string }>;
  ttlSeconds: number;
  maxVersions: number;
  deviationSeconds: number;
  reserved: { read: number; write: number };
  createdAt: number;
  rowCount: number;
  rows: RowSnapshot[];
}

function rowSnapshot(t: Table, row: StoredRow, visible: (v: Version[]) => Version[]): RowSnapshot {
  const snap: RowSnapshot = { primaryKey: {}, attributes: {}, timestamps: {} };
  t.schema.pk.forEach((p, i) => {
    snap.primaryKey[p.name] = valueToJson(row.pk[i] as Value);
  });
  for (const name of [...row.columns.keys()].sort()) {
    const versions = visible(row.columns.get(name) ?? []);
    const latest = versions[0];
    if (!latest) continue;
    snap.attributes[name] = valueToJson(latest.value);
    snap.timestamps[name] = latest.ts;
    if (versions.length > 1) {
      snap.versions ??= {};
      snap.versions[name] = versions.map((v) => ({ value: valueToJson(v.value), ts: v.ts }));
    }
  }
  return snap;
}

function addVersion(schema: TableSchema, row: StoredRow, name: string, v: Version): void {
  const versions = (row.columns.get(name) ?? []).filter((x) => x.ts !== v.ts);
  versions.push(v);
  versions.sort((a, b) => b.ts - a.ts);
  row.columns.set(name, versions.slice(0, schema.maxVersions));
  row.pkOnlyAt = undefined;
}

function cloneRow(row: StoredRow): StoredRow {
  return { pk: row.pk, columns: new Map([...row.columns].map(([k, v]) => [k, [...v]])), pkOnlyAt: row.pkOnlyAt };
}

function inTimeRange(ts: number, r: ReadOptions['timeRange']): boolean {
  if (!r) return true;
  if (r.specific !== undefined) return ts === r.specific;
  return (r.start === undefined || ts >= r.start) && (r.end === undefined || ts < r.end);
}

function paginate(cells: Cell[], offset: number, limit: number): Cell[] {
  const names = [...new Set(cells.map((c) => c.name))].slice(offset, offset + limit);
  const keep = new Set(names);
  return cells.filter((c) => keep.has(c.name));
}

/** Bytes of a row view (names and values), for capacity units and GetRange's 4 MB page. */
export function rowSize(row: PlainRow): number {
  let n = 0;
  for (const c of [...row.pk, ...row.attrs]) n += Buffer.byteLength(c.name) + (c.value ? valueSize(c.value) : 0) + (c.ts !== undefined ? 8 : 0);
  return n;
}
