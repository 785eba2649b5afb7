/**
 * PlainBuffer, Tablestore's row encoding inside the protobuf bodies: a strict reader (every length bounded, both
 * checksums verified) and the writer of the rows the emulator answers. Layout (from the official SDKs'
 * `plain_buffer_coded_stream`, e.g. https://github.com/aliyun/aliyun-tablestore-nodejs-sdk lib/protocol/):
 *
 *   buffer = header(0x75, int32 LE) row+
 *   row    = [0x01 pkCell*] [0x02 attrCell*] [0x08 deleteMarker] 0x09 rowCrc
 *   cell   = 0x03 0x04 nameLen32 name [0x05 valueLen32 type payload] [0x06 op] [0x07 ts64] 0x0A cellCrc
 *
 * CRC-8 (polynomial 0x07, init 0): a cell's over its name, its value (type byte and payload as written), its
 * timestamp, then its op byte; a row's over its cells' CRCs, then 1 or 0 for the delete marker.
 */

export const PB_HEADER = 0x75;
export const TAG = {
  ROW_PK: 0x01,
  ROW_DATA: 0x02,
  CELL: 0x03,
  CELL_NAME: 0x04,
  CELL_VALUE: 0x05,
  CELL_TYPE: 0x06,
  CELL_TIMESTAMP: 0x07,
  DELETE_ROW_MARKER: 0x08,
  ROW_CHECKSUM: 0x09,
  CELL_CHECKSUM: 0x0a,
} as const;
/** Variant types. */
export const VT = { INTEGER: 0x0, DOUBLE: 0x1, BOOLEAN: 0x2, STRING: 0x3, NULL: 0x6, BLOB: 0x7, INF_MIN: 0x9, INF_MAX: 0xa, AUTO_INCREMENT: 0xb } as const;
/** Cell operations of an UpdateRow change (absent = put). */
export const CELL_OP = { DELETE_ALL_VERSION: 0x1, DELETE_ONE_VERSION: 0x3, INCREMENT: 0x4 } as const;

/** A value as the wire carries it: its type byte and the payload after it (STRING/BLOB include their len32). */
export interface Value {
  type: number;
  payload: Buffer;
}

export interface Cell {
  name: string;
  value?: Value;
  op?: number;
  /** Milliseconds. */
  ts?: number;
}

export interface PlainRow {
  pk: Cell[];
  attrs: Cell[];
  deleteMarker: boolean;
}

/** A malformed PlainBuffer (answered OTSParameterInvalid). */
export class PlainBufferError extends Error {}

const CRC8_TABLE = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
})();

/** CRC-8/SMBUS over bytes, continuing from `crc`. */
export function crc8(crc: number, bytes: Uint8Array): number {
  for (const b of bytes) crc = CRC8_TABLE[(crc ^ b) & 0xff] as number;
  return crc;
}

const crcByte = (crc: number, b: number) => CRC8_TABLE[(crc ^ b) & 0xff] as number;

function int64Bytes(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
}

function cellCrc(nameBytes: Buffer, cell: Cell): number {
  let crc = crc8(0, nameBytes);
  if (cell.value) crc = crc8(crcByte(crc, cell.value.type), cell.value.payload);
  if (cell.ts !== undefined) crc = crc8(crc, int64Bytes(cell.ts));
  if (cell.op !== undefined) crc = crcByte(crc, cell.op);
  return crc;
}

// ---- values ------------------------------------------------------------------------------------------------------

export const intValue = (n: bigint): Value => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(n);
  return { type: VT.INTEGER, payload: b };
};
export const stringValue = (s: string): Value => lengthPrefixed(VT.STRING, Buffer.from(s, 'utf8'));
export const blobValue = (b: Buffer): Value => lengthPrefixed(VT.BLOB, b);
export const boolValue = (v: boolean): Value => ({ type: VT.BOOLEAN, payload: Buffer.from([v ? 1 : 0]) });
export const doubleValue = (v: number): Value => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return { type: VT.DOUBLE, payload: b };
};

function lengthPrefixed(type: number, bytes: Buffer): Value {
  const payload = Buffer.alloc(4 + bytes.length);
  payload.writeUInt32LE(bytes.length, 0);
  bytes.copy(payload, 4);
  return { type, payload };
}

