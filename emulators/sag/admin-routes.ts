/**
 * The SAG emulator's own `/__admin` routes (beside the common faults/state/reset):
 * - `GET /__admin/instances`, `POST /__admin/instances`     instances (one object, an array or `{"instances": [...]}`)
 * - `GET /__admin/users?smartAGId=…`, `POST /__admin/users` users of one instance; seed one
 * - `POST /__admin/sessions`     `{"smartAGId","userName","count"?}` opens client sessions (KickOutClients closes them)
 * - `POST /__admin/traffic`      `{"smartAGId","userName","at"?}` the account used traffic (at = ISO time, null forgets)
 * - `GET|POST /__admin/billing-clock`  `{"now": ISO}` fixes the billing clock, `{"offsetMs": n}` shifts it, `{}` resets
 * - `GET|POST /__admin/retry-after`    `{"retryAfterMs": n|null}` x-acs-retry-after on throttling answers
 */
import type http from 'node:http';
import { AdminInputError, type AdminRoute } from '../common/admin.js';
import type { PopRpcProtocol } from '../common/pop-rpc.js';
import type { BillingClock } from './billing-cycle.js';
import { instancesFromJson } from './config.js';
import { SagConfigError } from './errors.js';
import { SagStore, type SagUserSeed } from './sag-store.js';

export interface SagAdminContext {
  store: SagStore;
  protocol: PopRpcProtocol;
  billingClock: BillingClock;
  region: string;
}

/** Runs a seeding function, turning SagConfigError into the admin API's 400. */
function adminInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SagConfigError) throw new AdminInputError(err.message);
    throw err;
  }
}

function objectBody(body: unknown, example: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SagConfigError(`expected ${example}`);
  return body as Record<string, unknown>;
}

function instantOf(value: unknown, name: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : Number.NaN;
  if (!Number.isFinite(ms)) throw new SagConfigError(`${name} must be an ISO 8601 time or epoch milliseconds`);
  return ms;
}

function userTarget(body: unknown, example: string): { smartAGId: string; userName: string; b: Record<string, unknown> } {
  const b = objectBody(body, example);
  if (typeof b.smartAGId !== 'string' || typeof b.userName !== 'string') throw new SagConfigError(`smartAGId and userName are required: ${example}`);
  return { smartAGId: b.smartAGId, userName: b.userName, b };
}

function instanceAndUserRoutes(ctx: SagAdminContext): Record<string, AdminRoute> {
  const { store, region } = ctx;
  return {
    'GET /instances': () => ({ instances: store.listInstances() }),
    'POST /instances': (body) =>
      adminInput(() => {
        const list = instancesFromJson(body, 'POST /__admin/instances');
        // All or nothing: validate on a scratch store first.
        const scratch = new SagStore({ regionId: region, maxBandwidthKbps: store.maxBandwidthKbps });
        for (const existing of store.listInstances()) scratch.addInstance(existing);
        for (const input of list) scratch.addInstance(structuredClone(input));
        return { instances: list.map((input) => store.addInstance(input)) };
      }),
    'GET /users': (_body, req: http.IncomingMessage) =>
      adminInput(() => {
        const query = new URL(req.url ?? '/', 'http://x').searchParams;
        const id = query.get('smartAGId') ?? query.get('instanceId') ?? '';
        const users = store.listUsers(id);
        if (!users) throw new SagConfigError(`no instance "${id}" (pass ?smartAGId=…)`);
        return { smartAGId: id, users };
      }),
    'POST /users': (body) =>
      adminInput(() => {
        const { smartAGId, ...seed } = objectBody(body, '{"smartAGId": "sag-…", "userMail": "…", …}');
        if (typeof smartAGId !== 'string') throw new SagConfigError('smartAGId is required');
        return { user: store.seedUser(smartAGId, seed as unknown as SagUserSeed) };
      }),
  };
}

function lifecycleRoutes(ctx: SagAdminContext): Record<string, AdminRoute> {
  const { store, billingClock, protocol } = ctx;
  const sessionsExample = '{"smartAGId": "sag-…", "userName": "…", "count": 1}';
  const trafficExample = '{"smartAGId": "sag-…", "userName": "…", "at": "2026-11-05T10:00:00+08:00"}';
  return {
    'POST /sessions': (body) =>
      adminInput(() => {
        const { smartAGId, userName, b } = userTarget(body, sessionsExample);
        if (b.count !== undefined && typeof b.count !== 'number') throw new SagConfigError('count must be a number');
        return { user: store.openSessions(smartAGId, userName, b.count as number | undefined) };
      }),
    'POST /traffic': (body) =>
      adminInput(() => {
        const { smartAGId, userName, b } = userTarget(body, trafficExample);
        const at = b.at === undefined ? undefined : b.at === null ? null : instantOf(b.at, 'at');
        return { user: store.markTraffic(smartAGId, userName, at) };
      }),
    'GET /billing-clock': () => billingClock.describe(),
    'POST /billing-clock': (body) =>
      adminInput(() => {
        const b = body === undefined ? {} : objectBody(body, '{"now": "2026-12-01T00:00:00+08:00"} or {"offsetMs": 86400000} or {}');
        if (b.now !== undefined && b.offsetMs !== undefined) throw new SagConfigError('give now or offsetMs, not both');
        if (b.offsetMs !== undefined && (typeof b.offsetMs !== 'number' || !Number.isFinite(b.offsetMs))) throw new SagConfigError('offsetMs must be a number');
        billingClock.set(b.now !== undefined ? { fixedAt: instantOf(b.now, 'now') } : b.offsetMs !== undefined ? { offsetMs: b.offsetMs as number } : {});
        return billingClock.describe();
      }),
    'GET /retry-after': () => ({ retryAfterMs: protocol.retryAfterMs ?? null }),
    'POST /retry-after': (body) =>
      adminInput(() => {
        const v = objectBody(body, '{"retryAfterMs": 1000} or {"retryAfterMs": null}').retryAfterMs;
        if (v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
          throw new SagConfigError('retryAfterMs must be a non-negative integer or null');
        protocol.retryAfterMs = v ?? undefined;
        return { retryAfterMs: v };
      }),
  };
}

/** Every SAG-specific admin route. */
export function sagAdminRoutes(ctx: SagAdminContext): Record<string, AdminRoute> {
  return { ...instanceAndUserRoutes(ctx), ...lifecycleRoutes(ctx) };
}
