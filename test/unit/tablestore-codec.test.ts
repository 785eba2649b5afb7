import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INF_MAX, INF_MIN, crc8, decodeRows, encodeRow } from '../../shared/tablestore/plain-buffer.js';
import { ProtoDecodeError, ProtoWriter, protoInt, protoString, readProto } from '../../shared/tablestore/protobuf.js';

const hex = (s: string) => s.replace(/\s+/g, '');

// Byte vectors produced by the official Node SDK's PlainBuffer writer (serializeForPutRow / serializePrimaryKey).
describe('PlainBuffer', () => {
  it('CRC-8 is the SMBUS variant the SDKs use', () => {
    expect(crc8(0, Buffer.from('123456789'))).toBe(0xf4);
    expect(crc8(0, [1])).toBe(0x07);
  });

  it('encodes a primary key, a delete row and a put row byte for byte as the official SDK does', () => {
    expect(encodeRow([{ name: 'id', value: 'a' }]).toString('hex')).toBe(hex('75000000 01 03 04 02000000 6964 05 06000000 03 01000000 61 0a 91 09 f4'));
    expect(encodeRow([{ name: 'id', value: 'a' }], [], true).toString('hex')).toBe(
      hex('75000000 01 03 04 02000000 6964 05 06000000 03 01000000 61 0a 91 08 09 f3'),
    );
    const put = encodeRow(
      [{ name: 'id', value: 'emp1' }],
      [
        { name: 'v', value: 7n, timestamp: 1700000000000 },
        { name: 'name', value: 'Ann', timestamp: 1700000000000 },
      ],
    );
    expect(put.toString('hex')).toBe(
      hex(`75000000 01 03 04 02000000 6964 05 09000000 03 04000000 656d7031 0a a4
           02 03 04 01000000 76 05 09000000 00 0700000000000000 07 0068e5cf8b010000 0a 2c
              03 04 04000000 6e616d65 05 08000000 03 03000000 416e6e 07 0068e5cf8b010000 0a 2b
           09 27`),
    );
  });

  it('round-trips every cell type, and the open range ends', () => {
    const row = encodeRow(
      [{ name: 'pk', value: 'k' }],
      [
        { name: 's', value: 'héllo', timestamp: 1 },
        { name: 'i', value: -5n, timestamp: 2 },
        { name: 'd', value: 1.5, timestamp: 3 },
        { name: 'b', value: true, timestamp: 4 },
        { name: 'x', value: Buffer.from([0, 255]), timestamp: 5 },
      ],
    );
    expect(decodeRows(row)).toEqual([
      {
        primaryKey: [{ name: 'pk', value: 'k' }],
        attributes: [
          { name: 's', value: 'héllo', timestamp: 1 },
          { name: 'i', value: -5n, timestamp: 2 },
          { name: 'd', value: 1.5, timestamp: 3 },
          { name: 'b', value: true, timestamp: 4 },
          { name: 'x', value: Buffer.from([0, 255]), timestamp: 5 },
        ],
      },
    ]);
    expect(decodeRows(encodeRow([{ name: 'pk', value: INF_MIN }]))[0]?.primaryKey[0]?.value).toBe(INF_MIN);
    expect(decodeRows(encodeRow([{ name: 'pk', value: INF_MAX }]))[0]?.primaryKey[0]?.value).toBe(INF_MAX);
  });

  it('refuses a flipped byte (checksums) and truncation, with ProtoDecodeError and never anything else', () => {
    const good = encodeRow([{ name: 'id', value: 'emp1' }], [{ name: 'v', value: 'x', timestamp: 9 }]);
    fc.assert(
      fc.property(fc.integer({ min: 5, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, truncate) => {
        const bad = Buffer.from(good);
        if (truncate) {
          expect(() => decodeRows(bad.subarray(0, at))).toThrow(ProtoDecodeError);
          return;
        }
        bad[at] = (bad[at] as number) ^ xor;
        try {
          decodeRows(bad);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtoDecodeError);
        }
      }),
    );
  });
});

describe('protobuf', () => {
  it('writes and reads varints, strings and nested messages', () => {
    const buf = new ProtoWriter()
      .bytes(1, 'ledger')
      .uint(2, 300)
      .message(3, (w) => w.uint(1, 2n ** 40n))
      .finish();
    const f = readProto(buf);
    expect(protoString(f, 1)).toBe('ledger');
    expect(protoInt(f, 2)).toBe(300);
    expect(protoInt(readProto(f.get(3)?.[0] as Buffer), 1)).toBe(2 ** 40);
  });

  it('refuses malformed input with ProtoDecodeError', () => {
    expect(() => readProto(Buffer.from([0x0a, 0x05, 0x61]))).toThrow(ProtoDecodeError);
    expect(() => readProto(Buffer.from([0x0b]))).toThrow(ProtoDecodeError);
    expect(() => readProto(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(ProtoDecodeError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readProto(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(ProtoDecodeError);
        }
      }),
    );
  });
});
