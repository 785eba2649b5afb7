/**
 * `GET /health` for uptime monitors: 200 `{"status":"ok","version"}` when the function can serve, 503
 * `{"status":"misconfigured","version"}` when its configuration failed validation at cold start (every delivery
 * would get 503 then, so a green check would be a lie). It reads no secret, calls no queue and reveals nothing of
 * the configuration: the cold start's verdict is the only input. `HEAD` is answered alike, without a body.
 */
import { version } from '../../package.json';
import { json, problem, type HttpResponse, type WebhookRequest } from './http-event.js';

export const HEALTH_PATH = '/health';

/** The product version, from package.json (inlined by the bundler). */
export const VERSION: string = version;

/** The answer to a request on {@link HEALTH_PATH}; `ready` is whether configuration and directory loaded. */
export function healthAnswer(req: WebhookRequest, ready: boolean): HttpResponse {
  if (req.method !== 'GET' && req.method !== 'HEAD') return problem(405, { detail: `${req.method} is not accepted here` }, { allow: 'GET, HEAD' });
  const res = json(ready ? 200 : 503, { status: ready ? 'ok' : 'misconfigured', version: VERSION }, { 'cache-control': 'no-store' });
  return req.method === 'HEAD' ? { ...res, body: '' } : res;
}
