/**
 * The DingTalk roster: the department tree walked from the root (`POST /topapi/v2/department/listsub`, one level per
 * call), then each department's direct members (`POST /topapi/v2/user/list`, `cursor` and `size` ≤ 100, while
 * `has_more`), read to the end (https://help.dingtalk.io/open/development/queries-the-complete-information-of-a-department-user;
 * DingTalk has no "all employees" API). `contain_access_limit` asks for access-restricted staff too (left out, they would look
 * like leavers). Users are mapped as the enrich worker maps `topapi/v2/user/get`
 * (`userid`; `email`, else `org_email`; `work_place` as the office; `dept_id_list`).
 *
 * Paced at DingTalk's documented 20 calls per second per app and API (old errcode 90018 beyond:
 * https://open.dingtalk.com/document/development/how-to-process-api-throttling-on-the-dingtalk-server).
 */
import { dingTalkUser } from '../hr/hr-api.js';
import { AccessToken, BUSY_CODES, type DingTalkApp, dingTalkToken, fetchJson, TOKEN_CODES } from '../hr/hr-http.js';
import { ApiPages, type RosterApiOptions, type Verdict, verdictOf } from './api-pages.js';
import { ApiRoster, type ListedUser, listedHrUser } from './api-roster.js';
import { RosterReadError, type Roster, type RosterProgress, type RosterReader } from './roster.js';

/** user/list's documented page-size maximum. */
export const DINGTALK_PAGE_SIZE = 100;
/** Calls per second per app and API (standard edition). */
export const DINGTALK_CALLS_PER_SECOND = 20;
const ROOT_DEPARTMENT = 1;

export interface DingTalkRosterOptions extends DingTalkApp, RosterApiOptions {}

/** DingTalk's `{errcode, errmsg}` answers. */
export function dingTalkVerdict(body: Record<string, unknown>): Verdict {
  const code = Number(body.errcode ?? 0);
  return verdictOf(code, { token: TOKEN_CODES, busy: BUSY_CODES }, () => `errcode ${code} ${String(body.errmsg ?? '')}`.trim());
}

/**
 * @example
 * ```ts
 * const reader = new DingTalkRosterReader({ endpoint: 'https://oapi.dingtalk.com', appKey, appSecret, timeoutMs: 5000 });
 * const roster = await reader.read(({ page, rows }) => console.error(`page ${page}: ${rows} employees`));
 * ```
 */
export class DingTalkRosterReader implements RosterReader {
  readonly source = 'dingtalk' as const;

  constructor(private readonly o: DingTalkRosterOptions) {}

  async read(onProgress?: (p: RosterProgress) => void): Promise<Roster> {
    const token = new AccessToken(() => dingTalkToken(this.o, this.o.timeoutMs));
    const rate = this.o.ratePerSecond ?? DINGTALK_CALLS_PER_SECOND;
    const pages = new ApiPages({ source: this.source, token, ratePerSecond: () => rate, verdict: dingTalkVerdict, retry: this.o.retry });
    const roster = new ApiRoster(this.source, onProgress);
    for (const dept of await this.departments(pages, roster)) await this.members(dept, pages, roster);
    return roster.finish(pages.count);
  }

  private post(api: string, token: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const u = new URL(`/topapi/v2/${api}`, this.o.endpoint);
    u.searchParams.set('access_token', token);
    return fetchJson(u.href, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, this.o.timeoutMs);
  }

  /** Every department id, the root first, breadth first. */
  private async departments(pages: ApiPages, roster: ApiRoster): Promise<number[]> {
    const out = [ROOT_DEPARTMENT];
    for (let i = 0; i < out.length; i++) {
      const body = await pages.fetch('department/listsub', (t) => this.post('department/listsub', t, { dept_id: out[i], language: 'zh_CN' }));
      if (!Array.isArray(body.result)) throw new RosterReadError(this.source, pages.count, 'department/listsub answered without a result list');
      for (const d of body.result as Array<Record<string, unknown>>) if (typeof d.dept_id === 'number' && !out.includes(d.dept_id)) out.push(d.dept_id);
      roster.progress(pages.count);
    }
    return out;
  }

  /** The department's direct members, page by page. */
  private async members(deptId: number, pages: ApiPages, roster: ApiRoster): Promise<void> {
    const size = this.o.pageSize ?? DINGTALK_PAGE_SIZE;
    for (let cursor: unknown = 0; cursor !== undefined; ) {
      const body = await pages.fetch('user/list', (t) =>
        this.post('user/list', t, { dept_id: deptId, cursor, size, contain_access_limit: true, language: 'zh_CN' }),
      );
      const result = (body.result ?? {}) as { has_more?: boolean; next_cursor?: unknown; list?: Array<Record<string, unknown>> };
      if (!Array.isArray(result.list)) throw new RosterReadError(this.source, pages.count, 'user/list answered without result.list');
      roster.add(result.list.filter((u) => typeof u.userid === 'string').map(listed), pages.count);
      if (result.has_more && result.next_cursor === undefined)
        throw new RosterReadError(this.source, pages.count, 'user/list has more but gave no next_cursor');
      cursor = result.has_more ? result.next_cursor : undefined;
    }
  }
}

const listed = (u: Record<string, unknown>): ListedUser => listedHrUser(dingTalkUser(u.userid as string, u));
