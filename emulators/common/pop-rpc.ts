/**
 * The Alibaba Cloud POP RPC protocol (what `@alicloud/pop-core`'s RPCClient speaks), server side, for loopback
 * emulators of RPC-style products (smartag 2018-03-13, mns-open 2022-01-19, …).
 *
 * - Requests: GET with the parameters in the query string, or POST with an `application/x-www-form-urlencoded`
 *   body (query parameters are merged in); any path (the RPC signature always signs `/`).
 * - Authentication, either of the two the gateway accepts:
 *   - signature v1.0 (what `@alicloud/pop-core` sends): HMAC-SHA1, key = secret + "&", string-to-sign
 *     `METHOD&%2F&encode(canonical)`, `Action`/`Version`/`Timestamp`/`SignatureNonce` as parameters, STS `SecurityToken`;
 *   - signature V3 `ACS3-HMAC-SHA256` (the default of `@alicloud/openapi-client` / `@alicloud/openapi-core`, see
 *     acs3.ts): `Action`/`Version` in the `x-acs-action`/`x-acs-version` headers, `x-acs-date`,
 *     `x-acs-signature-nonce`, the body hash in `x-acs-content-sha256`, STS token in `x-acs-security-token`.
 *   Both: the date within ±15 minutes, a nonce never reused within that window (per AccessKey, across both).
 * - Envelopes: `application/json;charset=utf-8`; a success is `{RequestId, ...fields}` (never a `Code`), an error is
 *   `{RequestId, HostId, Code, Message, Recommend}` with a 4xx/5xx status.
 *
 * {@link PopRpcProtocol} does the parsing, checking and answering; {@link createPopRpcHandler} turns it into a
 * complete `http` request listener with the `/__admin` API and fault injection (faults.ts) wired in, so an emulator
 * only supplies a dispatch function from action to response fields.
 *
 * Public reference for V3: https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import {
  ACS3_ALGORITHM,
  ACS3_REQUIRED_SIGNED_HEADERS,
  acs3CanonicalRequest,
  acs3PayloadHash,
  acs3Signature,
  acs3StringToSign,
  parseAcs3Authorization,
  timingSafeEqualText,
} from './acs3.js';
import { handleAdmin, isAdminPath, type AdminOptions } from './admin.js';
import type { FaultDecision, FaultErrorSpec, FaultInjector } from './faults.js';
import { BodyTooLargeError, readBody, sendHtml502, sleep } from './http.js';

/** An AccessKey pair the emulator accepts. With `securityToken` set, requests with this key must carry that token. */
export interface PopCredential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** What an emulator tells {@link PopRpcProtocol} about its product. */
export interface PopRpcConfig {
  /** The only accepted `Version`, e.g. `2018-03-13`. */
  apiVersion: string;
  /** `HostId` of error bodies, e.g. `smartag.cn-shanghai.aliyuncs.com`. */
  hostId: string;
  /** The known `Action` names; any other answers `InvalidAction.NotFound` (404). */
  actions: Iterable<string>;
  /** Accepted AccessKeys (at least one). */
  credentials: readonly PopCredential[];
  /** Product name used in the `Recommend` troubleshooting link, e.g. `Smartag`. */
  product?: string;
  /** Product-specific messages by code, used for injected faults that name a code but no message. */
  messages?: Readonly<Record<string, string>>;
  /** Largest accepted request body (default 64 KiB); bigger bodies are drained unbuffered and refused with 413. */
  maxBodyBytes?: number;
  /** Allowed clock skew of `Timestamp` (default 15 minutes). */
  timestampWindowMs?: number;
  /** Most nonces remembered at once (default 200,000); past it the oldest are forgotten early. */
  nonceCapacity?: number;
  /** Clock (default Date.now), injectable for tests. */
  now?: () => number;
  /**
   * When set, throttling answers (codes starting `Throttling`) carry `x-acs-retry-after: <ms>`, which the
   * openapi-core SDK reads as its retry delay in milliseconds. Whether the real gateway sends the header is
   * unverified, so it is off by default and callers must work either way.
   */
  retryAfterMs?: number;
}

