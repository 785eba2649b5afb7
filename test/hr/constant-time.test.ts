import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, SignatureError } from '../../shared/errors.js';
import { assertFresh, decodeBase64Strict, hexDigestEquals, macEquals } from '../../shared/hr/constant-time.js';
import { anyText, outcome } from './_fuzz.js';

describe('macEquals / hexDigestEquals', () => {
  it('compares bytes, refusing any length difference', () => {
    expect(macEquals(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(macEquals(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 4]))).toBe(false);
    expect(macEquals(Buffer.from([1, 2, 3]), Buffer.from([1, 2]))).toBe(false);
    expect(macEquals(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });

  it('decodes hex of exactly the right length only', () => {
    const d = Buffer.from('00ff10ab', 'hex');
    expect(hexDigestEquals(d, '00ff10ab')).toBe(true);
    expect(hexDigestEquals(d, '00FF10AB')).toBe(true);
    expect(hexDigestEquals(d, '00ff10ac')).toBe(false);
    expect(hexDigestEquals(d, '00ff10a')).toBe(false);
    expect(hexDigestEquals(d, '00ff10ab00')).toBe(false);
    // Node's hex decoder stops at the first bad digit; we must not let "00ff10zz" pass as a prefix match.
    expect(hexDigestEquals(Buffer.from('00ff1000', 'hex'), '00ff10zz')).toBe(false);
    expect(hexDigestEquals(d, ' 0ff10ab')).toBe(false);
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(typeof hexDigestEquals(Buffer.alloc(20), s)).toBe('boolean');
        expect(decodeBase64Strict(s) === undefined || Buffer.isBuffer(decodeBase64Strict(s))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeBase64Strict', () => {
  it('decodes canonical base64 and nothing else', () => {
    expect(decodeBase64Strict('')).toEqual(Buffer.alloc(0));
    expect(decodeBase64Strict('aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeBase64Strict('+/+/')).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
    for (const bad of ['aGVsbG8', 'aGVsbG9=', 'aGVs bG8=', 'aGVsbG8=\n', '-_-_', 'aGVsbG8==', '====', 'a===']) {
      expect(decodeBase64Strict(bad), bad).toBeUndefined();
    }
  });

  it('accepts exactly what Buffer encodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (a) => {
        const b = Buffer.from(a);
        expect(decodeBase64Strict(b.toString('base64'))).toEqual(b);
      }),
    );
  });
});

describe('assertFresh', () => {
  it('accepts within the tolerance each way, bounds included', () => {
    expect(() => assertFresh('1000000000', 1000000000, 0)).not.toThrow();
    expect(() => assertFresh('1000000000', 1000000300, 300)).not.toThrow();
    expect(() => assertFresh('1000000000', 999999700, 300)).not.toThrow();
    expect(() => assertFresh('1000000000', 1000000301, 300)).toThrow(SignatureError);
    expect(() => assertFresh('1000000000', 999999699, 300)).toThrow(SignatureError);
  });

  it('reads units explicitly or by magnitude', () => {
    expect(() => assertFresh('1000000000500', 1000000000, 1, 'ms')).not.toThrow();
    expect(() => assertFresh('1000000000500', 1000000000, 1)).not.toThrow();
    expect(() => assertFresh('1000000002500', 1000000000, 2, 'auto')).toThrow(/replay window/);
    expect(() => assertFresh('1000000000', 1000000000, 300, 'ms')).toThrow(/replay window/);
    expect(() => assertFresh('1000000000000', 1000000000, 300, 's')).toThrow(/replay window/);
  });

  it('refuses non-decimal timestamps and fails closed on bad configuration', () => {
    for (const ts of ['', '-1', '1e9', '0x10', '1.5', ' 1', '12345678901234567', '١٢٣']) expect(() => assertFresh(ts, 1, 300), ts).toThrow(/not an integer/);
    expect(() => assertFresh('1', Number.NaN, 300)).toThrow(ConfigError);
    expect(() => assertFresh('1', Number.POSITIVE_INFINITY, 300)).toThrow(ConfigError);
    expect(() => assertFresh('1', 1, Number.NaN)).toThrow(ConfigError);
    expect(() => assertFresh('1', 1, -1)).toThrow(ConfigError);
  });

  it('arbitrary timestamps only ever produce SignatureError', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom<'s' | 'ms' | 'auto'>('s', 'ms', 'auto'),
        (ts, unit) => void outcome(() => assertFresh(ts, 1_700_000_000, 300, unit), [SignatureError]),
      ),
      { numRuns: 2000 },
    );
  });
});
