/**
 * PlainBuffer, Tablestore's row encoding (rows travel inside the protobuf messages as bytes), for the cell types
 * this product uses. Layout, tags and checksums as the official SDKs implement them:
 * https://github.com/aliyun/aliyun-tablestore-nodejs-sdk/tree/master/lib/protocol (plain_buffer_*.js) and
 * https://github.com/aliyun/aliyun-tablestore-python-sdk/blob/master/tablestore/plainbuffer/
 *
 * row  = header(0x75, 4 B LE, once per buffer) [0x01 pkCell*] [0x02 attrCell*] [0x08]? 0x09 rowCrc
 * cell = 0x03 0x04 len32 name 0x05 len32 type payload [0x06 op]? [0x07 ts64]? 0x0A cellCrc
 *
 * Column names must be ASCII: the Node SDK writes `name.length` UTF-16 units as the byte length.
 */
import { ProtoDecodeError } from './protobuf.js';

const HEADER = 0x75;
const TAG = { PK: 0x01, DATA: 0x02, CELL: 0x03, NAME: 0x04, VALUE: 0x05, TYPE: 0x06, TS: 0x07, DELETE: 0x08, ROW_CRC: 0x09, CELL_CRC: 0x0a } as const;
const VT = { INTEGER: 0x0, DOUBLE: 0x1, BOOLEAN: 0x2, STRING: 0x3, NULL: 0x6, BLOB: 0x7, INF_MIN: 0x9, INF_MAX: 0xa } as const;

/** The open ends of a primary-key range (GetRange bounds). */
export const INF_MIN: unique symbol = Symbol('INF_MIN');
export const INF_MAX: unique symbol = Symbol('INF_MAX');

/** A cell value: INTEGER as bigint, DOUBLE as number, STRING, BOOLEAN, BLOB as Buffer. */
export type CellValue = bigint | number | string | boolean | Buffer;
export type KeyValue = string | bigint | Buffer | typeof INF_MIN | typeof INF_MAX;

export interface Cell {
  name: string;
  value: CellValue;
  /** Cell version in ms. */
  timestamp?: number;
}

export interface DecodedRow {
  primaryKey: Array<{ name: string; value: KeyValue }>;
  attributes: Array<{ name: string; value: CellValue; timestamp?: number }>;
}

const CRC_TABLE = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
})();

/** CRC-8 (polynomial 0x07, init 0): "123456789" → 0xF4. */
export function crc8(crc: number, bytes: ArrayLike<number> & Iterable<number>): number {
  let c = crc;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] as number;
  return c;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function i64(n: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
}

/** type byte + payload, as both the cell checksum and (without the length prefix) a condition's value see it. */
export function valueBytes(value: CellValue | KeyValue): Buffer {
  if (value === INF_MIN) return Buffer.from([VT.INF_MIN]);
  if (value === INF_MAX) return Buffer.from([VT.INF_MAX]);
  if (typeof value === 'bigint') return Buffer.concat([Buffer.from([VT.INTEGER]), i64(value)]);
  if (typeof value === 'number') {
    const b = Buffer.alloc(9);
    b[0] = VT.DOUBLE;
    b.writeDoubleLE(value, 1);
    return b;
  }
  if (typeof value === 'boolean') return Buffer.from([VT.BOOLEAN, value ? 1 : 0]);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([Buffer.from([typeof value === 'string' ? VT.STRING : VT.BLOB]), u32(bytes.length), bytes]);
}

function encodeCell(name: string, value: CellValue | KeyValue, timestamp?: number): { bytes: Buffer; crc: number } {
  const nameBytes = Buffer.from(name, 'ascii');
  const v = valueBytes(value);
  const parts = [Buffer.from([TAG.CELL, TAG.NAME]), u32(nameBytes.length), nameBytes, Buffer.from([TAG.VALUE]), u32(v.length), v];
  let crc = crc8(crc8(0, nameBytes), v);
  if (timestamp !== undefined) {
    const ts = i64(timestamp);
    parts.push(Buffer.from([TAG.TS]), ts);
    crc = crc8(crc, ts);
  }
  parts.push(Buffer.from([TAG.CELL_CRC, crc]));
  return { bytes: Buffer.concat(parts), crc };
}

/**
 * Encodes one row: its primary key, then its attribute cells; `deleteMarker` makes the DeleteRow form.
 * @example
 * ```ts
 * encodeRow([{ name: 'id', value: 'a' }]); // 75000000 01 03 04 02000000 6964 05 06000000 03 01000000 61 0a 91 09 f4
 * ```
 */
