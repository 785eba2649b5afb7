/**
 * The "WXBizMsgCrypt" callback scheme that DingTalk (HTTP push) and WeCom share (https://github.com/open-dingtalk/DingTalk-Callback-Crypto, https://www.npmjs.com/package/@wecom/crypto):
 *
 * - signature = hex SHA-1 of `[token, timestamp, nonce, encrypt]` sorted (UTF-16 code-unit order, as the official
 *   Java and JS libraries sort) and concatenated;
 * - AES key = Base64-decode(EncodingAESKey + "=") (43 characters → 32 bytes), IV = key[0..16), AES-256-CBC;
 * - plaintext = random(16) || msgLen (4 bytes, big-endian) || msg || receiveId, PKCS#7-padded to a multiple of
 *   **32** bytes (pad value 1..32). receiveId is the WeCom CorpID/suite id, or the DingTalk owner key
 *   (corpId, appKey or suiteKey).
 *
 * DingTalk sends `timestamp` in milliseconds, WeCom in seconds: pass `timestampUnit` (`'ms'` / `'s'`), or leave
 * the default `'auto'`, which tells them apart by magnitude (see `assertFresh` in `constant-time.ts`).
 * Pure functions; no module-level work.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { ConfigError, DecryptError, SignatureError } from '../errors.js';
import { assertFresh, assertPresent, decodeBase64Strict, hexDigestEquals, type TimestampUnit } from './constant-time.js';
import { AES_KEY_PATTERN } from '../limits.js';

/** The 32-byte AES key of a 43-character EncodingAESKey; ConfigError for anything else (a deployment error). */
function wxKey(encodingAesKey: string): Buffer {
  const key = AES_KEY_PATTERN.test(encodingAesKey) ? Buffer.from(`${encodingAesKey}=`, 'base64') : undefined;
  if (key?.length !== 32) throw new ConfigError('the EncodingAESKey must be 43 Base64 characters');
  return key;
}

function wxDigest(token: string, timestamp: string, nonce: string, encrypt: string): Buffer {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join(''), 'utf8').digest();
}

/**
 * The `msg_signature` (WeCom) / `signature` (DingTalk) of a callback: hex SHA-1 of the four strings, sorted and
 * concatenated.
 * @example
 * wxSignature('mryue', '1608001896814', 'WL4PK6yA', '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3') // => '03044561471240d4a14bb09372dfcfd4fd0e40cb'
 */
export function wxSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return wxDigest(token, timestamp, nonce, encrypt).toString('hex');
}

export interface WxSignatureInput {
  /** The callback Token configured on the HR platform. */
  token: string;
  /** Query `timestamp` (DingTalk also spells it `timeStamp`). */
  timestamp?: string;
  /** Query `nonce`. */
  nonce?: string;
  /** Query `msg_signature` (WeCom; DingTalk also sends `signature`). */
  signature?: string;
  /** The ciphertext: DingTalk body `encrypt`, WeCom XML `<Encrypt>`, or WeCom's URL-check `echostr`. */
  encrypt?: string;
  /** Current time in Unix seconds. Omit it only where replays do not matter: then the timestamp is not checked. */
  nowSec?: number;
  /** Replay window, each way; default 300. */
  toleranceSec?: number;
  /** DingTalk: `'ms'`; WeCom: `'s'`; default `'auto'` (by magnitude). */
  timestampUnit?: TimestampUnit;
}

/**
 * Throws SignatureError unless timestamp, nonce, signature and ciphertext are present, the timestamp is an integer
 * (within the replay window when `nowSec` is given) and the signature matches (compared as bytes, in constant
 * time). An empty token is refused (anyone could sign).
 * @example
 * verifyWxSignature({ token: 'QDG6eK', timestamp: '1409659589', nonce: '263014780', signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', encrypt: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==', nowSec: 1409659600, timestampUnit: 's' }) // => undefined
 * verifyWxSignature({ token: 'QDG6eK', timestamp: '1409659589', nonce: '263014780', signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', encrypt: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==', nowSec: 1409669589 }) // throws SignatureError
 */
export function verifyWxSignature(input: WxSignatureInput): void {
  const { token, timestamp, nonce, signature, encrypt } = input;
  assertPresent({ timestamp, nonce, signature, ciphertext: encrypt });
  if (!timestamp || !nonce || !signature || !encrypt) return; // unreachable: for the type checker
  if (!token) throw new SignatureError('no callback token configured');
  if (input.nowSec === undefined) {
    if (!/^\d{1,16}$/.test(timestamp)) throw new SignatureError('the timestamp is not an integer');
  } else {
    assertFresh(timestamp, input.nowSec, input.toleranceSec ?? 300, input.timestampUnit ?? 'auto');
  }
  if (!hexDigestEquals(wxDigest(token, timestamp, nonce, encrypt), signature)) throw new SignatureError('the signature does not match');
}

