/**
 * The Feishu / Lark open-platform APIs a roster reader calls (https://open.feishu.cn/document/server-docs/contact-v3/):
 * - `POST /open-apis/auth/v3/tenant_access_token/internal` `{app_id, app_secret}` → `{code:0, tenant_access_token, expire}`;
 * - `GET /open-apis/contact/v3/departments/:department_id/children` (`fetch_child`, `page_size`, `page_token`);
 * - `GET /open-apis/contact/v3/users/find_by_department?department_id=` (direct members, paged);
 * - `GET /open-apis/contact/v3/users/:user_id` (a resigned user is still returned, with `status.is_resigned`).
 * Calls carry `Authorization: Bearer <tenant_access_token>`. Answers are `{code, msg, data}`; errors are HTTP 400
 * with a non-zero `code`, throttling HTTP 429 `99991400` with `x-ogw-ratelimit-*` headers
 * (https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control). The other codes are the
 * emulator's reading of the platform's error table, marked in README.md.
 */
import type { ApiAnswer, ApiRequest } from './apis.js';
import type { DepartmentIdType, UserIdType } from './feishu-directory.js';
import { decodePageToken, encodePageToken, intParam, pageOf } from './paging.js';
import type { HrStore } from './store.js';

export const FEISHU_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  10003: 'invalid param',
  10014: 'app secret invalid',
  40003: 'department not found',
  41050: 'user not found',
  99991400: 'request trigger frequency limit',
  99991661: 'Missing access token for authorization. Please make a request with token attached.',
  99991663: 'Invalid access token for authorization. Please make a request with token attached.',
  99991677: 'Authentication token expired.',
  99992402: 'field validation failed',
});

/** Page sizes of the contact list APIs: default 10, at most 50 (the commonly sent value; the docs give no maximum). */
export const FEISHU_DEFAULT_PAGE_SIZE = 10;
export const FEISHU_MAX_PAGE_SIZE = 50;

/** A Feishu error answer (HTTP 400, or 429 with the rate-limit headers for 99991400). */
export function feishuError(code: number, msg = FEISHU_MESSAGES[code] ?? 'error', status?: number): ApiAnswer {
  if (code === 99991400) return { status: status ?? 429, body: { code, msg }, headers: { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '1' } };
  return { status: status ?? 400, body: { code, msg } };
}

/** A path segment decoded; undefined when its percent-encoding is malformed. */
function segment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

const success = (data: Record<string, unknown>): ApiAnswer => ({ status: 200, body: { code: 0, msg: 'success', data } });

/** A Feishu route: its fault-injection action, how it matches a path (returning the path parameter), its handler. */
export interface FeishuRoute {
  action: string;
  match(path: string): string | undefined;
  handle(store: HrStore, req: ApiRequest, param: string): ApiAnswer;
}

function tokenDenied(store: HrStore, req: ApiRequest): ApiAnswer | undefined {
  const check = store.feishu.checkToken(req.authorization);
  if (check === 'missing') return feishuError(99991661);
  if (check === 'invalid') return feishuError(99991663);
  if (check === 'expired') return feishuError(99991677);
  return undefined;
}

interface ListQuery {
  deptType: DepartmentIdType;
  offset: number;
  size: number;
}

/** `department_id_type` (default open_department_id), `user_id_type`, `page_size`, `page_token`; undefined if invalid. */
function listQuery(q: URLSearchParams): ListQuery | undefined {
  const deptType = q.get('department_id_type') ?? 'open_department_id';
  const userType = q.get('user_id_type') ?? 'open_id';
  if (deptType !== 'department_id' && deptType !== 'open_department_id') return undefined;
  if (!['open_id', 'union_id', 'user_id'].includes(userType)) return undefined;
  const size = intParam(q.get('page_size'), FEISHU_DEFAULT_PAGE_SIZE, 1, FEISHU_MAX_PAGE_SIZE);
  const token = q.get('page_token');
  const offset = token ? decodePageToken(token) : 0;
  if (size === undefined || offset === undefined) return undefined;
  return { deptType, offset, size };
}

