/** Shared arbitraries and assertions for the HR crypto tests (not a test file itself). */
import fc from 'fast-check';
import { DecryptError, SignatureError } from '../../shared/errors.js';

/** Any UTF-16 code unit, lone surrogates included. */
const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Strings an attacker could put in a header, query parameter or JSON field. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: utf16Unit }),
  fc.base64String(),
  fc.base64String({ minLength: 32, maxLength: 400 }),
  fc.stringMatching(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/),
  fc.stringMatching(/^\d{1,20}$/),
);

export const anyOptionalText: fc.Arbitrary<string | undefined> = fc.option(anyText, { nil: undefined });

/** Arbitrary bytes, up to 512. */
export const anyBytes: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a));

/** Bytes in whole AES blocks (16..512), so that decryption reaches the padding and length checks. */
export const blockBytes: fc.Arbitrary<Buffer> = fc
  .integer({ min: 1, max: 32 })
  .chain((blocks) => fc.uint8Array({ minLength: blocks * 16, maxLength: blocks * 16 }).map((a) => Buffer.from(a)));

/**
 * Runs `fn`; returns `ok` or `refused`. Any error other than the allowed classes (TypeError, RangeError, a plain
 * Error from OpenSSL, …) is rethrown and fails the property.
 */
export function outcome(fn: () => unknown, allowed: Array<typeof SignatureError | typeof DecryptError> = [SignatureError, DecryptError]): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (allowed.some((cls) => err instanceof cls)) return 'refused';
    throw err;
  }
}

/** `s` with the character at `index % s.length` replaced by one that differs (s must be non-empty). */
export function substitute(s: string, index: number, replacement: string): string {
  const i = index % s.length;
  const original = s[i] as string;
  const r = replacement === original ? (original === 'A' ? 'B' : 'A') : replacement;
  return s.slice(0, i) + r + s.slice(i + 1);
}

/** `b` with one byte XOR-ed by a non-zero mask (b must be non-empty). */
export function flipByte(b: Buffer, index: number, mask: number): Buffer {
  const out = Buffer.from(b);
  const i = index % out.length;
  out[i] = (out[i] as number) ^ ((Math.abs(mask) % 255) + 1);
  return out;
}
