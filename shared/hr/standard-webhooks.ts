/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec v1.0.0), symmetric `v1` signatures:
 * `webhook-signature` holds space-separated `v1,<base64 HMAC-SHA256(secret, "${id}.${timestamp}." + raw body)>`
 * entries (several for key rotation); the secret is `whsec_` + base64 key bytes. The timestamp (Unix seconds of
 * the attempt) must be within the tolerance both ways. MACs are compared in constant time, over the raw bytes.
 * Pure functions; no module-level work.
 */
import { createHmac } from 'node:crypto';
import { SignatureError } from '../errors.js';
import { assertFresh, assertPresent, decodeBase64Strict, macEquals } from './constant-time.js';

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

function mac(key: Buffer, id: string, timestamp: string | number, rawBody: Buffer | string): Buffer {
  return createHmac('sha256', key)
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest();
}

/**
 * The `webhook-signature` value for a message (`v1,` + base64 HMAC-SHA256). The secret is `whsec_<base64>` (a
 * secret without the prefix is read as bare base64); a string body is signed as UTF-8.
 * @example
 * signStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}') // => 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function signStandardWebhook(secret: string, id: string, timestampSec: number, rawBody: Buffer | string): string {
  return `v1,${mac(keyOf(secret), id, timestampSec, rawBody).toString('base64')}`;
}

export interface StandardWebhookInput {
  /** Accepted secrets (`whsec_…`), newest first; several during a key rotation. */
  secrets: string[];
  /** `webhook-id` header. */
  id?: string;
  /** `webhook-timestamp` header (integer Unix seconds). */
  timestamp?: string;
  /** `webhook-signature` header (space-separated `v1,<base64>` entries; other versions are ignored). */
  signature?: string;
  /** The request body exactly as received. */
  rawBody: Buffer;
  nowSec: number;
  /** Each way; default 300 (the reference libraries' 5 minutes). */
  toleranceSec?: number;
}

/**
 * Throws SignatureError unless the three headers are present, the timestamp is an integer within the tolerance
 * (either direction) and one `v1` entry matches the MAC under one secret. Secrets whose key decodes to no bytes
 * are ignored (anyone could sign with an empty key); with no usable secret every request is refused.
 * @example
 * verifyStandardWebhook({ secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: '1614265330', signature: 'v1,bm90IGl0 v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=', rawBody: Buffer.from('{"test": 2432232314}'), nowSec: 1614265400 }) // => undefined
 * verifyStandardWebhook({ secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: '1614265330', signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=', rawBody: Buffer.from('{"test": 2432232315}'), nowSec: 1614265400 }) // throws SignatureError
 */
export function verifyStandardWebhook(input: StandardWebhookInput): void {
  const { id, timestamp, signature } = input;
  assertPresent({ 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature });
  if (!/^\d{1,12}$/.test(timestamp as string)) throw new SignatureError('webhook-timestamp is not an integer');
  assertFresh(timestamp as string, input.nowSec, input.toleranceSec ?? 300, 's', 'webhook-timestamp');
  const keys = input.secrets.map(keyOf).filter((k) => k.length > 0);
  if (keys.length === 0) throw new SignatureError('no usable webhook secret configured');
  const given: Buffer[] = [];
  for (const entry of (signature as string).split(' ')) {
    const comma = entry.indexOf(',');
    // Canonical Base64 only, as the reference libraries compare the encoded strings: Node's lenient decoder would
    // read `v1,<mac>,junk` (a duplicated header, joined with a comma) as the bare MAC.
    const mac = comma > 0 && entry.slice(0, comma) === 'v1' ? decodeBase64Strict(entry.slice(comma + 1)) : undefined;
    if (mac) given.push(mac);
  }
  for (const key of keys) {
    const expected = mac(key, id as string, timestamp as string, input.rawBody);
    for (const g of given) if (macEquals(expected, g)) return;
  }
  throw new SignatureError('no webhook-signature entry matches');
}
