/**
 * The HR emulator's HTTP layer: one server for both path families (DingTalk's `/gettoken`, `/topapi/…` and WeCom's
 * `/cgi-bin/…` do not collide), fault injection per action, and the `/__admin` API with HR routes:
 *
 * - `GET|POST|PATCH|DELETE /__admin/dingtalk/users`        list / add (object, array or `{"users": [...]}`) /
 *   update (`{"userid", ...changes}`, `null` removes a field) / remove (`?userid=` or `{"userid"}`)
 * - `GET|POST|PATCH|DELETE /__admin/dingtalk/departments`  same, keyed by `dept_id`
 * - `… /__admin/wecom/users`, `… /__admin/wecom/departments` (keyed by `userid` / `id`)
 * - `POST /__admin/seed`            `{"dingtalk": {"departments", "users"}, "wecom": {...}}`, all or nothing
 * - `POST /__admin/tokens/expire`   `{}` every token, `{"vendor": "wecom"}`, or `{"token": "…"}`: they answer
 *   "expired" (42001) from now on
 * - `GET /__admin/state`, `POST /__admin/reset`, `/__admin/faults` (common admin API)
 */
import http from 'node:http';
import { AdminInputError, handleAdmin, isAdminPath, type AdminOptions, type AdminRoute } from '../common/admin.js';
import { FaultInjector, type FaultDecision, type FaultErrorSpec } from '../common/faults.js';
import { BodyTooLargeError, readBody, sendHtml502, sendJson, sleep } from '../common/http.js';
import { dingTalkError, weComError, type ApiAnswer } from './apis.js';
import { feishuError } from './feishu-apis.js';
import { resolveRoute, type ResolvedRoute } from './routes.js';
import { DEFAULT_DINGTALK_APPS, DEFAULT_FEISHU_APPS, DEFAULT_WECOM_CREDENTIALS, checkCredentials, loadDataFile, type HrEmulatorOptions } from './config.js';
import { HR_VENDORS, HrConfigError, HrStore, type HrVendor } from './store.js';

/** What a `ratePerSecond` fault rule answers unless it names a code: errcode 45009 with HTTP 200. */
export const HR_THROTTLE_ERROR: FaultErrorSpec = Object.freeze({ code: '45009', httpStatus: 200 });

export interface HrServer {
  server: http.Server;
  store: HrStore;
  faults: FaultInjector;
  /** Directory back to the initial data, tokens forgotten, fault rules cleared. */
  reset(): void;
}

function admin<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HrConfigError) throw new AdminInputError(err.message);
    throw err;
  }
}

/** `[x]` for an object, `x` for an array, `x[key]` for `{key: [...]}`. */
function listOf(body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (body !== null && typeof body === 'object' && Array.isArray((body as Record<string, unknown>)[key]))
    return (body as Record<string, unknown[]>)[key] as unknown[];
  if (body !== null && typeof body === 'object') return [body];
  throw new HrConfigError(`expected a JSON object, an array, or {"${key}": [...]}`);
}

/** The key of a DELETE: from the query (`?userid=`) or the body (`{"userid": …}`). */
function keyOf(req: http.IncomingMessage, body: unknown, key: string): string {
  const fromQuery = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get(key);
  const fromBody = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  const v = fromQuery ?? (typeof fromBody === 'string' || typeof fromBody === 'number' ? String(fromBody) : undefined);
  if (!v) throw new HrConfigError(`pass "${key}" in the query or the body`);
  return v;
}

function numericKey(req: http.IncomingMessage, body: unknown, key: string): number {
  const v = keyOf(req, body, key);
  if (!/^\d{1,15}$/.test(v)) throw new HrConfigError(`"${key}" must be a positive integer`);
  return Number(v);
}

