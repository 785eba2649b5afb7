/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec v1.0.0), symmetric `v1` signatures:
 * `webhook-signature` holds space-separated `v1,<base64 HMAC-SHA256(secret, "${id}.${timestamp}." + raw body)>`
 * entries (several for key rotation); the secret is `whsec_` + base64 key bytes. The timestamp (Unix seconds of
 * the attempt) must be within the tolerance both ways. MACs are compared in constant time, over the raw bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from '../errors.js';

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

function mac(key: Buffer, id: string, timestamp: string | number, rawBody: Buffer | string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody).digest();
}

/**
 * The `webhook-signature` value for a message.
 * @example
 * signStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function signStandardWebhook(secret: string, id: string, timestampSec: number, rawBody: Buffer | string): string {
  return `v1,${mac(keyOf(secret), id, timestampSec, rawBody).toString('base64')}`;
}

export interface StandardWebhookInput {
  secrets: string[];
  id?: string;
  timestamp?: string;
  signature?: string;
  rawBody: Buffer;
  nowSec: number;
  toleranceSec?: number;
}

/** Throws SignatureError unless one `v1` entry matches one secret and the timestamp is fresh. */
export function verifyStandardWebhook(input: StandardWebhookInput): void {
  const { id, timestamp, signature } = input;
  if (!id || !timestamp || !signature) throw new SignatureError('missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureError('webhook-timestamp is not an integer');
  if (Math.abs(input.nowSec - Number(timestamp)) > (input.toleranceSec ?? 300)) throw new SignatureError('webhook-timestamp outside the tolerance');
  if (input.secrets.length === 0) throw new SignatureError('no secret configured');
  const given: Buffer[] = [];
  for (const entry of signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version === 'v1' && value) given.push(Buffer.from(value, 'base64'));
  }
  for (const secret of input.secrets) {
    const expected = mac(keyOf(secret), id, timestamp, input.rawBody);
    for (const g of given) if (g.length === expected.length && timingSafeEqual(g, expected)) return;
  }
  throw new SignatureError('no webhook-signature entry matches');
}
