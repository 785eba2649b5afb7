/**
 * The HR user APIs the enrich worker reads (DingTalk and WeCom send only user ids). One small client per vendor
 * over Node's fetch (hr-http.ts), with the access token cached per function instance until shortly before it
 * expires.
 *
 * Failures map to the worker runtime's vocabulary:
 * - user unknown to the HR system → PermanentError `hr.user-not-found`;
 * - the user has no email (a SAG account needs one) → PermanentError `hr.email-missing`;
 * - wrong app credentials → PermanentError `hr.credentials-invalid` (retrying cannot fix a wrong secret);
 * - network errors, timeouts, 5xx, non-JSON answers, system-busy codes → TransientError `hr.api-unavailable`;
 * - an invalid or expired token → the token is dropped and the call retried once.
 */
import { PermanentError, TransientError } from '../errors.js';
import type { Location } from '../sites.js';
import { AccessToken, BUSY_CODES, dingTalkToken, fetchJson, TOKEN_CODES, weComToken, type DingTalkApp, type WeComApp } from './hr-http.js';

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

/** Where an HR user works, as routing reads it: the work place as the office, and the departments. */
export const hrUserLocation = (user: HrUser): Location => ({ offices: user.workPlace ? [user.workPlace] : [], departmentIds: user.departmentIds });

function check(body: Record<string, unknown>, what: string, notFound: number[]): void {
  const code = Number(body.errcode ?? 0);
  if (code === 0) return;
  const msg = `${what}: errcode ${code} ${String(body.errmsg ?? '')}`.trim();
  if (notFound.includes(code)) throw new PermanentError('hr.user-not-found', msg, { upstreamCode: String(code) });
  if (BUSY_CODES.has(code)) throw new TransientError('hr.api-unavailable', msg, { upstreamCode: String(code) });
  throw new PermanentError('hr.api-error', msg, { upstreamCode: String(code) });
}

abstract class TokenClient implements HrDirectoryClient {
  private readonly token = new AccessToken(() => this.fetchToken());

  constructor(protected readonly timeoutMs: number) {}

  protected abstract fetchToken(): Promise<{ token: string; expiresIn: number }>;
  protected abstract fetchUser(token: string, userId: string): Promise<Record<string, unknown>>;
  protected abstract toUser(userId: string, body: Record<string, unknown>): HrUser;
  protected abstract readonly notFoundCodes: number[];

  async getUser(userId: string): Promise<HrUser> {
    for (let i = 0; i < 2; i++) {
      const body = await this.fetchUser(await this.token.get(), userId);
      const code = Number(body.errcode ?? 0);
      if (TOKEN_CODES.has(code) && i === 0) {
        this.token.drop();
        continue;
      }
      check(body, 'user lookup', this.notFoundCodes);
      return this.toUser(userId, body);
    }
    throw new TransientError('hr.api-unavailable', 'the HR API kept refusing fresh tokens');
  }
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** A DingTalk user as `topapi/v2/user/get` answers it (`result`), also an item of `topapi/v2/user/list`. */
export function dingTalkUser(userId: string, r: Record<string, unknown>): HrUser {
  const depts = Array.isArray(r.dept_id_list) ? r.dept_id_list.map(String) : [];
  return { userId, name: str(r.name) ?? '', email: str(r.email) ?? str(r.org_email), departmentIds: depts, workPlace: str(r.work_place) };
}

/** A WeCom member as `cgi-bin/user/get` answers it (email, else the enterprise mailbox `biz_mail`; address as work place). */
export function weComUser(userId: string, body: Record<string, unknown>): HrUser {
  const depts = Array.isArray(body.department) ? body.department.map(String) : [];
  return { userId, name: str(body.name) ?? '', email: str(body.email) ?? str(body.biz_mail), departmentIds: depts, workPlace: str(body.address) };
}

/** DingTalk: `GET /gettoken?appkey&appsecret`, `POST /topapi/v2/user/get?access_token` (60121: no such user). */
export class DingTalkDirectory extends TokenClient {
  protected readonly notFoundCodes = [60121, 60111];
  constructor(
    private readonly o: DingTalkApp,
    timeoutMs: number,
  ) {
    super(timeoutMs);
  }
  protected fetchToken() {
    return dingTalkToken(this.o, this.timeoutMs);
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
    return dingTalkUser(userId, (body.result ?? {}) as Record<string, unknown>);
  }
}

/** WeCom: `GET /cgi-bin/gettoken?corpid&corpsecret`, `GET /cgi-bin/user/get?access_token&userid` (60111: no such user). */
export class WeComDirectory extends TokenClient {
  protected readonly notFoundCodes = [60111];
  constructor(
    private readonly o: WeComApp,
    timeoutMs: number,
  ) {
    super(timeoutMs);
  }
  protected fetchToken() {
    return weComToken(this.o, this.timeoutMs);
  }
  protected fetchUser(token: string, userId: string) {
    const u = new URL('/cgi-bin/user/get', this.o.endpoint);
    u.searchParams.set('access_token', token);
    u.searchParams.set('userid', userId);
    return fetchJson(u.href, { method: 'GET' }, this.timeoutMs);
  }
  protected toUser(userId: string, body: Record<string, unknown>): HrUser {
    return weComUser(userId, body);
  }
}
