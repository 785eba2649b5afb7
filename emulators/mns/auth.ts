/**
 * MNS request authentication (https://www.alibabacloud.com/help/doc-detail/27487.htm): `Authorization: MNS <AccessKeyId>:<Signature>` with
 * Signature = base64(HMAC-SHA1(secret, VERB\nContent-MD5\nContent-Type\nDate\n<sorted x-mns-* "k:v\n">Resource)),
 * Resource being the raw path and query exactly as sent. The Content-MD5 header is used verbatim and not checked
 * against the body (SDKs disagree on its form). `security-token` (STS) is accepted and not signed.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import { mnsError } from './errors.js';

/** An AccessKey pair the emulator accepts. */
export interface MnsCredential {
  accessKeyId: string;
  accessKeySecret: string;
}

/** The only API version the data plane speaks. */
export const MNS_API_VERSION = '2015-06-06';

function header(headers: http.IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** The string to sign for a request (header names lower-case, as Node gives them). */
export function mnsStringToSign(method: string, headers: http.IncomingHttpHeaders, resource: string): string {
  let canonical = '';
  const names: string[] = [];
  for (const k in headers) if (k.startsWith('x-mns-')) names.push(k);
  names.sort();
  for (const k of names) canonical += `${k}:${header(headers, k)}\n`;
  return `${method}\n${header(headers, 'content-md5')}\n${header(headers, 'content-type')}\n${header(headers, 'date')}\n${canonical}${resource}`;
}

/** base64(HMAC-SHA1(secret, stringToSign)). A KeyObject avoids re-deriving the key per call. */
export function mnsSignature(secret: string | KeyObject, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** `Www, DD Mon YYYY HH:MM:SS GMT` (RFC 1123, as `Date.prototype.toUTCString` writes it). */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Parses an HTTP date in the RFC 1123 form; undefined for anything else. */
export function parseHttpDate(value: string): number | undefined {
  if (!HTTP_DATE.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

const AUTHORIZATION = /^MNS ([^:\s]+):([A-Za-z0-9+/=]+)$/;

/** Checks requests against a fixed set of AccessKeys. */
export class MnsAuthenticator {
  private readonly keys = new Map<string, KeyObject>();

  constructor(
    credentials: readonly MnsCredential[],
    private readonly maxSkewMs: number,
  ) {
    for (const c of credentials) {
      if (!c.accessKeyId || !c.accessKeySecret) throw new Error('MNS emulator: a credential needs accessKeyId and accessKeySecret');
      this.keys.set(c.accessKeyId, createSecretKey(Buffer.from(c.accessKeySecret, 'utf8')));
    }
    if (this.keys.size === 0) throw new Error('MNS emulator: at least one credential is required');
  }

  /**
   * Throws the service's error for the first problem: MissingAuthorizationHeader / InvalidAuthorizationHeader,
   * MissingDateHeader / InvalidDateHeader, MissingVersionHeader / InvalidArgument (other version) (400),
   * InvalidAccessKeyId / SignatureDoesNotMatch (403), TimeExpired (408, Date off by more than the allowed skew).
   * Returns the AccessKeyId.
   */
  authenticate(req: http.IncomingMessage, now: number): string {
    const h = req.headers;
    const auth = h.authorization;
    if (!auth) throw mnsError('MissingAuthorizationHeader');
    const m = AUTHORIZATION.exec(auth);
    if (!m) throw mnsError('InvalidAuthorizationHeader');
    const dateHeader = h.date ?? header(h, 'x-mns-date');
    if (!dateHeader) throw mnsError('MissingDateHeader');
    const t = parseHttpDate(dateHeader);
    if (t === undefined) throw mnsError('InvalidDateHeader');
    const version = h['x-mns-version'];
    if (!version) throw mnsError('MissingVersionHeader');
    if (version !== MNS_API_VERSION) throw mnsError('InvalidArgument', `The x-mns-version ${String(version)} is not supported; use ${MNS_API_VERSION}.`);
    const accessKeyId = m[1] as string;
    const key = this.keys.get(accessKeyId);
    if (key === undefined) throw mnsError('InvalidAccessKeyId');
    const expected = Buffer.from(mnsSignature(key, mnsStringToSign(req.method ?? 'GET', h, req.url ?? '/')));
    const given = Buffer.from(m[2] as string);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw mnsError('SignatureDoesNotMatch');
    if (Math.abs(now - t) > this.maxSkewMs) throw mnsError('TimeExpired');
    return accessKeyId;
  }
}
