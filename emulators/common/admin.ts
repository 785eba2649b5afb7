/**
 * The admin API every emulator serves under `/__admin` (a prefix no SDK path can reach):
 * - `POST /__admin/faults`   add fault rules (see faults.ts); 201 with the stored rules, 400 on bad JSON
 * - `GET /__admin/faults`    list the rules
 * - `DELETE /__admin/faults` clear them
 * - `GET /__admin/state`     the emulator's state as JSON
 * - `POST /__admin/reset`    clear state and faults
 * Emulator-specific routes are passed in `extra` (key: "METHOD /path" after the prefix).
 */
import type http from 'node:http';
import { type FaultInjector, FaultValidationError } from './faults.js';
import { readBody, sendJson } from './http.js';

export const ADMIN_PREFIX = '/__admin';

export type AdminRoute = (body: unknown, req: http.IncomingMessage) => unknown | Promise<unknown>;

export interface AdminOptions {
  faults: FaultInjector;
  state(): unknown;
  reset(): void;
  extra?: Record<string, AdminRoute>;
}

export function isAdminPath(url: string | undefined): boolean {
  return !!url && (url === ADMIN_PREFIX || url.startsWith(`${ADMIN_PREFIX}/`) || url.startsWith(`${ADMIN_PREFIX}?`));
}

export async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, opts: AdminOptions): Promise<void> {
  const path = (req.url ?? '').slice(ADMIN_PREFIX.length).split('?')[0] || '/';
  const key = `${req.method} ${path}`;
  let body: unknown;
  try {
    const raw = await readBody(req, 1024 * 1024);
    body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch (err) {
    return sendJson(res, 400, { error: 'InvalidJson', message: (err as Error).message });
  }
  try {
    switch (key) {
      case 'POST /faults':
        if (body === undefined) return sendJson(res, 400, { error: 'InvalidFault', message: 'a JSON body is required' });
        return sendJson(res, 201, { faults: opts.faults.add(body) });
      case 'GET /faults':
        return sendJson(res, 200, { faults: opts.faults.list() });
      case 'DELETE /faults':
        opts.faults.clear();
        return sendJson(res, 200, { faults: [] });
      case 'GET /state':
        return sendJson(res, 200, opts.state());
      case 'POST /reset':
        opts.reset();
        opts.faults.clear();
        return sendJson(res, 200, { reset: true });
    }
    const extra = opts.extra?.[key];
    if (extra) return sendJson(res, 200, (await extra(body, req)) ?? { ok: true });
    return sendJson(res, 404, { error: 'NotFound', message: `no admin route ${key}` });
  } catch (err) {
    if (err instanceof FaultValidationError || err instanceof AdminInputError) {
      return sendJson(res, 400, { error: 'InvalidInput', message: err.message });
    }
    return sendJson(res, 500, { error: 'AdminError', message: (err as Error).message });
  }
}

/** Thrown by an `extra` route on bad input: answered with 400. */
export class AdminInputError extends Error {}
