/**
 * MNS request authentication (alicloud-apis.md §1.4): `Authorization: MNS <AccessKeyId>:<Signature>` with
 * Signature = base64(HMAC-SHA1(secret, VERB\nContent-MD5\nContent-Type\nDate\n<sorted x-mns-* "k:v\n">Resource)),
 * Resource being the raw path and query exactly as sent. The Content-MD5 header is used verbatim (SDKs disagree on
 * its form). `security-token` (STS) is accepted and not signed. Date skew beyond the window → TimeExpired (408).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { MnsApiError } from './queue-store.js';

export interface MnsCredential {
  accessKeyId: string;
  accessKeySecret: string;
}

export function mnsStringToSign(method: string, headers: http.IncomingHttpHeaders, resource: string): string {
  const h = (k: string) => {
    const v = headers[k];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  const mns = Object.keys(headers)
    .filter((k) => k.startsWith('x-mns-'))
    .sort()
    .map((k) => `${k}:${h(k)}\n`)
    .join('');
  return `${method}\n${h('content-md5')}\n${h('content-type')}\n${h('date')}\n${mns}${resource}`;
}

export function mnsSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

export function authenticate(req: http.IncomingMessage, keys: ReadonlyMap<string, string>, maxSkewMs: number, now: number): void {
  const auth = req.headers.authorization;
  if (!auth) throw new MnsApiError('MissingAuthorizationHeader', 400, 'The Authorization header you provided is missing.');
  const m = /^MNS ([^:\s]+):(\S+)$/.exec(auth);
  if (!m) throw new MnsApiError('InvalidAuthorizationHeader', 400, 'The Authorization header you provided is invalid.');
  const date = req.headers.date;
  if (!date) throw new MnsApiError('MissingDateHeader', 400, 'The Date header you provided is missing.');
  const t = Date.parse(date);
  if (Number.isNaN(t)) throw new MnsApiError('InvalidDateHeader', 400, 'The Date header format is invalid.');
  const version = req.headers['x-mns-version'];
  if (!version) throw new MnsApiError('MissingVersionHeader', 400, 'The x-mns-version header you provided is missing.');
  if (version !== '2015-06-06') throw new MnsApiError('InvalidArgument', 400, `The x-mns-version ${String(version)} is not supported.`);
  const secret = keys.get(m[1] as string);
  if (secret === undefined) throw new MnsApiError('InvalidAccessKeyId', 403, 'The AccessKey Id you provided is not exist.');
  const expected = Buffer.from(mnsSignature(secret, mnsStringToSign(req.method ?? 'GET', req.headers, req.url ?? '/')));
  const given = Buffer.from(m[2] as string);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new MnsApiError('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided.');
  }
  if (Math.abs(now - t) > maxSkewMs) throw new MnsApiError('TimeExpired', 408, 'The http request you sent is expired.');
}
