/**
 * Feishu/Lark event crypto (https://open.larkoffice.com/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/encrypt-key-encryption-configuration-case.md). With an Encrypt Key configured, every push is
 * `{"encrypt":"<base64( IV(16) || AES-256-CBC-PKCS#7(plaintext) )>"}` with key = SHA-256(Encrypt Key), and carries
 * `X-Lark-Signature` = hex SHA-256(`X-Lark-Request-Timestamp` + `X-Lark-Request-Nonce` + Encrypt Key + raw body) —
 * plain SHA-256, not HMAC (the URL-verification request is not signed). The signature is computed over the raw
 * bytes, never over re-serialised JSON. Pure functions; no module-level work.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { DecryptError, SignatureError } from '../errors.js';
import { assertFresh, assertPresent, decodeBase64Strict, hexDigestEquals, type TimestampUnit } from './constant-time.js';

function feishuKey(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey, 'utf8').digest();
}

/**
 * Decrypts the `encrypt` field of a Feishu push and returns the UTF-8 plaintext (normally the event JSON; the
 * official Go SDK additionally trims to the outermost `{…}`, which is left to the caller).
 * Throws DecryptError for anything that is not a ciphertext of ours: not canonical Base64, shorter than IV + one
 * block, not whole blocks, bad PKCS#7 padding (which a wrong key almost always produces), or plaintext that is not
 * UTF-8.
 * @example
 * feishuDecrypt('test key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=') // => 'hello world'
 * feishuDecrypt('test key', 'P37w+VZImNgPEO1RBhJ6Rt') // throws DecryptError
 */
export function feishuDecrypt(encryptKey: string, encryptB64: string): string {
  const raw = decodeBase64Strict(encryptB64);
  if (!raw) throw new DecryptError('the Feishu ciphertext is not valid Base64');
  if (raw.length < 32 || raw.length % 16 !== 0) throw new DecryptError('the Feishu ciphertext has a wrong length');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', feishuKey(encryptKey), raw.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
  } catch {
    throw new DecryptError('the Feishu ciphertext cannot be decrypted');
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 16) throw new DecryptError('the Feishu ciphertext has bad padding (wrong key?)');
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new DecryptError('the Feishu ciphertext has bad padding (wrong key?)');
  }
  const text = plain.subarray(0, plain.length - pad);
  if (!isUtf8(text)) throw new DecryptError('the Feishu plaintext is not UTF-8 (wrong key?)');
  return text.toString('utf8');
}

/**
 * Encrypts like Feishu does: `base64(iv || AES-256-CBC-PKCS#7(plaintext))`, key = SHA-256(encryptKey). For tests
 * and the local stack's sample requests; `iv` defaults to 16 random bytes (pass one for repeatable output).
 * @example
 * feishuEncrypt('test key', 'hello world', Buffer.from('P37w+VZImNgPEO1RBhJ6Rg==', 'base64')) // => 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk='
 */
export function feishuEncrypt(encryptKey: string, plaintext: string, iv: Buffer = randomBytes(16)): string {
  if (iv.length !== 16) throw new RangeError('the IV must be 16 bytes');
  const cipher = createCipheriv('aes-256-cbc', feishuKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

function feishuDigest(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string): Buffer {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest();
}

/**
 * The `X-Lark-Signature` value: hex SHA-256(timestamp + nonce + encryptKey + raw body). A string body is hashed
 * as UTF-8.
 * @example
 * feishuSignature('1700000000', 'n1', 'test key', Buffer.from('{"encrypt":"x"}')) // => '864dd8a4c05d5e38c9eeb4f3975c9003b6a9000bf24a6c52151504bf3d8909be'
 */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string): string {
  return feishuDigest(timestamp, nonce, encryptKey, rawBody).toString('hex');
}

export interface FeishuSignatureInput {
  /** `X-Lark-Request-Timestamp` (Unix seconds). */
  timestamp?: string;
  /** `X-Lark-Request-Nonce`. */
  nonce?: string;
  /** `X-Lark-Signature` (hex). */
  signature?: string;
  encryptKey: string;
  /** The request body exactly as received. */
  rawBody: Buffer;
  nowSec: number;
  /** Replay window, each way; default 300. `Infinity` turns the check off. */
  toleranceSec?: number;
  /** How the timestamp is written; default `auto` (seconds in practice; see `assertFresh`). */
  timestampUnit?: TimestampUnit;
}

/**
 * Throws SignatureError unless the three `X-Lark-*` headers are present, the timestamp is an integer within the
 * replay window and the signature is the SHA-256 of timestamp + nonce + Encrypt Key + raw body (compared as
 * bytes, in constant time). An empty Encrypt Key is refused (anyone could sign).
 * @example
 * const body = Buffer.from('{"encrypt":"x"}');
 * verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n1', signature: feishuSignature('1700000000', 'n1', 'test key', body), encryptKey: 'test key', rawBody: body, nowSec: 1700000060 }) // => undefined
 * verifyFeishuSignature({ timestamp: '1700000000', nonce: 'n1', signature: 'ab', encryptKey: 'test key', rawBody: body, nowSec: 1700000060 }) // throws SignatureError
 */
export function verifyFeishuSignature(input: FeishuSignatureInput): void {
  const { timestamp, nonce, signature, encryptKey } = input;
  assertPresent({ 'X-Lark-Request-Timestamp': timestamp, 'X-Lark-Request-Nonce': nonce, 'X-Lark-Signature': signature });
  if (!encryptKey) throw new SignatureError('no Feishu Encrypt Key configured');
  assertFresh(timestamp as string, input.nowSec, input.toleranceSec ?? 300, input.timestampUnit ?? 'auto', 'X-Lark-Request-Timestamp');
  if (!hexDigestEquals(feishuDigest(timestamp as string, nonce as string, encryptKey, input.rawBody), signature as string))
    throw new SignatureError('X-Lark-Signature does not match');
}