function pageData(items: Record<string, unknown>[], offset: number, size: number): Record<string, unknown> {
  const { page, next } = pageOf(items, offset, size);
  return next === undefined ? { has_more: false, items: page } : { has_more: true, page_token: encodePageToken(next), items: page };
}

const tenantToken: FeishuRoute = {
  action: 'feishu.tenant_access_token',
  match: (path) => (path === '/open-apis/auth/v3/tenant_access_token/internal' ? '' : undefined),
  handle(store, req) {
    let body: Record<string, unknown> = {};
    try {
      const text = req.body.toString('utf8').trim();
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return feishuError(10003);
    }
    const appId = typeof body?.app_id === 'string' ? body.app_id : '';
    const appSecret = typeof body?.app_secret === 'string' ? body.app_secret : '';
    if (!appId || !appSecret) return feishuError(10003);
    const issued = store.feishu.issueToken(appId, appSecret);
    if (issued === 'unknown-app') return feishuError(10003);
    if (issued === 'bad-secret') return feishuError(10014);
    return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: issued.token, expire: issued.expire } };
  },
};

const CHILDREN_RE = /^\/open-apis\/contact\/v3\/departments\/([^/]+)\/children$/;

const departmentChildren: FeishuRoute = {
  action: 'feishu.department.children',
  match: (path) => CHILDREN_RE.exec(path)?.[1],
  handle(store, req, param) {
    const denied = tokenDenied(store, req);
    if (denied) return denied;
    const q = listQuery(req.query);
    const fetchChild = req.query.get('fetch_child') ?? 'false';
    const id = segment(param);
    if (!q || id === undefined || (fetchChild !== 'true' && fetchChild !== 'false')) return feishuError(99992402);
    const dept = store.feishu.department(id, q.deptType);
    if (!dept) return feishuError(40003);
    const items = store.feishu.children(dept, fetchChild === 'true').map((d) => store.feishu.departmentView(d, q.deptType));
    return success(pageData(items, q.offset, q.size));
  },
};

const findByDepartment: FeishuRoute = {
  action: 'feishu.user.find_by_department',
  match: (path) => (path === '/open-apis/contact/v3/users/find_by_department' ? '' : undefined),
  handle(store, req) {
    const denied = tokenDenied(store, req);
    if (denied) return denied;
    const q = listQuery(req.query);
    const id = req.query.get('department_id');
    if (!q || !id) return feishuError(99992402);
    const dept = store.feishu.department(id, q.deptType);
    if (!dept) return feishuError(40003);
    const items = store.feishu.members(dept).map((u) => store.feishu.userView(u, q.deptType));
    return success(pageData(items, q.offset, q.size));
  },
};

const USER_RE = /^\/open-apis\/contact\/v3\/users\/([^/]+)$/;

const userGet: FeishuRoute = {
  action: 'feishu.user.get',
  match: (path) => USER_RE.exec(path)?.[1],
  handle(store, req, param) {
    const denied = tokenDenied(store, req);
    if (denied) return denied;
    const q = listQuery(req.query);
    const userType = (req.query.get('user_id_type') ?? 'open_id') as UserIdType;
    const id = segment(param);
    if (!q || id === undefined) return feishuError(99992402);
    const user = store.feishu.user(id, userType);
    if (!user) return feishuError(41050);
    return success({ user: store.feishu.userView(user, q.deptType) });
  },
};

/** In matching order (find_by_department before `users/:user_id`). */
export const FEISHU_ROUTES: readonly FeishuRoute[] = Object.freeze([tenantToken, departmentChildren, findByDepartment, userGet]);

/** The route and its path parameter for a path, or undefined. */
export function matchFeishuRoute(path: string): { route: FeishuRoute; param: string } | undefined {
  if (!path.startsWith('/open-apis/')) return undefined;
  for (const route of FEISHU_ROUTES) {
    const param = route.match(path);
    if (param !== undefined) return { route, param };
  }
  return undefined;
}
