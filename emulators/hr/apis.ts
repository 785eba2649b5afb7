/**
 * The emulated HR user APIs, wire parameters in → JSON answers out (no sockets here; server.ts does the HTTP).
 * Both platforms answer HTTP 200 with a non-zero `errcode` for API errors. Codes and messages: see README.md
 * ("emulator assumption" marks what could not be confirmed).
 *
 * DingTalk (`oapi.dingtalk.com`): `GET /gettoken`, `POST /topapi/v2/user/get`, `POST /topapi/v2/department/get`.
 * WeCom (`qyapi.weixin.qq.com`): `GET /cgi-bin/gettoken`, `GET /cgi-bin/user/get`, `GET /cgi-bin/department/get`.
 */
import { randomBytes } from 'node:crypto';
import type { HrStore, HrVendor } from './store.js';

/** What a route gets from the HTTP layer. */
export interface ApiRequest {
  method: string;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  /** For WeCom's "from ip" hint. */
  clientIp: string;
  /** The `Authorization` header (Feishu's `Bearer <tenant_access_token>`). */
  authorization?: string;
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface HrRoute {
  vendor: HrVendor;
  /** The fault-injection action name. */
  action: string;
  handle(store: HrStore, req: ApiRequest): ApiAnswer;
}

export const DINGTALK_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  [-1]: '系统繁忙',
  40014: '不合法的access_token',
  40035: '不合法的参数',
  40089: '不合法的corpid或corpsecret或者不合法的appkey或appsecret',
  41001: '缺少access_token参数',
  42001: 'access_token超时',
  43002: '需要POST请求',
  45009: '接口调用超过限制',
  60003: '部门不存在',
  60121: '找不到该用户',
});

export const WECOM_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  [-1]: 'system is busy',
  40001: 'invalid credential',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40058: 'invalid Request Parameter',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41009: 'missing userid',
  42001: 'access_token expired',
  45009: 'api freq out of limit',
  60111: 'userid not found',
  60123: 'invalid party id',
});

export const requestId = () => randomBytes(7).toString('hex').slice(0, 13);

/** A DingTalk error body (`request_id` as the `topapi` family sends it). */
export function dingTalkError(errcode: number, errmsg = DINGTALK_MESSAGES[errcode] ?? 'error'): Record<string, unknown> {
  return { errcode, errmsg, request_id: requestId() };
}

/** A WeCom error body; WeCom appends a hint, the caller's IP and a help link to every `errmsg`. */
export function weComError(errcode: number, clientIp: string, text = WECOM_MESSAGES[errcode] ?? 'error'): Record<string, unknown> {
  const hint = `[${Math.floor(Date.now() / 1000)}${randomBytes(4).toString('hex')}]`;
  return { errcode, errmsg: `${text}, hint: ${hint}, from ip: ${clientIp}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}` };
}

export const ok = (body: Record<string, unknown>): ApiAnswer => ({ status: 200, body });

// ---------------------------------------------------------------------------------------------------------------
// DingTalk

/**
 * The parameters of a `topapi` call: the query (without `access_token`) overlaid with the body, which may be JSON
 * or form-encoded (the official SDKs send either). `undefined` when the body is neither.
 */
export function topapiParams(req: ApiRequest): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of req.query) if (k !== 'access_token' && !Object.hasOwn(out, k)) out[k] = v;
  const text = req.body.toString('utf8').trim();
  if (text === '') return out;
  if (/application\/x-www-form-urlencoded/i.test(req.contentType)) {
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return { ...out, ...(parsed as Record<string, unknown>) };
}

/** The DingTalk token check shared by the `topapi` routes; an error answer, or undefined when the token is good. */
export function dingTalkAuth(store: HrStore, req: ApiRequest): ApiAnswer | undefined {
  if (req.method !== 'POST') return ok(dingTalkError(43002));
  const check = store.checkToken('dingtalk', req.query.get('access_token'));
  if (check === 'missing') return ok(dingTalkError(41001));
  if (check === 'invalid') return ok(dingTalkError(40014));
  if (check === 'expired') return ok(dingTalkError(42001));
  return undefined;
}

export const asId = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

const dingTalkGetToken: HrRoute = {
  vendor: 'dingtalk',
  action: 'dingtalk.gettoken',
  handle(store, req) {
    const appKey = req.query.get('appkey') ?? '';
    const appSecret = req.query.get('appsecret') ?? '';
    if (!appKey || !appSecret || store.checkDingTalkApp(appKey, appSecret) !== 'ok') return ok(dingTalkError(40089));
    const { token, expiresIn } = store.issueToken('dingtalk', appKey);
    return ok({ errcode: 0, access_token: token, errmsg: 'ok', expires_in: expiresIn });
  },
};

