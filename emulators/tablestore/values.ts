/**
 * Comparing PlainBuffer values the way the service orders and compares them: INTEGER as signed 64-bit, DOUBLE as
 * numbers, STRING and BINARY bytewise, BOOLEAN false < true; INF_MIN below and INF_MAX above everything (primary-key
 * bounds). Values of different types have no order (the service's behaviour for such comparisons is not
 * documented; the emulator treats them as unequal and unordered).
 */
import { VT, valueBytes, type Value } from './plain-buffer.js';

/** -1, 0, 1, or undefined when the two values have no order (different types). */
export function compareValues(a: Value, b: Value): number | undefined {
  if (a.type === VT.INF_MIN || b.type === VT.INF_MAX) return a.type === b.type ? 0 : -1;
  if (a.type === VT.INF_MAX || b.type === VT.INF_MIN) return 1;
  if (a.type !== b.type) return undefined;
  switch (a.type) {
    case VT.INTEGER: {
      const x = a.payload.readBigInt64LE(0);
      const y = b.payload.readBigInt64LE(0);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case VT.DOUBLE: {
      const x = a.payload.readDoubleLE(0);
      const y = b.payload.readDoubleLE(0);
      return x < y ? -1 : x > y ? 1 : x === y ? 0 : undefined;
    }
    default:
      return Math.sign(Buffer.compare(valueBytes(a), valueBytes(b)));
  }
}

/** Compares two primary keys column by column (both in schema order, same length). */
export function comparePks(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i] as Value, b[i] as Value) ?? 0;
    if (c !== 0) return c;
  }
  return 0;
}

/** A map key for a primary key (type and payload of each column). */
export function pkKey(pk: readonly Value[]): string {
  return pk.map((v) => `${v.type}:${v.payload.toString('hex')}`).join('|');
}

/** Bytes a value counts for in size limits and capacity units. */
export function valueSize(v: Value): number {
  return valueBytes(v).length;
}