function adminRoutes(store: HrStore): Record<string, AdminRoute> {
  return {
    'GET /dingtalk/users': () => ({ users: store.listDingTalkUsers() }),
    'POST /dingtalk/users': (body) => admin(() => ({ users: store.addDingTalkUsers(listOf(body, 'users')) })),
    'PATCH /dingtalk/users': (body) => admin(() => ({ user: store.updateDingTalkUser(body) })),
    'DELETE /dingtalk/users': (body, req) =>
      admin(() => {
        const userid = keyOf(req, body, 'userid');
        store.removeDingTalkUser(userid);
        return { removed: userid };
      }),
    'GET /dingtalk/departments': () => ({ departments: store.listDingTalkDepartments() }),
    'POST /dingtalk/departments': (body) => admin(() => ({ departments: store.addDingTalkDepartments(listOf(body, 'departments')) })),
    'PATCH /dingtalk/departments': (body) => admin(() => ({ department: store.updateDingTalkDepartment(body) })),
    'DELETE /dingtalk/departments': (body, req) =>
      admin(() => {
        const id = numericKey(req, body, 'dept_id');
        store.removeDingTalkDepartment(id);
        return { removed: id };
      }),
    'GET /wecom/users': () => ({ users: store.listWeComUsers() }),
    'POST /wecom/users': (body) => admin(() => ({ users: store.addWeComUsers(listOf(body, 'users')) })),
    'PATCH /wecom/users': (body) => admin(() => ({ user: store.updateWeComUser(body) })),
    'DELETE /wecom/users': (body, req) =>
      admin(() => {
        const userid = keyOf(req, body, 'userid');
        store.removeWeComUser(userid);
        return { removed: userid };
      }),
    'GET /wecom/departments': () => ({ departments: store.listWeComDepartments() }),
    'POST /wecom/departments': (body) => admin(() => ({ departments: store.addWeComDepartments(listOf(body, 'departments')) })),
    'PATCH /wecom/departments': (body) => admin(() => ({ department: store.updateWeComDepartment(body) })),
    'DELETE /wecom/departments': (body, req) =>
      admin(() => {
        const id = numericKey(req, body, 'id');
        store.removeWeComDepartment(id);
        return { removed: id };
      }),
    'POST /seed': (body) => admin(() => ({ seeded: store.seed(body) })),
    'POST /tokens/expire': (body) =>
      admin(() => {
        const b = (body ?? {}) as Record<string, unknown>;
        if (typeof b !== 'object' || Array.isArray(b)) throw new HrConfigError('expected {"vendor"?: "dingtalk"|"wecom", "token"?: "…"}');
        if (b.vendor !== undefined && !HR_VENDORS.includes(b.vendor as HrVendor)) throw new HrConfigError('"vendor" must be "dingtalk" or "wecom"');
        if (b.token !== undefined && typeof b.token !== 'string') throw new HrConfigError('"token" must be a string');
        return { expired: store.expireTokens({ vendor: b.vendor as HrVendor | undefined, token: b.token as string | undefined }) };
      }),
  };
}

/** `{"<key>": "…", "<flag>"?: boolean}` → the id and the flag (default true). */
function flagged(body: unknown, key: string, flag: string): [string, boolean] {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const id = b[key];
  if (typeof id !== 'string' || !id) throw new HrConfigError(`expected {"${key}": "…", "${flag}"?: true|false}`);
  if (b[flag] !== undefined && typeof b[flag] !== 'boolean') throw new HrConfigError(`"${flag}" must be true or false`);
  return [id, b[flag] !== false];
}

/** Departures (DingTalk, WeCom), resignations and the Feishu directory. */
function lifecycleAdminRoutes(store: HrStore): Record<string, AdminRoute> {
  return {
    'POST /dingtalk/departed': (body) =>
      admin(() => {
        const [userid, departed] = flagged(body, 'userid', 'departed');
        store.setDeparted('dingtalk', userid, departed);
        return { userid, departed };
      }),
    'POST /wecom/departed': (body) =>
      admin(() => {
        const [userid, departed] = flagged(body, 'userid', 'departed');
        store.setDeparted('wecom', userid, departed);
        return { userid, departed };
      }),
    'POST /feishu/departments': (body) => admin(() => ({ seeded: store.feishu.seed({ departments: listOf(body, 'departments') }) })),
    'POST /feishu/users': (body) => admin(() => ({ seeded: store.feishu.seed({ users: listOf(body, 'users') }) })),
    'POST /feishu/resigned': (body) =>
      admin(() => {
        const [user_id, resigned] = flagged(body, 'user_id', 'resigned');
        store.feishu.setResigned(user_id, resigned);
        return { user_id, resigned };
      }),
    'POST /feishu/tokens/expire': () => ({ expired: store.feishu.expireTokens() }),
  };
}

