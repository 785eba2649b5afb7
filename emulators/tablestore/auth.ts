/**
 * Tablestore request authentication, as the official SDKs sign (https://github.com/aliyun/aliyun-tablestore-nodejs-sdk
 * lib/signer.js; the Python SDK's `tablestore/protocol.py` `_make_request_signature` builds the same string):
 *
 *   x-ots-signature = base64(HMAC-SHA1(secret, path + "\nPOST\n\n" + sorted("name:value" of x-ots-* but the
 *   signature, joined by "\n") + "\n"))
 *
 * Checks, in order, with the errors the service answers (Python SDK error-message tests; error-code list at
 * https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes): a missing header → 400
 * OTSMissingHeader; a bad x-ots-date → 400 OTSParameterInvalid; an unknown AccessKeyId, another instance, a body
 * whose MD5 differs from x-ots-contentmd5, a wrong signature, or a date off by more than the allowed skew → 403
 * OTSAuthFailed. The allowed skew is not published for this API version; 15 minutes (the older API's) is the default.
 * An `x-ots-ststoken` is signed like any x-ots-* header and otherwise accepted.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import { otsError } from './errors.js';

export const OTS_API_VERSION = '2015-12-31';

/** An AccessKey pair the emulator accepts. */
export interface OtsCredential {
  accessKeyId: string;
  accessKeySecret: string;
}

const REQUIRED = ['x-ots-date', 'x-ots-contentmd5', 'x-ots-signature', 'x-ots-accesskeyid', 'x-ots-instancename', 'x-ots-apiversion'] as const;
/** ISO 8601 in UTC, as the SDKs write it (`2026-11-30T23:02:56.026Z`, or `.000Z`). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function header(headers: http.IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** The sorted `name:value` lines of the x-ots-* headers but the signature (names lower-case, as Node gives them). */
export function canonicalOtsHeaders(headers: http.IncomingHttpHeaders): string {
  return Object.keys(headers)
    .filter((k) => k.startsWith('x-ots-') && k !== 'x-ots-signature')
    .sort()
    .map((k) => `${k}:${header(headers, k)}`)
    .join('\n');
}

/** The string the SDK signs for a request to `path`. */
export function otsStringToSign(path: string, headers: http.IncomingHttpHeaders): string {
  return `${path}\nPOST\n\n${canonicalOtsHeaders(headers)}\n`;
}

/** base64(HMAC-SHA1(secret, text)). */
export function otsSignature(secret: string | KeyObject, text: string): string {
  return createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class OtsAuthenticator {
  private readonly keys = new Map<string, KeyObject>();

  constructor(
    credentials: readonly OtsCredential[],
    private readonly instanceName: string,
    private readonly maxSkewMs: number,
  ) {
    for (const c of credentials) {
      if (!c.accessKeyId || !c.accessKeySecret) throw new Error('Tablestore emulator: a credential needs accessKeyId and accessKeySecret');
      this.keys.set(c.accessKeyId, createSecretKey(Buffer.from(c.accessKeySecret, 'utf8')));
    }
    if (this.keys.size === 0) throw new Error('Tablestore emulator: at least one credential is required');
  }

  /** Throws the service's OtsError for the first problem; returns the AccessKeyId. */
  authenticate(path: string, headers: http.IncomingHttpHeaders, body: Buffer, now: number): string {
    for (const name of REQUIRED) if (!header(headers, name)) throw otsError('OTSMissingHeader', `Missing header: '${name}'.`);
    if (header(headers, 'x-ots-apiversion') !== OTS_API_VERSION)
      throw otsError('OTSAuthFailed', `Unsupported API version: ${header(headers, 'x-ots-apiversion')}.`);
    const date = header(headers, 'x-ots-date');
    const t = ISO_DATE.test(date) ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(t)) throw otsError('OTSParameterInvalid', `Invalid date format: ${date}.`);
    const accessKeyId = header(headers, 'x-ots-accesskeyid');
    const key = this.keys.get(accessKeyId);
    if (!key) throw otsError('OTSAuthFailed', 'The AccessKeyID does not exist.');
    if (header(headers, 'x-ots-instancename').toLowerCase() !== this.instanceName.toLowerCase()) throw otsError('OTSAuthFailed', 'The instance is not found.');
    const md5 = createHash('md5').update(body).digest('base64');
    if (!sameText(md5, header(headers, 'x-ots-contentmd5')))
      throw otsError('OTSAuthFailed', 'Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
    if (!sameText(otsSignature(key, otsStringToSign(path, headers)), header(headers, 'x-ots-signature')))
      throw otsError('OTSAuthFailed', 'Signature mismatch.');
    if (Math.abs(now - t) > this.maxSkewMs) throw otsError('OTSAuthFailed', `Mismatch between system time and x-ots-date: ${date}.`);
    return accessKeyId;
  }

  /** The response signature the Python SDK checks: HMAC-SHA1 over the x-ots-* headers, "\n", the path. */
  responseAuthorization(accessKeyId: string, headers: Record<string, string>, path: string): string {
    const key = this.keys.get(accessKeyId) as KeyObject;
    const canonical = Object.keys(headers)
      .filter((k) => k.startsWith('x-ots-'))
      .sort()
      .map((k) => `${k}:${(headers[k] as string).trim()}`)
      .join('\n');
    return `OTS ${accessKeyId}:${otsSignature(key, `${canonical}\n${path}`)}`;
  }
}
