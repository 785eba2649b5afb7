/**
 * The Feishu / Lark roster (contact v3, https://open.feishu.cn/document/server-docs/contact-v3/): every department
 * below the root `"0"` (`GET /open-apis/contact/v3/departments/0/children?fetch_child=true`, paged), then the
 * direct members of the root and of each department (`GET /open-apis/contact/v3/users/find_by_department`, paged
 * by `page_token` while `has_more`), read to the end. Resigned users are not listed.
 *
 * Calls carry the app's `tenant_access_token` (`POST /open-apis/auth/v3/tenant_access_token/internal`, FEISHU_APP_ID
 * and FEISHU_APP_SECRET). Department ids are asked as `open_department_id`, the type the contact events carry, so
 * the site directory's `departmentIds` match both; users are mapped as the Feishu webhook maps the same user's
 * events (`user_id`, else `open_id`; `email`, else `enterprise_email`; `work_station`, then `city`, as offices).
 * The app needs the all-staff contact scope (with a narrower scope, department "0" lists nothing) and the email
 * field scope (https://open.larkoffice.com/document/uAjLw4CM/ukTMukTMukTM/reference/contact-v3/user/find_by_department.md).
 *
 * Paced at find_by_department's documented 1,000 calls a minute (and 50 a second), for both list APIs;
 * throttling answers HTTP 429 `99991400` (https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control).
 */
import { PermanentError, TransientError } from '../errors.js';
import { AccessToken, fetchJson, type IssuedToken } from '../hr/hr-http.js';
import { type FeishuUser, feishuUserFields } from '../webhook/sources/feishu.js';
import { ApiPages, type RosterApiOptions, type Verdict, verdictOf } from './api-pages.js';
import { ApiRoster, type ListedUser } from './api-roster.js';
import { RosterReadError, type Roster, type RosterProgress, type RosterReader } from './roster.js';

/** The page size asked of both lists (the docs give no maximum; 50 is what clients send). */
export const FEISHU_PAGE_SIZE = 50;
/** 1,000 calls a minute per app and API. */
export const FEISHU_CALLS_PER_SECOND = 1000 / 60;
const ROOT_DEPARTMENT = '0';
/** Invalid, expired or missing tenant_access_token (as the HR emulator reads Feishu's error table; unverified). */
const TOKEN_CODES = new Set([99991663, 99991677, 99991661]);
/** Throttled (HTTP 429, documented); HTTP 5xx answers are retried whatever their code. */
const BUSY_CODES = new Set([99991400]);

export interface FeishuApp {
  endpoint: string;
  appId: string;
  appSecret: string;
}

export interface FeishuRosterOptions extends FeishuApp, RosterApiOptions {}

/** Feishu's `{code, msg}` answers. */
export function feishuVerdict(body: Record<string, unknown>): Verdict {
  const code = Number(body.code ?? 0);
  return verdictOf(code, { token: TOKEN_CODES, busy: BUSY_CODES }, () => `code ${code} ${String(body.msg ?? '')}`.trim());
}

/** `tenant_access_token/internal` → the token; a refusal of the app's credentials is permanent. */
export async function feishuTenantToken(o: FeishuApp, timeoutMs: number): Promise<IssuedToken> {
  const url = new URL('/open-apis/auth/v3/tenant_access_token/internal', o.endpoint).href;
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ app_id: o.appId, app_secret: o.appSecret }),
  };
  const body = await fetchJson(url, init, timeoutMs);
  const verdict = feishuVerdict(body);
  const msg = `tenant_access_token: code ${String(body.code)} ${String(body.msg ?? '')}`.trim();
  if (verdict === 'busy') throw new TransientError('hr.api-unavailable', msg, { upstreamCode: String(body.code) });
  if (verdict !== 'ok') throw new PermanentError('hr.credentials-invalid', msg, { upstreamCode: String(body.code) });
  if (typeof body.tenant_access_token !== 'string' || !body.tenant_access_token)
    throw new TransientError('hr.api-unavailable', 'token answer without tenant_access_token');
  return { token: body.tenant_access_token, expiresIn: Number(body.expire ?? 7200) };
}

/**
 * @example
 * ```ts
 * const reader = new FeishuRosterReader({ endpoint: 'https://open.feishu.cn', appId, appSecret, timeoutMs: 5000 });
 * const roster = await reader.read();
 * ```
 */
export class FeishuRosterReader implements RosterReader {
  readonly source = 'feishu' as const;

  constructor(private readonly o: FeishuRosterOptions) {}

  async read(onProgress?: (p: RosterProgress) => void): Promise<Roster> {
    const token = new AccessToken(() => feishuTenantToken(this.o, this.o.timeoutMs));
    const rate = this.o.ratePerSecond ?? FEISHU_CALLS_PER_SECOND;
    const pages = new ApiPages({ source: this.source, token, ratePerSecond: () => rate, verdict: feishuVerdict, retry: this.o.retry });
    const roster = new ApiRoster(this.source, onProgress);
    const departments = [ROOT_DEPARTMENT];
    await this.paged(pages, `departments/${ROOT_DEPARTMENT}/children`, { fetch_child: 'true' }, (items) => {
      for (const d of items) if (typeof d.open_department_id === 'string' && d.open_department_id) departments.push(d.open_department_id);
      roster.progress(pages.count);
    });
    for (const id of departments) {
      await this.paged(pages, 'users/find_by_department', { department_id: id, user_id_type: 'user_id' }, (items) => roster.add(listed(items), pages.count));
    }
    return roster.finish(pages.count);
  }

  /** Every page of a contact v3 list, each page's `items` handed to `take`. */
  private async paged(pages: ApiPages, path: string, query: Record<string, string>, take: (items: Array<Record<string, unknown>>) => void): Promise<void> {
    let pageToken: string | undefined;
    do {
      const u = new URL(`/open-apis/contact/v3/${path}`, this.o.endpoint);
      for (const [k, v] of Object.entries({ ...query, department_id_type: 'open_department_id', page_size: String(this.o.pageSize ?? FEISHU_PAGE_SIZE) }))
        u.searchParams.set(k, v);
      if (pageToken) u.searchParams.set('page_token', pageToken);
      const body = await pages.fetch(path.startsWith('users') ? 'users/find_by_department' : 'departments/children', (t) =>
        fetchJson(u.href, { method: 'GET', headers: { authorization: `Bearer ${t}` } }, this.o.timeoutMs),
      );
      const data = body.data as { has_more?: boolean; page_token?: string; items?: Array<Record<string, unknown>> } | undefined;
      // An empty page may leave `items` out; an answer without `data` is not a page.
      if (!data || typeof data !== 'object' || (data.items !== undefined && !Array.isArray(data.items)))
        throw new RosterReadError(this.source, pages.count, `${path} answered without data.items`);
      take(data.items ?? []);
      if (data.has_more && !data.page_token) throw new RosterReadError(this.source, pages.count, `${path} has more but gave no page_token`);
      pageToken = data.has_more ? data.page_token : undefined;
    } while (pageToken);
  }
}

function listed(items: Array<Record<string, unknown>>): ListedUser[] {
  const out: ListedUser[] = [];
  for (const u of items as FeishuUser[]) {
    const { id, email, location } = feishuUserFields(u);
    if (!id) continue;
    out.push({
      employeeId: id,
      name: typeof u.name === 'string' ? u.name : '',
      email,
      offices: location.offices ?? [],
      departmentIds: location.departmentIds ?? [],
    });
  }
  return out;
}
