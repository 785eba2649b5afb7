/**
 * The few protocol-buffers primitives the Tablestore client needs (proto2, wire types 0 and 2 written; 0, 1, 2
 * and 5 read). Messages are built and read by field number, as the public `tablestore.proto` defines them:
 * https://github.com/aliyun/aliyun-tablestore-nodejs-sdk/blob/master/lib/protocol/tablestore.proto
 */

/** A malformed protobuf body (truncated, bad varint, unknown wire type). */
export class ProtoDecodeError extends Error {
  override readonly name = 'ProtoDecodeError';
}

/** Builds one protobuf message; nested messages are built with {@link ProtoWriter.message}. */
export class ProtoWriter {
  private readonly chunks: Buffer[] = [];

  private key(field: number, wireType: number): void {
    this.raw(varint((field << 3) | wireType));
  }

  private raw(b: Buffer): void {
    this.chunks.push(b);
  }

  /** An unsigned varint field (int32/int64/enum/bool with non-negative values). */
  uint(field: number, value: number | bigint | boolean | undefined): this {
    if (value === undefined) return this;
    this.key(field, 0);
    this.raw(varint(typeof value === 'boolean' ? (value ? 1 : 0) : value));
    return this;
  }

  bytes(field: number, value: Buffer | string | undefined): this {
    if (value === undefined) return this;
    const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.key(field, 2);
    this.raw(varint(b.length));
    this.raw(b);
    return this;
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function varint(value: number | bigint): Buffer {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // two's complement, as protobuf writes negative int64
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

/** The fields of one message: field number → values in order (varints as bigint, length-delimited as Buffer). */
export type ProtoFields = Map<number, Array<bigint | Buffer>>;

/** Reads one message's fields. Throws {@link ProtoDecodeError} on malformed input; never reads past `buf`. */
export function readProto(buf: Buffer): ProtoFields {
  const fields: ProtoFields = new Map();
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= buf.length) throw new ProtoDecodeError('truncated varint');
      const byte = buf[pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new ProtoDecodeError('varint too long');
  };
  const take = (n: number): Buffer => {
    if (n < 0 || pos + n > buf.length) throw new ProtoDecodeError('truncated field');
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  while (pos < buf.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: bigint | Buffer;
    if (wire === 0) value = readVarint();
    else if (wire === 2) value = take(Number(readVarint()));
    else if (wire === 1) value = take(8);
    else if (wire === 5) value = take(4);
    else throw new ProtoDecodeError(`unsupported wire type ${wire}`);
    if (field === 0) throw new ProtoDecodeError('field number 0');
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

/** The first length-delimited value of `field`, or undefined. */
export function protoBytes(fields: ProtoFields, field: number): Buffer | undefined {
  const v = fields.get(field)?.[0];
  return Buffer.isBuffer(v) ? v : undefined;
}

export function protoString(fields: ProtoFields, field: number): string | undefined {
  return protoBytes(fields, field)?.toString('utf8');
}

export function protoInt(fields: ProtoFields, field: number): number | undefined {
  const v = fields.get(field)?.[0];
  return typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : undefined;
}

/** Every length-delimited value of a repeated `field`. */
export function protoRepeated(fields: ProtoFields, field: number): Buffer[] {
  return (fields.get(field) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v));
}
