/**
 * The WeCom roster: every member and department pair (`POST /cgi-bin/user/list_id`, `cursor` and `limit` ≤ 10,000,
 * until `next_cursor` is empty: https://developer.work.weixin.qq.com/document/path/96021), then each member's details
 * (`GET /cgi-bin/user/get`), read to the end. list_id and
 * user/get stay open where `user/list` is closed (new IPs of the contact-sync app since 2022-08-15).
 * Members are mapped as the enrich worker maps user/get (`userid`; `email`, else `biz_mail`; `address` as the
 * office); their departments are those of every list_id entry and of user/get. A member deleted between the two
 * calls (60111) has left and is not listed.
 *
 * Caveat (WeCom docs): apps created after 2022-06-20 get no email from user/get; their members are then reported
 * as `email.missing` problems, as their webhook events are dead-lettered `hr.email-missing`.
 *
 * Pace: WeCom publishes no per-API rate for these calls (unverified); 20 calls per second per API is assumed, and its
 * throttling codes (45009, 45033) are retried with backoff, so either answer works.
 */
import { mapLimit } from '../concurrency.js';
import { weComUser } from '../hr/hr-api.js';
import { AccessToken, BUSY_CODES, fetchJson, TOKEN_CODES, type WeComApp, weComToken } from '../hr/hr-http.js';
import { ApiPages, type RosterApiOptions, type Verdict, verdictOf } from './api-pages.js';
import { ApiRoster, listedHrUser } from './api-roster.js';
import { RosterReadError, type Roster, type RosterProgress, type RosterReader } from './roster.js';

/** list_id's documented `limit` maximum. */
export const WECOM_PAGE_SIZE = 10_000;
/** Assumed calls per second per API (WeCom documents none). */
export const WECOM_CALLS_PER_SECOND = 20;
/** user/get calls in flight at once. */
const DETAIL_CONCURRENCY = 4;
const USER_GONE = 60111;

export interface WeComRosterOptions extends WeComApp, RosterApiOptions {}

/** WeCom's `{errcode, errmsg}` answers (the errmsg's hint and link left out). */
export function weComVerdict(body: Record<string, unknown>): Verdict {
  const code = Number(body.errcode ?? 0);
  return verdictOf(code, { token: TOKEN_CODES, busy: BUSY_CODES }, () => `errcode ${code} ${String(body.errmsg ?? '').split(', hint:')[0]}`.trim());
}

/** user/get: a member gone since list_id is an answer too (not listed), not a failure. */
const detailVerdict = (body: Record<string, unknown>): Verdict => (Number(body.errcode) === USER_GONE ? 'ok' : weComVerdict(body));

/**
 * @example
 * ```ts
 * const reader = new WeComRosterReader({ endpoint: 'https://qyapi.weixin.qq.com', corpId, corpSecret, timeoutMs: 5000 });
 * const roster = await reader.read();
 * ```
 */
export class WeComRosterReader implements RosterReader {
  readonly source = 'wecom' as const;

  constructor(private readonly o: WeComRosterOptions) {}

  async read(onProgress?: (p: RosterProgress) => void): Promise<Roster> {
    const token = new AccessToken(() => weComToken(this.o, this.o.timeoutMs));
    const rate = this.o.ratePerSecond ?? WECOM_CALLS_PER_SECOND;
    const pages = new ApiPages({ source: this.source, token, ratePerSecond: () => rate, verdict: weComVerdict, retry: this.o.retry });
    const roster = new ApiRoster(this.source, onProgress);
    const memberships = await this.memberships(pages, roster);
    await mapLimit([...memberships], DETAIL_CONCURRENCY, async ([userId, departments]) => {
      const { body, page } = await pages.fetchPage('user/get', (t) => this.get(t, userId), detailVerdict);
      if (Number(body.errcode) === USER_GONE) return;
      const user = listedHrUser(weComUser(userId, body));
      roster.add([{ ...user, departmentIds: [...new Set([...departments, ...user.departmentIds])] }], page);
    });
    return roster.finish(pages.count);
  }

  private get(token: string, userId: string): Promise<Record<string, unknown>> {
    const u = new URL('/cgi-bin/user/get', this.o.endpoint);
    u.searchParams.set('access_token', token);
    u.searchParams.set('userid', userId);
    return fetchJson(u.href, { method: 'GET' }, this.o.timeoutMs);
  }

  /** Every member's departments, from list_id's pages. */
  private async memberships(pages: ApiPages, roster: ApiRoster): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    let cursor = '';
    do {
      const u = new URL('/cgi-bin/user/list_id', this.o.endpoint);
      const request = JSON.stringify({ cursor, limit: this.o.pageSize ?? WECOM_PAGE_SIZE });
      const body = await pages.fetch('user/list_id', (t) => {
        u.searchParams.set('access_token', t);
        return fetchJson(u.href, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request }, this.o.timeoutMs);
      });
      if (!Array.isArray(body.dept_user)) throw new RosterReadError(this.source, pages.count, 'user/list_id answered without dept_user');
      for (const e of body.dept_user as Array<{ userid?: unknown; department?: unknown }>) {
        if (typeof e.userid !== 'string') continue;
        const depts = out.get(e.userid) ?? [];
        if (e.department !== undefined) depts.push(String(e.department));
        out.set(e.userid, depts);
      }
      roster.progress(pages.count);
      cursor = typeof body.next_cursor === 'string' ? body.next_cursor : '';
    } while (cursor);
    return out;
  }
}