export function encodeRow(primaryKey: Array<{ name: string; value: KeyValue }>, attributes: Cell[] = [], deleteMarker = false): Buffer {
  const parts: Buffer[] = [u32(HEADER), Buffer.from([TAG.PK])];
  let rowCrc = 0;
  for (const c of primaryKey) {
    const e = encodeCell(c.name, c.value);
    parts.push(e.bytes);
    rowCrc = crc8(rowCrc, [e.crc]);
  }
  if (attributes.length > 0) {
    parts.push(Buffer.from([TAG.DATA]));
    for (const c of attributes) {
      const e = encodeCell(c.name, c.value, c.timestamp);
      parts.push(e.bytes);
      rowCrc = crc8(rowCrc, [e.crc]);
    }
  }
  if (deleteMarker) parts.push(Buffer.from([TAG.DELETE]));
  rowCrc = crc8(rowCrc, [deleteMarker ? 1 : 0]);
  parts.push(Buffer.from([TAG.ROW_CRC, rowCrc]));
  return Buffer.concat(parts);
}

/** Decodes a buffer of rows (GetRow's one row, GetRange's many), verifying every checksum. Empty → []. */
export function decodeRows(buf: Buffer): DecodedRow[] {
  if (buf.length === 0) return [];
  const r = new Reader(buf);
  if (r.u32() !== HEADER) throw new ProtoDecodeError('PlainBuffer: bad header');
  const rows: DecodedRow[] = [];
  while (!r.done()) rows.push(readRow(r));
  return rows;
}

function readRow(r: Reader): DecodedRow {
  const row: DecodedRow = { primaryKey: [], attributes: [] };
  let rowCrc = 0;
  r.expect(TAG.PK);
  while (r.peek() === TAG.CELL) {
    const c = readCell(r);
    row.primaryKey.push({ name: c.name, value: c.value as KeyValue });
    rowCrc = crc8(rowCrc, [c.crc]);
  }
  if (r.peek() === TAG.DATA) {
    r.byte();
    while (r.peek() === TAG.CELL) {
      const c = readCell(r);
      row.attributes.push({ name: c.name, value: c.value as CellValue, timestamp: c.timestamp });
      rowCrc = crc8(rowCrc, [c.crc]);
    }
  }
  const deleted = r.peek() === TAG.DELETE;
  if (deleted) r.byte();
  r.expect(TAG.ROW_CRC);
  if (r.byte() !== crc8(rowCrc, [deleted ? 1 : 0])) throw new ProtoDecodeError('PlainBuffer: row checksum mismatch');
  return row;
}

function readCell(r: Reader): { name: string; value: CellValue | KeyValue; timestamp?: number; crc: number } {
  r.expect(TAG.CELL);
  r.expect(TAG.NAME);
  const name = r.take(r.u32());
  let crc = crc8(0, name);
  let value: CellValue | KeyValue = '';
  let timestamp: number | undefined;
  if (r.peek() === TAG.VALUE) {
    r.byte();
    const raw = r.take(r.u32());
    value = readValue(raw);
    crc = crc8(crc, raw);
  }
  if (r.peek() === TAG.TYPE) throw new ProtoDecodeError('PlainBuffer: unexpected cell operation in a returned row');
  if (r.peek() === TAG.TS) {
    r.byte();
    const ts = r.take(8);
    timestamp = Number(ts.readBigInt64LE());
    crc = crc8(crc, ts);
  }
  r.expect(TAG.CELL_CRC);
  if (r.byte() !== crc) throw new ProtoDecodeError('PlainBuffer: cell checksum mismatch');
  return { name: name.toString('utf8'), value, timestamp, crc };
}

function readValue(raw: Buffer): CellValue | KeyValue {
  const type = raw[0];
  const body = raw.subarray(1);
  const need = (n: number) => {
    if (body.length < n) throw new ProtoDecodeError('PlainBuffer: truncated value');
  };
  switch (type) {
    case VT.INTEGER:
      need(8);
      return body.readBigInt64LE();
    case VT.DOUBLE:
      need(8);
      return body.readDoubleLE();
    case VT.BOOLEAN:
      need(1);
      return body[0] === 1;
    case VT.STRING:
    case VT.BLOB: {
      need(4);
      const len = body.readUInt32LE();
      need(4 + len);
      const bytes = body.subarray(4, 4 + len);
      return type === VT.STRING ? bytes.toString('utf8') : Buffer.from(bytes);
    }
    case VT.INF_MIN:
      return INF_MIN;
    case VT.INF_MAX:
      return INF_MAX;
    default:
      throw new ProtoDecodeError(`PlainBuffer: unsupported value type ${type}`);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  peek(): number | undefined {
    return this.buf[this.pos];
  }
  byte(): number {
    return this.take(1)[0] as number;
  }
  u32(): number {
    return this.take(4).readUInt32LE();
  }
  take(n: number): Buffer {
    if (n < 0 || this.pos + n > this.buf.length) throw new ProtoDecodeError('PlainBuffer: truncated');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  expect(tag: number): void {
    const got = this.byte();
    if (got !== tag) throw new ProtoDecodeError(`PlainBuffer: expected tag 0x${tag.toString(16)}, got 0x${got.toString(16)}`);
  }
}
