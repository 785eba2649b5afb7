/**
 * Alibaba Cloud signature V3 (`ACS3-HMAC-SHA256`), the default signing of today's generated SDKs
 * (`@alicloud/openapi-client`, `@alicloud/openapi-core`). Pure functions: canonical request, string to sign,
 * signature and the `Authorization` header's parts. The checks and their error codes are the protocol's
 * (pop-rpc.ts). Public description: https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
 *
 * ```
 * CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 * StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 * Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
 * Authorization    = ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>
 * ```
 * CanonicalQueryString: the query parameters (not the body's) sorted by name, each `encode(name)=encode(value)`
 * with RFC 3986 encoding; CanonicalHeaders: each signed header as `name:trimmed value\n`, names lower-case and
 * sorted; HashedPayload: hex(sha256(body)), also sent as `x-acs-content-sha256`.
 */
import crypto from 'node:crypto';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/**
 * Headers a V3 request must carry and sign. The SDKs sign every `x-acs-*` header plus `host` and `content-type`;
 * these are the ones the gateway needs to authenticate the call.
 */
export const ACS3_REQUIRED_SIGNED_HEADERS = Object.freeze([
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
] as const);

/** The parts of an `Authorization: ACS3-HMAC-SHA256 …` header. */
export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  /** Lower-case header names, in the order given. */
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/;
const HEX_SIGNATURE_RE = /^[0-9a-f]{64}$/;

/** Parses the header; undefined when it is not shaped `ALG Credential=…,SignedHeaders=…,Signature=…`. */
export function parseAcs3Authorization(header: string): Acs3Authorization | undefined {
  const m = AUTH_RE.exec(header.trim());
  if (!m) return undefined;
  const fields = new Map<string, string>();
  for (const part of (m[2] as string).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) return undefined;
    fields.set(name, part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signed || !signature || fields.size !== 3) return undefined;
  const signedHeaders = signed.split(';').map((h) => h.trim().toLowerCase());
  if (signedHeaders.some((h) => !h)) return undefined;
  return { algorithm: m[1] as string, accessKeyId, signedHeaders, signature };
}

/** True for a signature shaped as V3 writes it (64 lower-case hex digits). */
export function isHexSignature(value: string): boolean {
  return HEX_SIGNATURE_RE.test(value);
}

/** RFC 3986 encoding (encodeURIComponent plus `! ' ( ) *`). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical query string of decoded query parameters. */
export function acs3CanonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .map((k) => [encode(k), encode(query[k] as string)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** What the canonical request is built from. `headers` maps lower-case names to their values (several joined by `,`). */
export interface Acs3RequestParts {
  method: string;
  /** The path as sent (already percent-encoded), `/` for RPC APIs. */
  path: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string | undefined>>;
  signedHeaders: readonly string[];
  /** hex(sha256(body)) */
  payloadHash: string;
}

/** The canonical request (signed headers in the order the client listed them, as it signed them). */
export function acs3CanonicalRequest(parts: Acs3RequestParts): string {
  let headers = '';
  for (const name of parts.signedHeaders) headers += `${name}:${(parts.headers[name] ?? '').trim()}\n`;
  return [parts.method, parts.path, acs3CanonicalQuery(parts.query), headers, parts.signedHeaders.join(';'), parts.payloadHash].join('\n');
}

/** `ACS3-HMAC-SHA256\n` + hex(sha256(canonical request)). */
export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${crypto.createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
}

/** hex(HMAC-SHA256(secret, stringToSign)). */
export function acs3Signature(secret: string | crypto.KeyObject, stringToSign: string): string {
  return crypto.createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');
}

/** hex(sha256(body)): the `x-acs-content-sha256` value. */
export function acs3PayloadHash(body: Buffer | string): string {
  return crypto.createHash('sha256').update(body).digest('hex');
}

/** Constant-time comparison of two strings (false when the lengths differ). */
export function timingSafeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