/** An authenticated, parsed RPC request. */
export interface PopRpcRequest {
  method: 'GET' | 'POST';
  action: string;
  /** Every parameter, decoded (common ones included); a null-prototype object. */
  params: Readonly<Record<string, string>>;
  accessKeyId: string;
  securityToken?: string;
  requestId: string;
  /** Which signature the request carried. */
  signatureVersion: '1.0' | 'V3';
  /** The URL path of a V3 request (ROA-style APIs carry their resource in it, e.g. `/2023-03-30/functions/{name}`). */
  path?: string;
}

/** The shape every API error takes on the wire (a {@link PopRpcError} or a product's own error class). */
export interface ApiErrorLike {
  code: string;
  httpStatus: number;
  message: string;
}

/** An error answered as the POP JSON error envelope. */
export class PopRpcError extends Error implements ApiErrorLike {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'PopRpcError';
  }
}

/** True for anything carrying a string `code`, a numeric 4xx/5xx `httpStatus` and a string `message`. */
export function isApiErrorLike(value: unknown): value is ApiErrorLike {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.httpStatus === 'number' && v.httpStatus >= 400 && v.httpStatus <= 599;
}

/** Messages and statuses of the POP gateway's common errors (as in the products' error tables, e.g. https://help.aliyun.com/en/dns/error-code). */
export const COMMON_ERRORS: Readonly<Record<string, { httpStatus: number; message: string }>> = Object.freeze({
  Throttling: { httpStatus: 400, message: 'Request was denied due to request throttling.' },
  'Throttling.User': { httpStatus: 429, message: 'Request was denied due to user flow control.' },
  'Throttling.Api': { httpStatus: 429, message: 'Request was denied due to api flow control.' },
  ServiceUnavailable: { httpStatus: 503, message: 'The request has failed due to a temporary failure of the server.' },
  InternalError: { httpStatus: 500, message: 'The request processing has failed due to some unknown error, exception or failure.' },
  SignatureDoesNotMatch: { httpStatus: 400, message: 'Specified signature is not matched with our calculation.' },
  'InvalidAccessKeyId.NotFound': { httpStatus: 404, message: 'Specified access key is not found.' },
  'InvalidAccessKeyId.Inactive': { httpStatus: 400, message: 'Specified access key is disabled.' },
  SignatureNonceUsed: { httpStatus: 400, message: 'Specified signature nonce was used already.' },
  'InvalidTimeStamp.Expired': { httpStatus: 400, message: 'Specified time stamp or date value is expired.' },
  'InvalidTimeStamp.Format': { httpStatus: 400, message: 'Specified time stamp or date value is not well formatted.' },
  IncompleteSignature: { httpStatus: 400, message: 'The request signature does not conform to Aliyun standards.' },
  MissingParameter: { httpStatus: 400, message: 'A mandatory input parameter is not supplied.' },
  InvalidParameter: { httpStatus: 400, message: 'The specified parameter is not valid.' },
  InvalidVersion: { httpStatus: 400, message: 'Specified parameter Version is not valid.' },
  'InvalidAction.NotFound': { httpStatus: 404, message: 'Specified api is not found, please check your url and method.' },
  Forbidden: { httpStatus: 403, message: 'User not authorized to operate on the specified resource.' },
  'Forbidden.RAM': { httpStatus: 403, message: 'User not authorized to operate on the specified resource, or this API does not support RAM.' },
  'InvalidSecurityToken.Expired': { httpStatus: 400, message: 'Specified SecurityToken is expired.' },
  'InvalidSecurityToken.Malformed': { httpStatus: 400, message: 'Specified SecurityToken is malformed.' },
  UnsupportedHTTPMethod: { httpStatus: 400, message: 'This http method is not supported.' },
  RequestEntityTooLarge: { httpStatus: 413, message: 'The request body is too large.' },
});

/** A common error by code, with its usual status and message (the message can be overridden). */
export function commonError(code: keyof typeof COMMON_ERRORS & string, message?: string): PopRpcError {
  const known = COMMON_ERRORS[code];
  return new PopRpcError(code, known?.httpStatus ?? 400, message ?? known?.message ?? code);
}