/** The bytes of a STRING/BLOB value (without the len32), the 8 bytes of a number, 1 of a boolean, none else. */
export function valueBytes(v: Value): Buffer {
  return v.type === VT.STRING || v.type === VT.BLOB ? v.payload.subarray(4) : v.payload;
}

/** Checks a value's payload length against its type (throws PlainBufferError). */
export function checkValue(v: Value): void {
  const n = v.payload.length;
  switch (v.type) {
    case VT.INTEGER:
    case VT.DOUBLE:
      if (n !== 8) throw new PlainBufferError(`a ${v.type === VT.INTEGER ? 'INTEGER' : 'DOUBLE'} value needs 8 bytes, got ${n}`);
      return;
    case VT.BOOLEAN:
      if (n !== 1) throw new PlainBufferError(`a BOOLEAN value needs 1 byte, got ${n}`);
      return;
    case VT.STRING:
    case VT.BLOB:
      if (n < 4 || v.payload.readUInt32LE(0) !== n - 4) throw new PlainBufferError('the length of a STRING/BINARY value does not match its cell');
      return;
    case VT.INF_MIN:
    case VT.INF_MAX:
    case VT.AUTO_INCREMENT:
    case VT.NULL:
      if (n !== 0) throw new PlainBufferError('INF_MIN, INF_MAX, AUTO_INCREMENT and NULL carry no payload');
      return;
    default:
      throw new PlainBufferError(`unknown value type 0x${v.type.toString(16)}`);
  }
}

