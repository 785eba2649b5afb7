/**
 * The checks a row must pass before it is written or read: its primary key against the table's schema (names, order,
 * types, INF_MIN/INF_MAX only as range bounds, 1 KB per value), and its attribute columns (names, duplicates, value
 * types, 2 MB per value, 1024 columns and 4 MB per request, the shape of each UpdateRow change). Limits from
 * https://www.alibabacloud.com/help/en/tablestore/limits-on-widecolumn-model.
 */
import { invalid, otsError } from './errors.js';
import { CELL_OP, VT, type Cell, type Value } from './plain-buffer.js';
import type { TableSchema } from './table-store.js';
import { valueSize } from './values.js';

export const PK_TYPE_NAMES: Record<number, string> = { 1: 'INTEGER', 2: 'STRING', 3: 'BINARY' };
const VT_OF_PK: Record<number, number> = { 1: VT.INTEGER, 2: VT.STRING, 3: VT.BLOB };

export const LIMITS = {
  pkValueBytes: 1024,
  attributeValueBytes: 2 * 1024 * 1024,
  columnNameBytes: 255,
  columnsPerWrite: 1024,
  rowBytes: 4 * 1024 * 1024,
} as const;

export function checkPk(schema: TableSchema, cells: readonly Cell[], bounds: boolean): Value[] {
  if (cells.length !== schema.pk.length) throw otsError('OTSInvalidPK', `Validate PK size fail. Input: ${cells.length}, Meta: ${schema.pk.length}.`);
  return schema.pk.map((p, i) => {
    const c = cells[i] as Cell;
    if (c.name !== p.name) throw otsError('OTSInvalidPK', `Validate PK name fail. Input: ${c.name}, Meta: ${p.name}.`);
    if (!c.value || c.op !== undefined || c.ts !== undefined) throw invalid(`Invalid primary key column: '${c.name}'.`);
    const v = c.value;
    if (v.type === VT.INF_MIN || v.type === VT.INF_MAX) {
      if (!bounds) throw invalid(`${v.type === VT.INF_MIN ? 'INF_MIN' : 'INF_MAX'} is an invalid type for the primary key.`);
      return v;
    }
    if (v.type !== VT_OF_PK[p.type]) throw otsError('OTSInvalidPK', `Validate PK type fail. Input: ${vtName(v.type)}, Meta: ${PK_TYPE_NAMES[p.type]}.`);
    if (valueSize(v) > LIMITS.pkValueBytes)
      throw invalid(`The length of primary key column: '${p.name}' exceeded the MaxLength:${LIMITS.pkValueBytes} with CurrentLength:${valueSize(v)}.`);
    return v;
  });
}

function vtName(type: number): string {
  return Object.entries(VT).find(([, n]) => n === type)?.[0] ?? `0x${type.toString(16)}`;
}

function checkColumnName(name: string): void {
  const n = Buffer.byteLength(name, 'utf8');
  if (n === 0 || n > LIMITS.columnNameBytes) throw invalid(`Invalid column name: '${name}'.`);
}

function checkAttributeValue(c: Cell): void {
  const v = c.value as Value;
  if (v.type === VT.INF_MIN || v.type === VT.INF_MAX)
    throw invalid(`${v.type === VT.INF_MIN ? 'INF_MIN' : 'INF_MAX'} is an invalid type for the attribute column.`);
  if (v.type === VT.AUTO_INCREMENT || v.type === VT.NULL) throw invalid(`Invalid column type for the attribute column: '${c.name}'.`);
  if (valueSize(v) > LIMITS.attributeValueBytes)
    throw invalid(`The length of attribute column: '${c.name}' exceeded the MaxLength:${LIMITS.attributeValueBytes} with CurrentLength:${valueSize(v)}.`);
}

function checkColumnCount(cells: readonly Cell[]): void {
  if (cells.length > LIMITS.columnsPerWrite)
    throw otsError(
      'OTSOutOfColumnCountLimit',
      `The number of columns from the request exceeded the limit. Limit: ${LIMITS.columnsPerWrite}, Current: ${cells.length}.`,
    );
  const size = cells.reduce((n, c) => n + Buffer.byteLength(c.name) + (c.value ? valueSize(c.value) : 0), 0);
  if (size > LIMITS.rowBytes) throw otsError('OTSOutOfRowSizeLimit');
}

export function checkPutCells(cells: readonly Cell[], verb: string): Cell[] {
  checkColumnCount(cells);
  const seen = new Set<string>();
  for (const c of cells) {
    checkColumnName(c.name);
    if (seen.has(c.name)) throw invalid(`Duplicated attribute column name: '${c.name}' while ${verb} row.`);
    seen.add(c.name);
    if (c.op !== undefined || !c.value) throw invalid(`Invalid attribute column: '${c.name}' while ${verb} row.`);
    checkAttributeValue(c);
  }
  return [...cells];
}

export function checkUpdateCells(cells: readonly Cell[]): void {
  checkColumnCount(cells);
  const seen = new Set<string>();
  for (const c of cells) {
    checkColumnName(c.name);
    if (seen.has(c.name)) throw invalid(`Duplicated attribute column name: '${c.name}' while updating row.`);
    seen.add(c.name);
    checkUpdateCell(c);
  }
}

function checkUpdateCell(c: Cell): void {
  switch (c.op) {
    case undefined:
      if (!c.value) throw invalid(`Missing the value of column '${c.name}' while updating row.`);
      checkAttributeValue(c);
      return;
    case CELL_OP.DELETE_ALL_VERSION:
      if (c.value || c.ts !== undefined) throw invalid(`Deleting all versions of column '${c.name}' takes neither a value nor a timestamp.`);
      return;
    case CELL_OP.DELETE_ONE_VERSION:
      if (c.value || c.ts === undefined) throw invalid(`Deleting one version of column '${c.name}' takes a timestamp and no value.`);
      return;
    case CELL_OP.INCREMENT:
      if (!c.value || c.value.type !== VT.INTEGER) throw invalid(`The increment of column '${c.name}' must be an INTEGER.`);
      if (c.ts !== undefined) throw invalid(`The increment of column '${c.name}' cannot take a timestamp.`);
      return;
    default:
      throw invalid(`Invalid update type of column '${c.name}': ${c.op}.`);
  }
}
