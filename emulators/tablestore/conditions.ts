/**
 * Column conditions and read filters (`filter.proto.Filter`): decoded from their protobuf bytes into a tree, checked
 * against the limits (at most 10 single-column conditions), then evaluated against a row. Semantics
 * (https://www.alibabacloud.com/help/en/tablestore/developer-reference/configure-conditional-update-by-using-nodejs-sdk):
 * a single-column condition compares the column (an attribute, or a primary-key column) with a constant; a missing
 * column passes unless `filter_if_missing`; with `latest_version_only` false any version may satisfy it. NOT takes
 * one sub-condition, AND and OR at least two.
 */
import { invalid } from './errors.js';
import { PlainBufferError, VT, checkValue, type Value } from './plain-buffer.js';
import { compareValues } from './values.js';
import { decodeMessage } from './wire.js';

export const FILTER_TYPE = { SINGLE: 1, COMPOSITE: 2, PAGINATION: 3 } as const;
export const COMPARATOR = { EQUAL: 1, NOT_EQUAL: 2, GREATER_THAN: 3, GREATER_EQUAL: 4, LESS_THAN: 5, LESS_EQUAL: 6 } as const;
export const COMBINATOR = { NOT: 1, AND: 2, OR: 3 } as const;
export const MAX_COLUMN_CONDITIONS = 10;

export type ColumnFilter =
  | { kind: 'single'; comparator: number; column: string; value: Value; filterIfMissing: boolean; latestOnly: boolean }
  | { kind: 'composite'; combinator: number; subs: ColumnFilter[] }
  | { kind: 'pagination'; offset: number; limit: number };

/** Reads a column's versions (newest first); undefined when the row has no such column. */
export type ColumnLookup = (name: string) => Value[] | undefined;

/** Decodes and checks a filter; `allowPagination` for reads (a condition cannot paginate). */
export function parseFilter(bytes: Buffer, allowPagination: boolean): ColumnFilter {
  const counter = { singles: 0 };
  const f = parseNode(decodeMessage('Filter', bytes) as FilterMessage, counter, 0);
  if (f.kind === 'pagination' && !allowPagination) throw invalid('ColumnPaginationFilter is not allowed in a condition.');
  if (counter.singles > MAX_COLUMN_CONDITIONS) throw invalid(`The count of column conditions exceeds the limit: ${MAX_COLUMN_CONDITIONS}.`);
  return f;
}

interface FilterMessage {
  type: number;
  filter: Buffer;
}

function parseNode(f: FilterMessage, counter: { singles: number }, depth: number): ColumnFilter {
  if (depth > MAX_COLUMN_CONDITIONS) throw invalid('The column condition is nested too deeply.');
  if (f.type === FILTER_TYPE.SINGLE) {
    counter.singles++;
    return parseSingle(decodeMessage('SingleColumnValueFilter', f.filter));
  }
  if (f.type === FILTER_TYPE.COMPOSITE) {
    const c = decodeMessage('CompositeColumnValueFilter', f.filter);
    const subs = ((c.sub_filters ?? []) as FilterMessage[]).map((sub) => {
      if (sub.type === FILTER_TYPE.PAGINATION) throw invalid('ColumnPaginationFilter cannot be a sub-condition.');
      return parseNode(sub, counter, depth + 1);
    });
    if (c.combinator === COMBINATOR.NOT ? subs.length !== 1 : subs.length < 2) {
      throw invalid(c.combinator === COMBINATOR.NOT ? 'LO_NOT takes exactly one sub-condition.' : 'LO_AND and LO_OR take at least two sub-conditions.');
    }
    if (!Object.values(COMBINATOR).includes(c.combinator)) throw invalid(`Invalid logical operator: ${c.combinator}.`);
    return { kind: 'composite', combinator: c.combinator, subs };
  }
  if (f.type === FILTER_TYPE.PAGINATION) {
    const p = decodeMessage('ColumnPaginationFilter', f.filter);
    if (p.offset < 0 || p.limit < 0) throw invalid('The offset and limit of ColumnPaginationFilter must not be negative.');
    return { kind: 'pagination', offset: p.offset, limit: p.limit };
  }
  throw invalid(`Invalid filter type: ${f.type}.`);
}

function parseSingle(s: Record<string, any>): ColumnFilter {
  if (!Object.values(COMPARATOR).includes(s.comparator)) throw invalid(`Invalid comparator type: ${s.comparator}.`);
  if (!s.column_name) throw invalid('The column name of a column condition must not be empty.');
  const raw = s.column_value as Buffer;
  if (!raw || raw.length < 1) throw invalid('The column value of a column condition is missing.');
  const value: Value = { type: raw[0] as number, payload: raw.subarray(1) };
  try {
    checkValue(value);
  } catch (err) {
    if (err instanceof PlainBufferError) throw invalid(`Invalid column value in a column condition: ${err.message}.`);
    throw err;
  }
  if (value.type === VT.INF_MIN || value.type === VT.INF_MAX || value.type === VT.AUTO_INCREMENT || value.type === VT.NULL) {
    throw invalid('The column value of a column condition must be INTEGER, DOUBLE, BOOLEAN, STRING or BINARY.');
  }
  return {
    kind: 'single',
    comparator: s.comparator,
    column: s.column_name,
    value,
    filterIfMissing: !!s.filter_if_missing,
    latestOnly: !!s.latest_version_only,
  };
}

/** Whether a row satisfies the filter (a pagination filter always passes: it only trims columns). */
export function evaluate(f: ColumnFilter, lookup: ColumnLookup): boolean {
  if (f.kind === 'pagination') return true;
  if (f.kind === 'composite') {
    if (f.combinator === COMBINATOR.NOT) return !evaluate(f.subs[0] as ColumnFilter, lookup);
    if (f.combinator === COMBINATOR.AND) return f.subs.every((s) => evaluate(s, lookup));
    return f.subs.some((s) => evaluate(s, lookup));
  }
  const versions = lookup(f.column);
  if (!versions || versions.length === 0) return !f.filterIfMissing;
  const candidates = f.latestOnly ? versions.slice(0, 1) : versions;
  return candidates.some((v) => compares(f.comparator, compareValues(v, f.value)));
}

function compares(comparator: number, c: number | undefined): boolean {
  if (c === undefined) return comparator === COMPARATOR.NOT_EQUAL;
  switch (comparator) {
    case COMPARATOR.EQUAL:
      return c === 0;
    case COMPARATOR.NOT_EQUAL:
      return c !== 0;
    case COMPARATOR.GREATER_THAN:
      return c > 0;
    case COMPARATOR.GREATER_EQUAL:
      return c >= 0;
    case COMPARATOR.LESS_THAN:
      return c < 0;
    default:
      return c <= 0;
  }
}
