/**
 * The HR platforms' HTTP basics, shared by the user lookups of the enrich worker (hr-api.ts) and the roster readers
 * (shared/roster/): a JSON call with a timeout, the access token cached until shortly before it expires, the
 * DingTalk and WeCom token endpoints, and the error codes that mean "token" or "busy".
 *
 * Failures: network errors, timeouts, 5xx and non-JSON answers → TransientError `hr.api-unavailable`; a token
 * endpoint refusing the app's credentials → PermanentError `hr.credentials-invalid` (busy codes stay transient).
 */
import { PermanentError, TransientError } from '../errors.js';

/** Codes of an invalid or expired access token (DingTalk 40014/42001, WeCom 40014/42001/40001). */
export const TOKEN_CODES: ReadonlySet<number> = new Set([40014, 42001, 40001]);
/** System busy and throttling: -1 (both), WeCom 45009/45033, DingTalk 90018 (per app and API) and 88. */
export const BUSY_CODES: ReadonlySet<number> = new Set([-1, 45009, 45033, 90018, 88]);

/** A JSON object from `url`; TransientError when the platform cannot be reached or answers 5xx or non-JSON. */
export async function fetchJson(url: string, init: RequestInit, timeoutMs: number): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new TransientError('hr.api-unavailable', `HR API unreachable: ${(err as Error).name}`, {}, { cause: err });
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TransientError('hr.api-unavailable', `HR API answered HTTP ${res.status} with a non-JSON body`);
  }
  if (res.status >= 500) throw new TransientError('hr.api-unavailable', `HR API answered HTTP ${res.status}`);
  if (!body || typeof body !== 'object') throw new TransientError('hr.api-unavailable', 'HR API answered a non-object');
  return body as Record<string, unknown>;
}

export interface IssuedToken {
  token: string;
  /** Seconds the token is valid for. */
  expiresIn: number;
}

/**
 * An access token, fetched on first use and kept until 5 minutes before it expires (at least one minute);
 * concurrent callers share one fetch. {@link AccessToken.drop} forgets it after the platform refused it.
 * @example
 * ```ts
 * const token = new AccessToken(() => dingTalkToken({ endpoint, appKey, appSecret }, 5000));
 * await token.get(); // fetched once, then cached
 * ```
 */
export class AccessToken {
  private cached?: string;
  private expiresAt = 0;
  private pending?: Promise<string>;

  constructor(private readonly fetchToken: () => Promise<IssuedToken>) {}

  get(): Promise<string> {
    if (this.cached && Date.now() < this.expiresAt) return Promise.resolve(this.cached);
    this.pending ??= this.fetchToken()
      .then(({ token, expiresIn }) => {
        this.cached = token;
        this.expiresAt = Date.now() + Math.max(60, expiresIn - 300) * 1000;
        return token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  drop(): void {
    this.cached = undefined;
    this.expiresAt = 0;
  }
}

/** A DingTalk/WeCom `gettoken` answer → the token; busy codes are transient, any other code a credentials error. */
export function tokenFrom(body: Record<string, unknown>): IssuedToken {
  const code = Number(body.errcode ?? 0);
  if (code !== 0) {
    const msg = `token: errcode ${code} ${String(body.errmsg ?? '')}`.trim();
    if (BUSY_CODES.has(code)) throw new TransientError('hr.api-unavailable', msg, { upstreamCode: String(code) });
    throw new PermanentError('hr.credentials-invalid', msg, { upstreamCode: String(code) });
  }
  if (typeof body.access_token !== 'string' || !body.access_token) throw new TransientError('hr.api-unavailable', 'token answer without access_token');
  return { token: body.access_token, expiresIn: Number(body.expires_in ?? 7200) };
}

export interface DingTalkApp {
  endpoint: string;
  appKey: string;
  appSecret: string;
}

/** DingTalk: `GET /gettoken?appkey&appsecret` (the legacy `oapi` token, which the `topapi` calls take). */
export async function dingTalkToken(o: DingTalkApp, timeoutMs: number): Promise<IssuedToken> {
  const u = new URL('/gettoken', o.endpoint);
  u.searchParams.set('appkey', o.appKey);
  u.searchParams.set('appsecret', o.appSecret);
  return tokenFrom(await fetchJson(u.href, { method: 'GET' }, timeoutMs));
}

export interface WeComApp {
  endpoint: string;
  corpId: string;
  corpSecret: string;
}

/** WeCom: `GET /cgi-bin/gettoken?corpid&corpsecret` (https://developer.work.weixin.qq.com/document/path/91039). */
export async function weComToken(o: WeComApp, timeoutMs: number): Promise<IssuedToken> {
  const u = new URL('/cgi-bin/gettoken', o.endpoint);
  u.searchParams.set('corpid', o.corpId);
  u.searchParams.set('corpsecret', o.corpSecret);
  return tokenFrom(await fetchJson(u.href, { method: 'GET' }, timeoutMs));
}
