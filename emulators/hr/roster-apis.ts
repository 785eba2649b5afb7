/**
 * The DingTalk and WeCom roster (list) APIs a reconcile reads, beside the user/department reads of apis.ts.
 *
 * DingTalk (https://help.dingtalk.io/open/development/queries-the-complete-information-of-a-department-user and
 * the department-list page beside it):
 * - `POST /topapi/v2/department/listsub` `{dept_id?}` (default the root, 1): one level of sub-departments;
 * - `POST /topapi/v2/user/list` `{dept_id, cursor, size ≤ 100}`: the department's direct members, paged by
 *   `next_cursor` while `has_more`.
 * WeCom (https://developer.work.weixin.qq.com/document/path/96021 for list_id, and the department/user list pages):
 * - `GET /cgi-bin/department/simplelist?id=` (default the whole organisation): the department and all below it;
 * - `POST /cgi-bin/user/list_id` `{cursor?, limit 1–10000}`: one `{userid, department}` per member and department,
 *   paged by `next_cursor` (empty at the end);
 * - `GET /cgi-bin/user/list?department_id=`: the department's direct members with their details.
 * Departed users are left out of every list, as on the platforms.
 */
import { asId, dingTalkAuth, dingTalkError, ok, requestId, topapiParams, weComAuth, weComError, type ApiRequest, type HrRoute } from './apis.js';
import { decodePageToken, encodePageToken, intParam, pageOf } from './paging.js';

/** DingTalk's documented page-size maximum for user/list. */
export const DINGTALK_MAX_PAGE_SIZE = 100;
/** WeCom's documented limit range for user/list_id. */
export const WECOM_MAX_LIST_LIMIT = 10_000;

const dingTalkDepartmentListSub: HrRoute = {
  vendor: 'dingtalk',
  action: 'dingtalk.department.listsub',
  handle(store, req) {
    const denied = dingTalkAuth(store, req);
    if (denied) return denied;
    const params = topapiParams(req);
    const id = params ? intParam(params.dept_id === undefined ? 1 : asId(params.dept_id), 1, 1, Number.MAX_SAFE_INTEGER) : undefined;
    if (id === undefined) return ok(dingTalkError(40035));
    const subs = store.dingTalkSubDepartments(id);
    if (!subs) return ok(dingTalkError(60003));
    const result = subs.map((d) => ({ dept_id: d.dept_id, name: d.name, parent_id: d.parent_id ?? 0, create_dept_group: false, auto_add_user: false }));
    return ok({ errcode: 0, errmsg: 'ok', result, request_id: requestId() });
  },
};

const dingTalkUserList: HrRoute = {
  vendor: 'dingtalk',
  action: 'dingtalk.user.list',
  handle(store, req) {
    const denied = dingTalkAuth(store, req);
    if (denied) return denied;
    const params = topapiParams(req);
    if (!params) return ok(dingTalkError(40035));
    const id = intParam(asId(params.dept_id), undefined, 1, Number.MAX_SAFE_INTEGER);
    const cursor = intParam(asId(params.cursor), undefined, 0, Number.MAX_SAFE_INTEGER);
    const size = intParam(asId(params.size), undefined, 1, DINGTALK_MAX_PAGE_SIZE);
    if (id === undefined || cursor === undefined || size === undefined) return ok(dingTalkError(40035));
    const members = store.dingTalkMembers(id);
    if (!members) return ok(dingTalkError(60003));
    const { page, next } = pageOf(members, cursor, size);
    const result = next === undefined ? { has_more: false, list: page } : { has_more: true, next_cursor: next, list: page };
    return ok({ errcode: 0, errmsg: 'ok', result, request_id: requestId() });
  },
};

const weComDepartmentSimpleList: HrRoute = {
  vendor: 'wecom',
  action: 'wecom.department.simplelist',
  handle(store, req) {
    const denied = weComAuth(store, req);
    if (denied) return denied;
    const id = intParam(req.query.get('id'), 1, 1, Number.MAX_SAFE_INTEGER);
    if (id === undefined) return ok(weComError(40058, req.clientIp));
    const tree = store.weComSubtree(id);
    if (!tree) return ok(weComError(60123, req.clientIp));
    return ok({ errcode: 0, errmsg: 'ok', department_id: tree.map((d) => ({ id: d.id, parentid: d.parentid, order: d.order })) });
  },
};

/** The JSON body of a WeCom POST (empty → `{}`); undefined when it is not a JSON object. */
function weComBody(req: ApiRequest): Record<string, unknown> | undefined {
  const text = req.body.toString('utf8').trim();
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const weComUserListId: HrRoute = {
  vendor: 'wecom',
  action: 'wecom.user.list_id',
  handle(store, req) {
    const denied = weComAuth(store, req);
    if (denied) return denied;
    const body = weComBody(req);
    const limit = body && intParam(body.limit, WECOM_MAX_LIST_LIMIT, 1, WECOM_MAX_LIST_LIMIT);
    const cursor = body && (body.cursor === undefined || body.cursor === '' ? 0 : typeof body.cursor === 'string' ? decodePageToken(body.cursor) : undefined);
    if (limit === undefined || cursor === undefined) return ok(weComError(40058, req.clientIp));
    const { page, next } = pageOf(store.weComMemberships(), cursor, limit);
    return ok({ errcode: 0, errmsg: 'ok', next_cursor: next === undefined ? '' : encodePageToken(next), dept_user: page });
  },
};

const weComUserList: HrRoute = {
  vendor: 'wecom',
  action: 'wecom.user.list',
  handle(store, req) {
    const denied = weComAuth(store, req);
    if (denied) return denied;
    const id = intParam(req.query.get('department_id'), undefined, 1, Number.MAX_SAFE_INTEGER);
    if (id === undefined) return ok(weComError(40058, req.clientIp));
    const members = store.weComMembers(id);
    if (!members) return ok(weComError(60123, req.clientIp));
    return ok({ errcode: 0, errmsg: 'ok', userlist: members });
  },
};

/** Path → roster route. */
export const ROSTER_ROUTES: Readonly<Record<string, HrRoute>> = Object.freeze({
  '/topapi/v2/department/listsub': dingTalkDepartmentListSub,
  '/topapi/v2/user/list': dingTalkUserList,
  '/cgi-bin/department/simplelist': weComDepartmentSimpleList,
  '/cgi-bin/user/list_id': weComUserListId,
  '/cgi-bin/user/list': weComUserList,
});