/**
 * Decrypts a callback ciphertext and returns the message and the receive id (owner key) found in its trailer.
 * When `expectedReceiveId` is given, a different trailer is a DecryptError. Also DecryptError: not canonical Base64,
 * shorter than 32 bytes or not whole AES blocks, a pad value outside 1..32 or pad bytes that disagree, a message
 * length beyond the plaintext, or text that is not UTF-8 (all of which a wrong key almost always produces).
 * A malformed EncodingAESKey is a ConfigError.
 * @example
 * wxDecrypt('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==', 'wx5823bf96d3bd56c7') // => { message: '1616140317555161061', receiveId: 'wx5823bf96d3bd56c7' }
 * wxDecrypt('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==', 'wx-other') // throws DecryptError
 */
export function wxDecrypt(encodingAesKey: string, encryptB64: string, expectedReceiveId?: string): { message: string; receiveId: string } {
  const key = wxKey(encodingAesKey);
  const raw = decodeBase64Strict(encryptB64);
  if (!raw) throw new DecryptError('the ciphertext is not valid Base64');
  if (raw.length < 32 || raw.length % 16 !== 0) throw new DecryptError('the ciphertext has a wrong length');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(raw), decipher.final()]);
  } catch {
    throw new DecryptError('the ciphertext cannot be decrypted');
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 32) throw new DecryptError('the ciphertext has bad padding (wrong key?)');
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new DecryptError('the ciphertext has bad padding (wrong key?)');
  }
  const content = plain.subarray(16, plain.length - pad);
  if (content.length < 4) throw new DecryptError('the plaintext is too short');
  const msgLen = content.readUInt32BE(0);
  if (msgLen > content.length - 4) throw new DecryptError('the message length exceeds the plaintext (wrong key?)');
  const message = content.subarray(4, 4 + msgLen);
  const receiveId = content.subarray(4 + msgLen);
  if (!isUtf8(message) || !isUtf8(receiveId)) throw new DecryptError('the plaintext is not UTF-8 (wrong key?)');
  const out = { message: message.toString('utf8'), receiveId: receiveId.toString('utf8') };
  if (expectedReceiveId !== undefined && out.receiveId !== expectedReceiveId) throw new DecryptError('the receive id (owner key) is not ours');
  return out;
}

/**
 * Encrypts like DingTalk/WeCom do: random16 || length || message || receiveId, PKCS#7-padded to 32 bytes,
 * AES-256-CBC, Base64. For replies (DingTalk's encrypted `success`), tests and sample requests; `random16` defaults
 * to 16 random bytes (pass one for repeatable output).
 * @example
 * wxEncrypt('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', 'success', 'ding-app-key', Buffer.alloc(16)) // => 'dfcu7pOxWg63TnYmNfybOtNfbJVVFrM4U7GazgPgOJyT+YLvuTp55yBFJccRD1GK3+NlVB7Bi94Hllph1rC/Hg=='
 */
export function wxEncrypt(encodingAesKey: string, message: string, receiveId: string, random16: Buffer = randomBytes(16)): string {
  if (random16.length !== 16) throw new RangeError('random16 must be 16 bytes');
  const key = wxKey(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([random16, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (body.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/**
 * Encrypts and signs a reply in one step: `{ encrypt, signature, timestamp, nonce }`. DingTalk wants
 * `{"msg_signature": signature, "timeStamp": timestamp, "nonce", "encrypt"}` whose `encrypt` decrypts to `success`;
 * WeCom's passive reply carries the same four values in XML.
 * @example
 * wxSeal({ token: 'mryue', encodingAesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7', receiveId: 'ding6ccabc44d2c8d38b', message: 'success', timestamp: '1608001896814', nonce: 'abc123', random16: Buffer.alloc(16) }).signature // => wxSignature('mryue', '1608001896814', 'abc123', wxEncrypt('Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7', 'success', 'ding6ccabc44d2c8d38b', Buffer.alloc(16)))
 */
export function wxSeal(opts: {
  token: string;
  encodingAesKey: string;
  receiveId: string;
  message: string;
  timestamp: string;
  nonce: string;
  random16?: Buffer;
}): { encrypt: string; signature: string; timestamp: string; nonce: string } {
  const encrypt = wxEncrypt(opts.encodingAesKey, opts.message, opts.receiveId, opts.random16);
  return { encrypt, signature: wxSignature(opts.token, opts.timestamp, opts.nonce, encrypt), timestamp: opts.timestamp, nonce: opts.nonce };
}
