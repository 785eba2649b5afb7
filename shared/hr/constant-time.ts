/**
 * Small helpers shared by the HR verifiers (`standard-webhooks.ts`, `feishu-crypto.ts`, `wx-biz-crypto.ts`):
 * constant-time MAC comparison, strict Base64 decoding and the replay-window check. Pure, no module-level work.
 */
import { timingSafeEqual } from 'node:crypto';
import { ConfigError, SignatureError } from '../errors.js';

/**
 * Whether two MACs/digests are equal, in time independent of their contents (only the length may leak, and the
 * length of a digest is public).
 * @example
 * macEquals(Buffer.from('abc'), Buffer.from('abc')) // => true
 * macEquals(Buffer.from('abc'), Buffer.from('abd')) // => false
 * macEquals(Buffer.from('abc'), Buffer.from('ab')) // => false
 */
export function macEquals(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Whether a hex string sent by a caller encodes `expected` (a digest we computed). The hex is decoded to bytes and
 * the bytes are compared in constant time; anything that is not exactly `2 × expected.length` hex digits
 * (either case) is unequal.
 * @example
 * hexDigestEquals(Buffer.from([0xab, 0x01]), 'ab01') // => true
 * hexDigestEquals(Buffer.from([0xab, 0x01]), 'AB01') // => true
 * hexDigestEquals(Buffer.from([0xab, 0x01]), 'ab0') // => false
 * hexDigestEquals(Buffer.from([0xab, 0x01]), 'ab0g') // => false
 */
export function hexDigestEquals(expected: Buffer, givenHex: string): boolean {
  if (givenHex.length !== expected.length * 2 || !/^[0-9a-fA-F]*$/.test(givenHex)) return false;
  return timingSafeEqual(expected, Buffer.from(givenHex, 'hex'));
}

/**
 * Decodes canonical standard Base64 (RFC 4648 §4: `A–Z a–z 0–9 + /`, `=` padding to a multiple of 4, no
 * whitespace, no URL-safe alphabet, unused bits zero), or returns `undefined`. Node's own decoder silently skips
 * bad characters; a ciphertext that is not canonical Base64 did not come from a real sender.
 * @example
 * decodeBase64Strict('aGk=')?.toString() // => 'hi'
 * decodeBase64Strict('aGk') // => undefined
 * decodeBase64Strict('aG k=') // => undefined
 * decodeBase64Strict('aGl=') // => undefined
 */
export function decodeBase64Strict(s: string): Buffer | undefined {
  if (s.length % 4 !== 0) return undefined;
  const buf = Buffer.from(s, 'base64');
  return buf.toString('base64') === s ? buf : undefined;
}

/** How a signed timestamp is written: Unix seconds, Unix milliseconds, or `auto` (see {@link assertFresh}). */
export type TimestampUnit = 's' | 'ms' | 'auto';

/**
 * Throws SignatureError unless `timestamp` (decimal digits) is within `toleranceSec` of `nowSec`, in either
 * direction (the bound itself is accepted). `auto` reads values ≥ 10^11 as milliseconds and smaller ones as seconds:
 * 10^11 s is the year 5138 and 10^11 ms is 1973, so for any clock within a tolerance of today the two readings
 * cannot be confused. An invalid clock or tolerance (NaN, negative) is a ConfigError: we fail closed.
 * @example
 * assertFresh('1700000000', 1700000100, 300) // => undefined
 * assertFresh('1700000000000', 1700000100, 300, 'ms') // => undefined
 * assertFresh('1700000000', 1700000301, 300) // throws SignatureError
 * assertFresh('17e8', 1700000000, 300) // throws SignatureError
 */
export function assertFresh(timestamp: string, nowSec: number, toleranceSec: number, unit: TimestampUnit = 'auto', what = 'timestamp'): void {
  if (!Number.isFinite(nowSec)) throw new ConfigError('the clock (nowSec) is not a finite number');
  if (!(toleranceSec >= 0)) throw new ConfigError('the replay tolerance must be a number ≥ 0');
  if (!/^\d{1,16}$/.test(timestamp)) throw new SignatureError(`the ${what} is not an integer`);
  const n = Number(timestamp);
  const ms = unit === 'ms' || (unit === 'auto' && n >= 1e11);
  const skewSec = Math.abs((ms ? n / 1000 : n) - nowSec);
  if (skewSec > toleranceSec) throw new SignatureError(`${what} outside the ${windowName(toleranceSec)} replay window`);
}

/** `300` → `5-minute`, `90` → `90-second`: how a replay window is named in a refusal. */
function windowName(toleranceSec: number): string {
  return toleranceSec % 60 === 0 && toleranceSec > 0 ? `${toleranceSec / 60}-minute` : `${toleranceSec}-second`;
}

/**
 * Throws SignatureError naming every credential part (header or query parameter) that is absent or empty, e.g.
 * `missing webhook-signature`. Names only, never values: the reason is safe to return to the caller.
 * @example
 * assertPresent({ 'webhook-id': 'msg_1', 'webhook-signature': '' }) // throws SignatureError
 */
export function assertPresent(parts: Record<string, string | undefined>): void {
  const absent = Object.keys(parts).filter((k) => !parts[k]);
  if (absent.length) throw new SignatureError(`missing ${absent.join(', ')}`);
}
