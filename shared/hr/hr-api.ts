/**
 * The HR user APIs the enrich worker reads (DingTalk and WeCom send only user ids). One small client per vendor
 * over Node's fetch, with the access token cached per function instance until shortly before it expires.
 *
 * Failures map to the worker runtime's vocabulary:
 * - user unknown to the HR system → PermanentError `hr.user-not-found`;
 * - the user has no email (a SAG account needs one) → PermanentError `hr.email-missing`;
 * - wrong app credentials → PermanentError `hr.credentials-invalid` (retrying cannot fix a wrong secret);
 * - network errors, timeouts, 5xx, non-JSON answers, system-busy codes → TransientError `hr.api-unavailable`;
 * - an invalid or expired token → the token is dropped and the call retried once.
 */
import { PermanentError, TransientError } from '../errors.js';

/** What enrichment needs from the HR system. */
export interface HrUser {
  userId: string;
  name: string;
  email?: string;
  departmentIds: string[];
  workPlace?: string;
}

export interface HrDirectoryClient {
  getUser(userId: string): Promise<HrUser>;
}

interface TokenCache {
  token?: string;
  expiresAt: number;
}

async function fetchJson(url: string, init: RequestInit, timeoutMs: number): Promise<Record<string, unknown>> {
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

const TOKEN_CODES = new Set([40014, 42001, 40001 /* WeCom: invalid credential when the token is bad */]);
const BUSY_CODES = new Set([-1, 45009, 45033, 90018, 88]);

function check(body: Record<string, unknown>, what: string, notFound: number[]): void {
  const code = Number(body.errcode ?? 0);
  if (code === 0) return;
  const msg = `${what}: errcode ${code} ${String(body.errmsg ?? '')}`.trim();
  if (notFound.includes(code)) throw new PermanentError('hr.user-not-found', msg, { upstreamCode: String(code) });
  if (BUSY_CODES.has(code)) throw new TransientError('hr.api-unavailable', msg, { upstreamCode: String(code) });
  throw new PermanentError('hr.api-error', msg, { upstreamCode: String(code) });
}

abstract class TokenClient implements HrDirectoryClient {
  private cache: TokenCache = { expiresAt: 0 };
  private pending?: Promise<string>;

  constructor(protected readonly timeoutMs: number) {}

  protected abstract fetchToken(): Promise<{ token: string; expiresIn: number }>;
  protected abstract fetchUser(token: string, userId: string): Promise<Record<string, unknown>>;
  protected abstract toUser(userId: string, body: Record<string, unknown>): HrUser;
  protected abstract readonly notFoundCodes: number[];

  private async token(): Promise<string> {
    if (this.cache.token && Date.now() < this.cache.expiresAt) return this.cache.token;
    this.pending ??= this.fetchToken()
      .then(({ token, expiresIn }) => {
        this.cache = { token, expiresAt: Date.now() + Math.max(60, expiresIn - 300) * 1000 };
        return token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  async getUser(userId: string): Promise<HrUser> {
    for (let i = 0; i < 2; i++) {
      const body = await this.fetchUser(await this.token(), userId);
      const code = Number(body.errcode ?? 0);
      if (TOKEN_CODES.has(code) && i === 0) {
        this.cache = { expiresAt: 0 };
        continue;
      }
      check(body, 'user lookup', this.notFoundCodes);
      return this.toUser(userId, body);
    }
    throw new TransientError('hr.api-unavailable', 'the HR API kept refusing fresh tokens');
  }

  protected tokenFrom(body: Record<string, unknown>): { token: string; expiresIn: number } {
    const code = Number(body.errcode ?? 0);
    if (code !== 0) {
      const msg = `token: errcode ${code} ${String(body.errmsg ?? '')}`.trim();
      if (BUSY_CODES.has(code)) throw new TransientError('hr.api-unavailable', msg, { upstreamCode: String(code) });
      throw new PermanentError('hr.credentials-invalid', msg, { upstreamCode: String(code) });
    }
    if (typeof body.access_token !== 'string' || !body.access_token) throw new TransientError('hr.api-unavailable', 'token answer without access_token');
    return { token: body.access_token, expiresIn: Number(body.expires_in ?? 7200) };
  }
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** DingTalk: `GET /gettoken?appkey&appsecret`, `POST /topapi/v2/user/get?access_token` (60121: no such user). */
export class DingTalkDirectory extends TokenClient {
  protected readonly notFoundCodes = [60121, 60111];
  constructor(
    private readonly o: { endpoint: string; appKey: string; appSecret: string },
    timeoutMs: number,
  ) {
    super(timeoutMs);
  }
  protected async fetchToken() {
    const u = new URL('/gettoken', this.o.endpoint);
    u.searchParams.set('appkey', this.o.appKey);
    u.searchParams.set('appsecret', this.o.appSecret);
    return this.tokenFrom(await fetchJson(u.href, { method: 'GET' }, this.timeoutMs));
  }
  protected fetchUser(token: string, userId: string) {
    const u = new URL('/topapi/v2/user/get', this.o.endpoint);
    u.searchParams.set('access_token', token);
    return fetchJson(
      u.href,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userid: userId, language: 'zh_CN' }) },
      this.timeoutMs,
    );
  }
  protected toUser(userId: string, body: Record<string, unknown>): HrUser {
    const r = (body.result ?? {}) as Record<string, unknown>;
    const depts = Array.isArray(r.dept_id_list) ? r.dept_id_list.map(String) : [];
    return { userId, name: str(r.name) ?? '', email: str(r.email) ?? str(r.org_email), departmentIds: depts, workPlace: str(r.work_place) };
  }
}

/** WeCom: `GET /cgi-bin/gettoken?corpid&corpsecret`, `GET /cgi-bin/user/get?access_token&userid` (60111: no such user). */
export class WeComDirectory extends TokenClient {
  protected readonly notFoundCodes = [60111];
  constructor(
    private readonly o: { endpoint: string; corpId: string; corpSecret: string },
    timeoutMs: number,
  ) {
    super(timeoutMs);
  }
  protected async fetchToken() {
    const u = new URL('/cgi-bin/gettoken', this.o.endpoint);
    u.searchParams.set('corpid', this.o.corpId);
    u.searchParams.set('corpsecret', this.o.corpSecret);
    return this.tokenFrom(await fetchJson(u.href, { method: 'GET' }, this.timeoutMs));
  }
  protected fetchUser(token: string, userId: string) {
    const u = new URL('/cgi-bin/user/get', this.o.endpoint);
    u.searchParams.set('access_token', token);
    u.searchParams.set('userid', userId);
    return fetchJson(u.href, { method: 'GET' }, this.timeoutMs);
  }
  protected toUser(userId: string, body: Record<string, unknown>): HrUser {
    const depts = Array.isArray(body.department) ? body.department.map(String) : [];
    return { userId, name: str(body.name) ?? '', email: str(body.email) ?? str(body.biz_mail), departmentIds: depts, workPlace: str(body.address) };
  }
}
