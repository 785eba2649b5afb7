/**
 * The FC 3.0 HTTP trigger contract (https://www.alibabacloud.com/help/en/functioncompute/fc/http-trigger-invoking-function):
 * the handler gets a Buffer holding `{version, rawPath, body, isBase64Encoded, headers, queryParameters,
 * requestContext}` (header names keep their original casing; `rawPath` is URL-encoded, `requestContext.http.path`
 * decoded) and returns `{statusCode, headers, body}`.
 *
 * What FC puts in `requestContext.http.path` for a malformed percent-encoding (`/webhooks/%E0`, `%zz`) is not
 * documented: it may refuse the request itself, pass the raw text, or decode leniently. Any of these works here: the
 * path is only ever matched against `/webhooks/<name>`, and when FC leaves the decoded path out, `rawPath` is
 * decoded with {@link decodePath}, which never throws.
 */
import { InputError } from '../errors.js';

export interface WebhookRequest {
  method: string;
  /** Decoded path, e.g. `/webhooks/generic`. */
  path: string;
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined;
  query: Record<string, string>;
  /** The body exactly as sent (base64-decoded when the platform encoded it). */
  rawBody: Buffer;
  requestId?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

interface FcHttpEvent {
  rawPath?: unknown;
  body?: unknown;
  isBase64Encoded?: unknown;
  headers?: unknown;
  queryParameters?: unknown;
  requestContext?: { http?: { method?: unknown; path?: unknown }; requestId?: unknown };
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null); // a `__proto__` or `constructor` key is just a key
  if (v && typeof v === 'object') for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/**
 * Percent-decodes a URL path leniently: each run of `%XX` escapes that is valid UTF-8 is decoded, any other run
 * (`%E0`, `%C0%AF`, a lone `%`, `%zz`) is kept as it was. One linear pass; it never throws, unlike
 * `decodeURIComponent`.
 * @example
 * decodePath('/webhooks/%67eneric') // => '/webhooks/generic'
 * decodePath('/webhooks/%E0') // => '/webhooks/%E0'
 */
export function decodePath(raw: string): string {
  if (!raw.includes('%')) return raw;
  return raw.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** `/a/b//` → `/a/b`; `/` and `` → `/`. A loop, not `/\/+$/`, whose backtracking is quadratic in a run of slashes. */
function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  return end === 0 ? '/' : path.slice(0, end);
}

/** Parses the platform event. A malformed platform event is answered 400 (InputError). */
export function parseHttpEvent(event: unknown): WebhookRequest {
  let e: FcHttpEvent;
  try {
    e = (Buffer.isBuffer(event) ? JSON.parse(event.toString('utf8')) : typeof event === 'string' ? JSON.parse(event) : event) as FcHttpEvent;
  } catch {
    throw new InputError('the HTTP trigger event is not JSON');
  }
  if (!e || typeof e !== 'object') throw new InputError('the HTTP trigger event is not an object');
  const method = typeof e.requestContext?.http?.method === 'string' ? e.requestContext.http.method.toUpperCase() : 'POST';
  const path = typeof e.requestContext?.http?.path === 'string' ? e.requestContext.http.path : typeof e.rawPath === 'string' ? decodePath(e.rawPath) : '/';
  const body = typeof e.body === 'string' ? e.body : '';
  const rawBody = e.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(stringMap(e.headers))) headers.set(k.toLowerCase(), v);
  return {
    method,
    path: trimTrailingSlashes(path),
    header: (name) => headers.get(name.toLowerCase()),
    query: stringMap(e.queryParameters),
    rawBody,
    requestId: typeof e.requestContext?.requestId === 'string' ? e.requestContext.requestId : undefined,
  };
}

export function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

/** The HTTP status phrases (RFC 9110 §15) of the statuses the webhook answers with a problem document. */
export const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};

/**
 * An RFC 9457 problem document (https://www.rfc-editor.org/rfc/rfc9457) of type `about:blank`, whose `title` is
 * therefore the status phrase (§4.2.1); what went wrong is in `detail`, and a 400 lists its field `errors`.
 * @example
 * problem(401, { detail: 'missing webhook-signature' }).body // => '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"missing webhook-signature"}'
 */
export function problem(statusCode: number, extra: { detail?: string; [member: string]: unknown } = {}, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', ...headers },
    body: JSON.stringify({ type: 'about:blank', title: STATUS_TITLES[statusCode] ?? 'Error', status: statusCode, ...extra }),
  };
}