/** `MissingParameter` for one parameter, worded as the gateway words it. */
export function missingParameter(name: string): PopRpcError {
  return new PopRpcError('MissingParameter', 400, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
}

/** `InvalidParameter` for one parameter. */
export function invalidParameter(name: string, detail?: string): PopRpcError {
  return new PopRpcError('InvalidParameter', 400, `The specified parameter "${name}" is not valid.${detail ? ` ${detail}` : ''}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding and signing of signature v1.0, exported for clients that sign by hand (bench, scripts).

const NEEDS_EXTRA_ESCAPE = /[!'()*]/;

/** RFC 3986 percent-encoding as pop-core does it: encodeURIComponent plus `! ' ( ) *`. */
export function percentEncode(value: string): string {
  const encoded = encodeURIComponent(value);
  if (!NEEDS_EXTRA_ESCAPE.test(encoded)) return encoded;
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical query string: parameters sorted by (raw) key, each `encode(k)=encode(v)`, `Signature` left out. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort();
  let out = '';
  for (const key of keys) {
    if (out) out += '&';
    out += `${percentEncode(key)}=${percentEncode(params[key] as string)}`;
  }
  return out;
}

/** `METHOD&%2F&encode(canonical)`. */
export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  return `${method}&%2F&${percentEncode(canonicalQuery(params))}`;
}

/** base64(HMAC-SHA1(secret + "&", stringToSign)). Pass a KeyObject to avoid re-deriving the key per call. */
export function signRpc(method: string, params: Readonly<Record<string, string>>, secret: string | crypto.KeyObject): string {
  const key = typeof secret === 'string' ? `${secret}&` : secret;
  return crypto.createHmac('sha1', key).update(stringToSign(method, params)).digest('base64');
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

function decodeComponent(raw: string, what: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new PopRpcError('InvalidParameter', 400, `The specified ${what} is not valid: malformed percent-encoding.`);
  }
}

/**
 * Parses `a=1&b=2` (query string or form body) into `into`. Throws `InvalidParameter` on malformed percent-encoding,
 * an empty name, or a parameter given twice (also across query and body).
 */
export function parseRpcParams(raw: string, into: Record<string, string>, source: 'query string' | 'request body'): void {
  if (!raw) return;
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    if (end > start) {
      const pair = raw.slice(start, end);
      const eq = pair.indexOf('=');
      const rawKey = eq === -1 ? pair : pair.slice(0, eq);
      const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
      const key = decodeComponent(rawKey, source);
      if (!key) throw new PopRpcError('InvalidParameter', 400, `The specified ${source} is not valid: a parameter has an empty name.`);
      if (Object.hasOwn(into, key)) throw invalidParameter(key, 'The parameter is given more than once.');
      into[key] = decodeComponent(rawValue, source);
    }
    start = end + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Nonces

/**
 * Remembers SignatureNonces for `ttlMs` after they were first seen, in insertion order, so that expiring is O(1)
 * amortised. A request's Timestamp may lie up to one window in the future and is accepted until one window past it,
 * so the protocol keeps nonces for two windows. Bounded by `capacity` (oldest forgotten first).
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
  ) {}

  /** Records the nonce; false if it was already recorded and has not expired. */
  use(nonce: string, now: number): boolean {
    this.expire(now);
    const until = this.seen.get(nonce);
    if (until !== undefined && until > now) return false;
    if (until !== undefined) this.seen.delete(nonce);
    if (this.seen.size >= this.capacity) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.set(nonce, now + this.ttlMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
  }

  private expire(now: number): void {
    for (const [nonce, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(nonce);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The protocol

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?Z$/;

function parseTimestamp(value: string): number | undefined {
  const m = TIMESTAMP_RE.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Parses an `application/x-www-form-urlencoded` UTF-8 body into `params` (InvalidParameter otherwise). */
function parseFormBody(req: http.IncomingMessage, body: Buffer, params: Record<string, string>): void {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type && !type.startsWith('application/x-www-form-urlencoded')) {
    throw new PopRpcError('InvalidParameter', 400, `The specified Content-Type "${type}" is not supported; send application/x-www-form-urlencoded.`);
  }
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new PopRpcError('InvalidParameter', 400, 'The specified request body is not valid: it is not UTF-8.');
  }
  parseRpcParams(text, params, 'request body');
}

interface KnownKey {
  credential: PopCredential;
  /** HMAC-SHA1 key of signature v1.0 (secret + "&"). */
  key: crypto.KeyObject;
  /** HMAC-SHA256 key of signature V3 (the secret). */
  v3Key: crypto.KeyObject;
}

/** A request whose signature has been checked, before its date, token and nonce are. */
interface SignedRequest {
  method: 'GET' | 'POST';
  action: string;
  params: Record<string, string>;
  known: KnownKey;
  accessKeyId: string;
  timestamp: number;
  nonce: string;
  token: string | undefined;
  signatureVersion: '1.0' | 'V3';
  path?: string;
}

/** What {@link PopRpcProtocol.receive} read off the wire, for the V3 checks. */
interface V3Input {
  method: 'GET' | 'POST';
  authorization: string;
  path: string;
  query: Record<string, string>;
  params: Record<string, string>;
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

const nullRecord = (): Record<string, string> => Object.create(null) as Record<string, string>;

/** Header values by lower-case name; repeated headers joined by `,` after sorting, as the V3 signers do. */
function headerMap(req: http.IncomingMessage): Record<string, string> {
  const out = nullRecord();
  const distinct = req.headersDistinct as Record<string, string[] | undefined>;
  for (const name of Object.keys(distinct))
    out[name] = [...(distinct[name] ?? [])]
      .map((v) => v.trim())
      .sort()
      .join(',');
  return out;
}

const incomplete = (detail: string) => commonError('IncompleteSignature', `The request signature does not conform to Aliyun standards: ${detail}`);

/** Parses, authenticates and answers POP RPC requests for one product/version. */
export class PopRpcProtocol {
  readonly apiVersion: string;
  readonly hostId: string;
  readonly maxBodyBytes: number;
  /** See {@link PopRpcConfig.retryAfterMs}; may be changed at run time (admin API). */
  retryAfterMs: number | undefined;
  private readonly actions: ReadonlySet<string>;
  private readonly keys = new Map<string, KnownKey>();
  private readonly nonces: NonceCache;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly product: string | undefined;
  private readonly messages: Readonly<Record<string, string>>;

  constructor(config: PopRpcConfig) {
    if (!config.credentials.length) throw new Error('PopRpcProtocol: at least one credential is required');
    this.apiVersion = config.apiVersion;
    this.hostId = config.hostId;
    this.actions = new Set(config.actions);
    for (const c of config.credentials) {
      if (!c.accessKeyId || !c.accessKeySecret) throw new Error('PopRpcProtocol: a credential needs accessKeyId and accessKeySecret');
      this.keys.set(c.accessKeyId, {
        credential: { ...c },
        key: crypto.createSecretKey(Buffer.from(`${c.accessKeySecret}&`, 'utf8')),
        v3Key: crypto.createSecretKey(Buffer.from(c.accessKeySecret, 'utf8')),
      });
    }
    this.maxBodyBytes = config.maxBodyBytes ?? 64 * 1024;
    this.windowMs = config.timestampWindowMs ?? 15 * 60_000;
    this.nonces = new NonceCache(2 * this.windowMs, config.nonceCapacity ?? 200_000);
    this.now = config.now ?? Date.now;
    this.product = config.product;
    this.messages = config.messages ?? {};
    this.retryAfterMs = config.retryAfterMs;
  }

  /** A fresh request id in the gateway's upper-case UUID form. */
  newRequestId(): string {
    return crypto.randomUUID().toUpperCase();
  }

  /** Forgets every remembered nonce (emulator reset). */
  resetNonces(): void {
    this.nonces.clear();
  }

  /** The message for a code: the product's, then the gateway's common one, then a generic text. */
  messageFor(code: string): string {
    return this.messages[code] ?? COMMON_ERRORS[code]?.message ?? `The request failed with ${code}.`;
  }

  /** Turns an injected fault's error spec into an API error (filling in the message by code). */
  faultError(spec: FaultErrorSpec): PopRpcError {
    return new PopRpcError(spec.code, spec.httpStatus, spec.message ?? this.messageFor(spec.code));
  }

  /**
   * Reads the body (bounded), parses the parameters and checks version, action and authentication: signature V3
   * when the request has an `Authorization: ACS3-…` header, v1.0 otherwise. Rejects with a {@link PopRpcError} describing
   * the first problem found.
   */
  async receive(req: http.IncomingMessage, requestId: string): Promise<PopRpcRequest> {
    const body = await this.readBody(req);
    const method = req.method;
    if (method !== 'GET' && method !== 'POST') throw commonError('UnsupportedHTTPMethod', `The HTTP method ${method ?? ''} is not supported; use GET or POST.`);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const query = nullRecord();
    if (q !== -1) parseRpcParams(url.slice(q + 1), query, 'query string');
    const params = Object.assign(nullRecord(), query);
    if (method === 'POST' && body.length > 0) parseFormBody(req, body, params);
    const authorization = req.headers.authorization;
    // V3 is recognised by its scheme (`ACS3-…`); any other request is checked as v1.0, whose signature is a parameter.
    if (authorization === undefined || !/^\s*ACS3-/i.test(authorization)) return this.authenticate(method, params, requestId);
    const path = q === -1 ? url : url.slice(0, q);
    return this.admit(this.verifyV3({ method, authorization, path, query, params, headers: headerMap(req), body }), requestId);
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    try {
      return await readBody(req, this.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new PopRpcError('RequestEntityTooLarge', 413, `The request body exceeds the limit of ${this.maxBodyBytes} bytes.`);
      }
      // The client went away mid-body: nobody is left to answer, and it is not the emulator's failure.
      throw new PopRpcError('InvalidParameter', 400, 'The request body could not be read.');
    }
  }

  /** `Action` and `Version` present, the version this product's, the action known; `Format` JSON if given. */
  private checkActionAndVersion(action: string | undefined, version: string | undefined, names: [string, string], format: string | undefined): string {
    if (!action) throw missingParameter(names[0]);
    if (!version) throw missingParameter(names[1]);
    if (version !== this.apiVersion)
      throw commonError('InvalidVersion', `Specified parameter Version is not valid. The supported version is ${this.apiVersion}.`);
    if (!this.actions.has(action)) throw commonError('InvalidAction.NotFound');
    if (format !== undefined && format.toUpperCase() !== 'JSON') throw invalidParameter('Format', 'This emulator answers JSON only.');
    return action;
  }

  /** The checks of {@link receive} for signature v1.0, on already-parsed parameters. */
  authenticate(method: 'GET' | 'POST', params: Record<string, string>, requestId: string): PopRpcRequest {
    const action = this.checkActionAndVersion(params.Action, params.Version, ['Action', 'Version'], params.Format);
    for (const name of ['Signature', 'SignatureMethod', 'SignatureVersion'] as const) {
      if (!params[name]) throw incomplete(`"${name}" is missing.`);
    }
    for (const name of ['AccessKeyId', 'SignatureNonce', 'Timestamp'] as const) {
      if (!params[name]) throw missingParameter(name);
    }
    if (params.SignatureMethod !== 'HMAC-SHA1') throw invalidParameter('SignatureMethod', 'Only HMAC-SHA1 is supported.');
    if (params.SignatureVersion !== '1.0') throw invalidParameter('SignatureVersion', 'Only 1.0 is supported.');
    const accessKeyId = params.AccessKeyId as string;
    const known = this.keys.get(accessKeyId);
    if (!known) throw commonError('InvalidAccessKeyId.NotFound');
    const timestamp = parseTimestamp(params.Timestamp as string);
    if (timestamp === undefined) throw commonError('InvalidTimeStamp.Format');
    const toSign = stringToSign(method, params);
    const expected = crypto.createHmac('sha1', known.key).update(toSign).digest('base64');
    if (!timingSafeEqualText(expected, params.Signature as string)) {
      throw new PopRpcError('SignatureDoesNotMatch', 400, `Specified signature is not matched with our calculation. server string to sign is:${toSign}`);
    }
    const nonce = params.SignatureNonce as string;
    return this.admit({ method, action, params, known, accessKeyId, timestamp, nonce, token: params.SecurityToken, signatureVersion: '1.0' }, requestId);
  }

  /**
   * Signature V3: the Authorization header's shape, action and version from the headers, the required headers
   * present and signed, a known AccessKey, a well-formed date, the body hash, then the signature (constant time).
   */
  private verifyV3(v3: V3Input): SignedRequest {
    const auth = parseAcs3Authorization(v3.authorization);
    if (!auth) throw incomplete('the Authorization header is not "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…".');
    if (auth.algorithm !== ACS3_ALGORITHM) throw incomplete(`the signature algorithm ${auth.algorithm} is not supported; use ${ACS3_ALGORITHM}.`);
    const h = v3.headers;
    const action = this.checkActionAndVersion(h['x-acs-action'], h['x-acs-version'], ['x-acs-action', 'x-acs-version'], v3.params.Format);
    for (const name of ACS3_REQUIRED_SIGNED_HEADERS) if (!h[name]) throw missingParameter(name);
    const mustSign = h['x-acs-security-token'] === undefined ? ACS3_REQUIRED_SIGNED_HEADERS : [...ACS3_REQUIRED_SIGNED_HEADERS, 'x-acs-security-token'];
    for (const name of mustSign) if (!auth.signedHeaders.includes(name)) throw incomplete(`the header "${name}" is not signed (SignedHeaders).`);
    const known = this.keys.get(auth.accessKeyId);
    if (!known) throw commonError('InvalidAccessKeyId.NotFound');
    const timestamp = parseTimestamp(h['x-acs-date'] as string);
    if (timestamp === undefined) throw commonError('InvalidTimeStamp.Format');
    if (!timingSafeEqualText(acs3PayloadHash(v3.body), h['x-acs-content-sha256'] as string)) {
      throw new PopRpcError(
        'SignatureDoesNotMatch',
        400,
        'Specified signature is not matched with our calculation: x-acs-content-sha256 is not the SHA-256 of the request body.',
      );
    }
    const canonical = acs3CanonicalRequest({
      method: v3.method,
      path: v3.path,
      query: v3.query,
      headers: h,
      signedHeaders: auth.signedHeaders,
      payloadHash: h['x-acs-content-sha256'] as string,
    });
    const toSign = acs3StringToSign(canonical);
    if (!timingSafeEqualText(acs3Signature(known.v3Key, toSign), auth.signature)) {
      throw new PopRpcError('SignatureDoesNotMatch', 400, `Specified signature is not matched with our calculation. server string to sign is:${toSign}`);
    }
    const nonce = h['x-acs-signature-nonce'] as string;
    return {
      method: v3.method,
      action,
      params: v3.params,
      known,
      accessKeyId: auth.accessKeyId,
      timestamp,
      nonce,
      token: h['x-acs-security-token'],
      signatureVersion: 'V3',
      path: v3.path,
    };
  }

  /** The checks after the signature, common to both versions: date window, STS token, nonce (used up last). */
  private admit(s: SignedRequest, requestId: string): PopRpcRequest {
    const now = this.now();
    if (Math.abs(now - s.timestamp) > this.windowMs) throw commonError('InvalidTimeStamp.Expired');
    const pinned = s.known.credential.securityToken;
    if (pinned !== undefined && s.token !== pinned) {
      throw s.token ? commonError('InvalidSecurityToken.Malformed') : incomplete('"SecurityToken" is missing.');
    }
    if (!this.nonces.use(`${s.accessKeyId}\n${s.nonce}`, now)) throw commonError('SignatureNonceUsed');
    const request: PopRpcRequest = {
      method: s.method,
      action: s.action,
      params: s.params,
      accessKeyId: s.accessKeyId,
      requestId,
      signatureVersion: s.signatureVersion,
    };
    if (s.token) request.securityToken = s.token;
    if (s.path !== undefined) request.path = s.path;
    return request;
  }

  /** Answers `{RequestId, ...fields}` with 200. A `Code` field in `fields` is dropped (successes carry none). */
  sendSuccess(res: http.ServerResponse, requestId: string, fields: object): void {
    const payload: Record<string, unknown> = { RequestId: requestId, ...fields };
    if ('Code' in payload) delete payload.Code;
    payload.RequestId = requestId;
    writeJson(res, 200, requestId, JSON.stringify(payload));
  }

  /** Answers the error envelope `{RequestId, HostId, Code, Message, Recommend}` with the error's status. */
  sendError(res: http.ServerResponse, requestId: string, error: ApiErrorLike): void {
    const recommend = `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}${this.product ? `&product=${encodeURIComponent(this.product)}` : ''}`;
    const payload = { RequestId: requestId, HostId: this.hostId, Code: error.code, Message: error.message, Recommend: recommend };
    writeJson(res, error.httpStatus, requestId, JSON.stringify(payload), this.retryAfterHeader(error.code));
  }

  /** `x-acs-retry-after` for a throttling code when {@link retryAfterMs} is set. */
  private retryAfterHeader(code: string): Record<string, string> | undefined {
    if (this.retryAfterMs === undefined || !code.startsWith('Throttling')) return undefined;
    return { 'x-acs-retry-after': String(this.retryAfterMs) };
  }
}

function writeJson(res: http.ServerResponse, status: number, requestId: string, body: string, extra?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...extra,
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-acs-request-id': requestId,
    'access-control-allow-origin': '*',
  });
  res.end(body);
}

// ---------------------------------------------------------------------------------------------------------------
// A complete request listener

/** Applies one action; returns the success fields (without RequestId) or throws an {@link ApiErrorLike}. */
export type PopRpcDispatch = (request: PopRpcRequest) => object | Promise<object>;

export interface PopRpcHandlerOptions {
  protocol: PopRpcProtocol;
  faults: FaultInjector;
  dispatch: PopRpcDispatch;
  /** The `/__admin` API (faults are taken from `faults` above). */
  admin?: Omit<AdminOptions, 'faults'>;
  /** Called with errors that were not API errors (answered as InternalError 500). Default: ignored. */
  onInternalError?: (err: unknown, request?: PopRpcRequest) => void;
}

/** Destroys the connection with a TCP RST where Node supports it (the client sees ECONNRESET). */
function resetSocket(req: http.IncomingMessage, res: http.ServerResponse): void {
  const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
  if (!res.destroyed) res.destroy();
}

/**
 * A `http` request listener serving a POP RPC product: `/__admin/*` goes to the admin API; anything else is parsed
 * and authenticated by `protocol`, then `faults.decide(action)` is called exactly once and its decision honoured
 * (delay before; error envelope; connection reset before or after applying; HTML 502; apply then hold the answer
 * for `delayAfterMs`), and otherwise `dispatch` applies the action. Never throws; every failure gets an answer.
 */
export function createPopRpcHandler(options: PopRpcHandlerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const { protocol, faults, dispatch } = options;
  const admin: AdminOptions | undefined = options.admin ? { ...options.admin, faults } : undefined;

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (admin && isAdminPath(req.url)) return handleAdmin(req, res, admin);
    const requestId = protocol.newRequestId();
    let request: PopRpcRequest | undefined;
    try {
      request = await protocol.receive(req, requestId);
    } catch (err) {
      return answerError(res, requestId, err);
    }
    const decision: FaultDecision = faults.decide(request.action);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (res.destroyed) return;
    if (decision.reset === 'before') return resetSocket(req, res);
    if (decision.html502) return sendHtml502(res);
    if (decision.error) return protocol.sendError(res, requestId, protocol.faultError(decision.error));
    let fields: object | undefined;
    let failure: unknown;
    try {
      fields = await dispatch(request);
    } catch (err) {
      failure = err;
    }
    if (decision.reset === 'after') return resetSocket(req, res);
    if (decision.delayAfterMs > 0) await sleep(decision.delayAfterMs);
    if (failure !== undefined || fields === undefined) return answerError(res, requestId, failure, request);
    protocol.sendSuccess(res, requestId, fields);
  }

  function answerError(res: http.ServerResponse, requestId: string, err: unknown, request?: PopRpcRequest): void {
    if (isApiErrorLike(err)) {
      protocol.sendError(res, requestId, err);
      return;
    }
    options.onInternalError?.(err, request);
    protocol.sendError(res, requestId, commonError('InternalError'));
  }

  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      try {
        options.onInternalError?.(err);
        if (!res.headersSent && !res.destroyed) protocol.sendError(res, protocol.newRequestId(), commonError('InternalError'));
        else if (!res.writableEnded) res.destroy();
      } catch {
        // the connection is gone; nothing left to answer
      }
    });
  };
}