/** The value as JSON-friendly data (for the admin state): INTEGER as a decimal string when unsafe as a number. */
export function valueToJson(v: Value): unknown {
  switch (v.type) {
    case VT.INTEGER: {
      const n = v.payload.readBigInt64LE(0);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case VT.DOUBLE:
      return v.payload.readDoubleLE(0);
    case VT.BOOLEAN:
      return v.payload[0] !== 0;
    case VT.STRING:
      return valueBytes(v).toString('utf8');
    case VT.BLOB:
      return { base64: valueBytes(v).toString('base64') };
    case VT.INF_MIN:
      return 'INF_MIN';
    case VT.INF_MAX:
      return 'INF_MAX';
    default:
      return null;
  }
}

// ---- reader ------------------------------------------------------------------------------------------------------

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }
  /**
   * The SDK sizes its buffer one byte too large for each INF_MIN/INF_MAX/AUTO_INCREMENT key (its
   * `computePrimaryKeyValueSize` counts a payload byte they do not have) and sends the zero padding: tolerated.
   */
  restIsZero(): boolean {
    for (let i = this.pos; i < this.buf.length; i++) if (this.buf[i] !== 0) return false;
    return true;
  }
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new PlainBufferError(`truncated ${what}`);
  }
  byte(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** Reads a buffer of one or more rows (GetRange bounds and writes carry one; `many` allows several). */
export function readRows(buf: Buffer, many = false): PlainRow[] {
  const c = new Cursor(buf);
  if (c.u32('header') !== PB_HEADER) throw new PlainBufferError('invalid header');
  const rows: PlainRow[] = [];
  let tag = c.byte('row');
  for (;;) {
    const { row, next } = readRow(c, tag);
    rows.push(row);
    if (next === undefined) break;
    if (!many) throw new PlainBufferError('unexpected data after the row');
    tag = next;
  }
  return rows;
}

/** Reads exactly one row. */
export function readRow1(buf: Buffer): PlainRow {
  return readRows(buf, false)[0] as PlainRow;
}

function readRow(c: Cursor, first: number): { row: PlainRow; next: number | undefined } {
  const row: PlainRow = { pk: [], attrs: [], deleteMarker: false };
  let crc = 0;
  let tag = first;
  for (const [sectionTag, into] of [
    [TAG.ROW_PK, row.pk],
    [TAG.ROW_DATA, row.attrs],
  ] as const) {
    if (tag !== sectionTag) continue;
    tag = c.byte('cell');
    while (tag === TAG.CELL) {
      const r = readCell(c);
      into.push(r.cell);
      crc = crcByte(crc, r.crc);
      tag = r.next;
    }
  }
  if (tag === TAG.DELETE_ROW_MARKER) {
    row.deleteMarker = true;
    tag = c.byte('row checksum');
  }
  crc = crcByte(crc, row.deleteMarker ? 1 : 0);
  if (tag !== TAG.ROW_CHECKSUM) throw new PlainBufferError(`expected the row checksum tag, got 0x${tag.toString(16)}`);
  if (c.byte('row checksum') !== crc) throw new PlainBufferError('row checksum mismatch');
  return { row, next: c.atEnd || c.restIsZero() ? undefined : c.byte('row') };
}

function readCell(c: Cursor): { cell: Cell; crc: number; next: number } {
  if (c.byte('cell name tag') !== TAG.CELL_NAME) throw new PlainBufferError('expected a cell name');
  const nameBytes = c.bytes(c.u32('cell name length'), 'cell name');
  const cell: Cell = { name: nameBytes.toString('utf8') };
  let tag = c.byte('cell');
  if (tag === TAG.CELL_VALUE) {
    const len = c.u32('cell value length');
    if (len < 1) throw new PlainBufferError('empty cell value');
    const type = c.byte('cell value type');
    cell.value = { type, payload: c.bytes(len - 1, 'cell value') };
    checkValue(cell.value);
    tag = c.byte('cell');
  }
  if (tag === TAG.CELL_TYPE) {
    cell.op = c.byte('cell op');
    tag = c.byte('cell');
  }
  if (tag === TAG.CELL_TIMESTAMP) {
    const ts = c.bytes(8, 'cell timestamp').readBigInt64LE(0);
    if (ts < 0n || ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new PlainBufferError('cell timestamp out of range');
    cell.ts = Number(ts);
    tag = c.byte('cell');
  }
  if (tag !== TAG.CELL_CHECKSUM) throw new PlainBufferError(`expected the cell checksum tag, got 0x${tag.toString(16)}`);
  const crc = cellCrc(nameBytes, cell);
  if (c.byte('cell checksum') !== crc) throw new PlainBufferError(`cell checksum mismatch in column '${cell.name}'`);
  return { cell, crc, next: c.byte('row checksum') };
}

// ---- writer ------------------------------------------------------------------------------------------------------

class Writer {
  private parts: Buffer[] = [];
  byte(b: number): void {
    this.parts.push(Buffer.from([b]));
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.parts.push(b);
  }
  raw(b: Buffer): void {
    this.parts.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeCell(w: Writer, cell: Cell): number {
  const nameBytes = Buffer.from(cell.name, 'utf8');
  w.byte(TAG.CELL);
  w.byte(TAG.CELL_NAME);
  w.u32(nameBytes.length);
  w.raw(nameBytes);
  if (cell.value) {
    w.byte(TAG.CELL_VALUE);
    w.u32(1 + cell.value.payload.length);
    w.byte(cell.value.type);
    w.raw(cell.value.payload);
  }
  if (cell.op !== undefined) {
    w.byte(TAG.CELL_TYPE);
    w.byte(cell.op);
  }
  if (cell.ts !== undefined) {
    w.byte(TAG.CELL_TIMESTAMP);
    w.raw(int64Bytes(cell.ts));
  }
  const crc = cellCrc(nameBytes, cell);
  w.byte(TAG.CELL_CHECKSUM);
  w.byte(crc);
  return crc;
}

function writeRowBody(w: Writer, row: PlainRow): void {
  let crc = 0;
  w.byte(TAG.ROW_PK);
  for (const c of row.pk) crc = crcByte(crc, writeCell(w, c));
  if (row.attrs.length > 0) {
    w.byte(TAG.ROW_DATA);
    for (const c of row.attrs) crc = crcByte(crc, writeCell(w, c));
  }
  if (row.deleteMarker) w.byte(TAG.DELETE_ROW_MARKER);
  crc = crcByte(crc, row.deleteMarker ? 1 : 0);
  w.byte(TAG.ROW_CHECKSUM);
  w.byte(crc);
}

/** One header, then the rows (GetRange answers several; an empty list gives an empty buffer). */
export function writeRows(rows: readonly PlainRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const w = new Writer();
  w.u32(PB_HEADER);
  for (const r of rows) writeRowBody(w, r);
  return w.done();
}