const dingTalkUserGet: HrRoute = {
  vendor: 'dingtalk',
  action: 'dingtalk.user.get',
  handle(store, req) {
    const denied = dingTalkAuth(store, req);
    if (denied) return denied;
    const params = topapiParams(req);
    const userid = params && asId(params.userid);
    if (!userid) return ok(dingTalkError(40035, '不合法的参数'));
    const user = store.getDingTalkUser(userid);
    // A departed user is not found, as on DingTalk (its leavers are only in the smart-HR dimission APIs).
    if (!user || store.isDeparted('dingtalk', userid)) return ok(dingTalkError(60121));
    return ok({ errcode: 0, errmsg: 'ok', result: user, request_id: requestId() });
  },
};

const dingTalkDepartmentGet: HrRoute = {
  vendor: 'dingtalk',
  action: 'dingtalk.department.get',
  handle(store, req) {
    const denied = dingTalkAuth(store, req);
    if (denied) return denied;
    const params = topapiParams(req);
    const raw = params && asId(params.dept_id);
    const id = raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    if (id === undefined) return ok(dingTalkError(40035));
    const dept = store.getDingTalkDepartment(id);
    if (!dept) return ok(dingTalkError(60003));
    return ok({ errcode: 0, errmsg: 'ok', result: dept, request_id: requestId() });
  },
};

// ---------------------------------------------------------------------------------------------------------------
// WeCom

export function weComAuth(store: HrStore, req: ApiRequest): ApiAnswer | undefined {
  const check = store.checkToken('wecom', req.query.get('access_token'));
  if (check === 'missing') return ok(weComError(41001, req.clientIp));
  if (check === 'invalid') return ok(weComError(40014, req.clientIp));
  if (check === 'expired') return ok(weComError(42001, req.clientIp));
  return undefined;
}

const weComGetToken: HrRoute = {
  vendor: 'wecom',
  action: 'wecom.gettoken',
  handle(store, req) {
    const corpId = req.query.get('corpid') ?? '';
    const corpSecret = req.query.get('corpsecret') ?? '';
    if (!corpId) return ok(weComError(41002, req.clientIp));
    if (!corpSecret) return ok(weComError(41004, req.clientIp));
    const check = store.checkWeComCredential(corpId, corpSecret);
    if (check === 'unknown-corp') return ok(weComError(40013, req.clientIp));
    if (check === 'bad-secret') return ok(weComError(40001, req.clientIp));
    const { token, expiresIn } = store.issueToken('wecom', corpId);
    return ok({ errcode: 0, errmsg: 'ok', access_token: token, expires_in: expiresIn });
  },
};

const weComUserGet: HrRoute = {
  vendor: 'wecom',
  action: 'wecom.user.get',
  handle(store, req) {
    const denied = weComAuth(store, req);
    if (denied) return denied;
    const userid = req.query.get('userid');
    if (!userid) return ok(weComError(41009, req.clientIp));
    const user = store.getWeComUser(userid);
    // A departed (deleted) member is not found, as on WeCom.
    if (!user || store.isDeparted('wecom', userid)) return ok(weComError(60111, req.clientIp, `userid not found`));
    return ok({ errcode: 0, errmsg: 'ok', ...user });
  },
};

const weComDepartmentGet: HrRoute = {
  vendor: 'wecom',
  action: 'wecom.department.get',
  handle(store, req) {
    const denied = weComAuth(store, req);
    if (denied) return denied;
    const raw = req.query.get('id') ?? '';
    if (!/^\d{1,15}$/.test(raw)) return ok(weComError(40058, req.clientIp));
    const dept = store.getWeComDepartment(Number(raw));
    if (!dept) return ok(weComError(60123, req.clientIp));
    return ok({ errcode: 0, errmsg: 'ok', department: { ...dept, department_leader: [] } });
  },
};

/** Path → route. */
export const HR_ROUTES: Readonly<Record<string, HrRoute>> = Object.freeze({
  '/gettoken': dingTalkGetToken,
  '/topapi/v2/user/get': dingTalkUserGet,
  '/topapi/v2/department/get': dingTalkDepartmentGet,
  '/cgi-bin/gettoken': weComGetToken,
  '/cgi-bin/user/get': weComUserGet,
  '/cgi-bin/department/get': weComDepartmentGet,
});

/** The user/department read routes' fault-injection action names (server.ts lists every route's). */
export const HR_READ_ACTIONS: readonly string[] = Object.values(HR_ROUTES).map((r) => r.action);