function clientIp(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

function resetSocket(req: http.IncomingMessage, res: http.ServerResponse): void {
  const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
  if (!res.destroyed) res.destroy();
}

/**
 * The answer to an injected error: the vendor's error body with `errcode` = the rule's `code` when it is an
 * integer (else -1, with the code as message), HTTP 200 like the real APIs unless the rule names `httpStatus`.
 */
function faultAnswer(route: ResolvedRoute, decision: FaultDecision, faults: FaultInjector, ip: string): ApiAnswer {
  const spec = decision.error as FaultErrorSpec;
  const rule = faults.list().find((r) => r.id === decision.ruleId);
  const numeric = /^-?\d{1,9}$/.test(spec.code);
  const errcode = numeric ? Number(spec.code) : -1;
  const message = spec.message ?? (numeric ? undefined : spec.code);
  if (route.platform === 'feishu') {
    // Feishu throttles with HTTP 429 and code 99991400; a rate rule without a code answers that.
    const code = spec === HR_THROTTLE_ERROR ? 99991400 : errcode;
    return feishuError(code, spec === HR_THROTTLE_ERROR ? undefined : message, rule?.httpStatus);
  }
  const status = rule?.httpStatus ?? 200;
  return { status, body: route.platform === 'dingtalk' ? dingTalkError(errcode, message) : weComError(errcode, ip, message) };
}

interface ServeContext {
  store: HrStore;
  faults: FaultInjector;
  adminOptions: AdminOptions;
  maxBodyBytes: number;
}

/** The request handler: admin API, or route → fault decision → the route's answer. */
function serveRequests(ctx: ServeContext): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const { store, faults, adminOptions, maxBodyBytes } = ctx;
  return async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (isAdminPath(req.url)) return handleAdmin(req, res, adminOptions);
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const route = resolveRoute(path);
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError && !res.destroyed) return sendJson(res, 413, { errcode: 413, errmsg: `request body over ${maxBodyBytes} bytes` });
      return; // the client went away
    }
    if (!route) return sendJson(res, 404, { errcode: 404, errmsg: 'no such API' });
    const ip = clientIp(req);
    const decision = faults.decide(route.action);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (res.destroyed) return;
    if (decision.reset === 'before') return resetSocket(req, res);
    if (decision.html502) return sendHtml502(res);
    if (decision.error) {
      const a = faultAnswer(route, decision, faults, ip);
      return sendJson(res, a.status, a.body, a.headers);
    }
    const answer = route.run(store, {
      method: req.method ?? 'GET',
      query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
      body,
      contentType: req.headers['content-type'] ?? '',
      clientIp: ip,
      authorization: req.headers.authorization,
    });
    if (decision.reset === 'after') return resetSocket(req, res);
    if (decision.delayAfterMs > 0) await sleep(decision.delayAfterMs);
    if (res.destroyed) return;
    sendJson(res, answer.status, answer.body, answer.headers);
  };
}

/** Builds (but does not start) the emulator's HTTP server. Throws HrConfigError on bad options. */
export function createHrServer(options: HrEmulatorOptions = {}): HrServer {
  const apps = options.dingtalkApps ?? DEFAULT_DINGTALK_APPS;
  const creds = options.wecomCredentials ?? DEFAULT_WECOM_CREDENTIALS;
  checkCredentials(apps, creds);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const feishuApps = options.feishuApps ?? DEFAULT_FEISHU_APPS;
  const store = new HrStore({ dingtalkApps: apps, wecomCredentials: creds, feishuApps, tokenTtlSec: options.tokenTtlSec ?? 7200, now: options.now });
  // Initial data (options, then file): validated once here; reset() replays it.
  const initial: unknown[] = [options.data, options.dataFile ? loadDataFile(options.dataFile) : undefined].filter((d) => d !== undefined);
  const applyInitial = () => {
    for (const d of initial) store.seed(d);
  };
  applyInitial();
  const faults = new FaultInjector(HR_THROTTLE_ERROR, options.seed);
  const resetState = () => {
    store.reset();
    applyInitial();
  };
  const adminOptions: AdminOptions = {
    faults,
    state: () => ({ ...store.snapshot(), feishu: store.feishu.snapshot() }),
    reset: resetState,
    extra: { ...adminRoutes(store), ...lifecycleAdminRoutes(store) },
  };
  const onInternalError =
    options.onInternalError ??
    ((err: unknown) => process.stderr.write(`[hr-emulator] unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));

  const serve = serveRequests({ store, faults, adminOptions, maxBodyBytes });

  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      try {
        onInternalError(err);
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, { errcode: -1, errmsg: 'emulator internal error' });
        else if (!res.writableEnded) res.destroy();
      } catch {
        // the connection is gone; nothing left to answer
      }
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return {
    server,
    store,
    faults,
    reset: () => {
      resetState();
      faults.clear();
    },
  };
}
