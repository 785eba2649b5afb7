/**
 * The webhook core: FC HTTP event in, answer out. It verifies (through the source adapter), routes, enqueues,
 * and answers; it never provisions anything itself, so it answers within the HR systems' deadlines.
 *
 * | case | answer |
 * | --- | --- |
 * | enqueued | 202 with the event id |
 * | payload invalid | 400, a problem document listing each field error |
 * | signature missing, bad or stale | 401 |
 * | unknown or disabled source, other paths | 404 |
 * | method not accepted | 405 |
 * | the same signed delivery again (same id and timestamp) | 409, nothing enqueued |
 * | body over the limit (256 KB) | 413 |
 * | not JSON | 415 |
 * | a queue send failed, or the deployment is misconfigured | 503 with Retry-After, so the HR system retries |
 * | unknown event type | 202, ignored and logged |
 * | office maps to no site | 202; the event goes to the dead-letter queue with reason `site.unmapped` |
 * | a retry of an accepted event (same event id, new timestamp) | 202, nothing enqueued again |
 *
 * Nothing that was not enqueued is acknowledged, and no input gets a 500.
 */
import { loadConfig, type Config } from '../config.js';
import { resolveCredentials, type FcContext } from '../credentials.js';
import { InputError, MethodNotAllowedError, ValidationError } from '../errors.js';
import { createLogger } from '../logger.js';
import { invocationQueue, type QueueFactory } from '../mns/queue.js';
import { routeEvent } from '../routing.js';
import { SiteDirectory } from '../sites.js';
import { parseHttpEvent, problem, type HttpResponse } from './http-event.js';
import { RecentKeys } from './recent.js';
import type { SourceAdapter } from './source.js';
import { dingTalkSource } from './sources/dingtalk.js';
import { feishuSource } from './sources/feishu.js';
import { genericSource } from './sources/generic.js';
import { weComSource } from './sources/wecom.js';

export const FUNCTION_NAME = 'webhook';

export interface WebhookOptions {
  env?: NodeJS.ProcessEnv;
  queue?: QueueFactory;
  now?: () => number;
  /** Extra adapters (or replacements by name) beside the ones configured from the environment. */
  sources?: (config: Config, env: NodeJS.ProcessEnv) => SourceAdapter[];
}

/** The adapters whose secrets are configured; a source without secrets is off (404). */
export function configuredSources(config: Config): SourceAdapter[] {
  const out: SourceAdapter[] = [];
  const toleranceSeconds = config.webhook.toleranceSeconds;
  const { feishu, dingtalk, wecom } = config.sources;
  if (config.webhook.genericSecrets.length) out.push(genericSource({ secrets: config.webhook.genericSecrets, toleranceSeconds }));
  if (feishu) out.push(feishuSource({ ...feishu, toleranceSeconds }));
  if (dingtalk) out.push(dingTalkSource({ token: dingtalk.token, aesKey: dingtalk.aesKey, appKey: dingtalk.appKey, toleranceSeconds }));
  if (wecom) out.push(weComSource({ token: wecom.token, encodingAesKey: wecom.encodingAesKey, corpId: wecom.corpId, toleranceSeconds }));
  return out;
}

/**
 * Builds the FC handler `(event: Buffer, context) => Promise<HttpResponse>`. Configuration and the site directory
 * are read and validated once, here (cold start).
 * @example
 * ```ts
 * export const handler = createWebhookHandler();
 * ```
 */
export function createWebhookHandler(options: WebhookOptions = {}) {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  let log = createLogger({ fn: FUNCTION_NAME });
  let config: Config | undefined;
  let directory: SiteDirectory | undefined;
  const sources = new Map<string, SourceAdapter>();
  try {
    config = loadConfig(env);
    log = createLogger({ fn: FUNCTION_NAME }, config.logLevel);
    directory = SiteDirectory.fromEnv(env);
    for (const s of [...configuredSources(config), ...(options.sources?.(config, env) ?? [])]) sources.set(s.name, s);
  } catch (err) {
    log.error('configuration invalid: every request will get 503', { error: err });
  }
  const ttl = ((config?.webhook.toleranceSeconds ?? 300) * 2 + 60) * 1000;
  const replays = new RecentKeys(ttl);
  const accepted = new RecentKeys(ttl);

  return async function handler(event: unknown, context: FcContext = {}): Promise<HttpResponse> {
    const t0 = now();
    if (!config || !directory) return problem(503, 'Service misconfigured', { detail: 'see the function logs' }, { 'retry-after': '60' });
    const cfg = config;
    let sourceName: string | undefined;
    try {
      const req = parseHttpEvent(event);
      const m = /^\/webhooks\/([a-z0-9-]+)$/.exec(req.path);
      const source = m ? sources.get(m[1] as string) : undefined;
      sourceName = m?.[1];
      if (!source) return problem(404, 'Not Found', { detail: m ? `source "${m[1]}" is unknown or disabled` : 'use /webhooks/<source>' });
      if (!source.methods.includes(req.method)) throw new MethodNotAllowedError(`${req.method} is not accepted here`, [...source.methods]);
      if (req.rawBody.length > cfg.webhook.maxBodyBytes) return problem(413, 'Payload Too Large', { detail: `the body is over ${cfg.webhook.maxBodyBytes} bytes` });

      const received = source.receive(req, t0);
      if (received.kind === 'reply') {
        log.info('handshake', { source: source.name, status: received.response.statusCode, durationMs: now() - t0 });
        return received.response;
      }
      if (received.replayKey && replays.has(received.replayKey, t0)) {
        log.warn('replay refused', { source: source.name });
        return problem(409, 'Replayed delivery', { detail: 'this signed delivery was already received' });
      }
      if (received.events.length === 0) {
        log.info('ignored', { source: source.name, detail: received.ignored });
        if (received.replayKey) replays.add(received.replayKey, t0);
        return received.respond({ eventIds: [], actions: [] });
      }

      const routed = received.events.map((e) => routeEvent(e, directory as SiteDirectory, cfg.queues, FUNCTION_NAME));
      const queue = (options.queue ?? invocationQueue)(cfg, resolveCredentials(context, env), context);
      const actions = await Promise.all(
        routed.map(async (r) => {
          if (accepted.has(r.eventId, t0)) return 'duplicate';
          if (r.kind === 'noop') return 'noop';
          if (r.kind === 'dead-letter') {
            await queue.send(r.queue, r.record);
            return 'dead-lettered';
          }
          await queue.send(r.queue, r.message);
          return r.type === 'employee.joined' ? 'join' : r.type === 'employee.transferred' ? 'transfer' : 'enrich';
        }),
      ).catch((err) => {
        log.error('enqueue failed: answering 503', { source: source.name, error: err });
        return undefined;
      });
      if (!actions) return problem(503, 'Queue unavailable', { detail: 'the event was not accepted; retry later' }, { 'retry-after': '5' });

      if (received.replayKey) replays.add(received.replayKey, t0);
      routed.forEach((r, i) => {
        accepted.add(r.eventId, t0);
        const reason = r.kind === 'noop' ? r.reason : r.kind === 'dead-letter' ? r.record.reason : undefined;
        log.info('accepted', { source: source.name, eventId: r.eventId, employeeId: received.events[i]?.employee.id, action: actions[i], reason, durationMs: now() - t0 });
      });
      return received.respond({ eventIds: routed.map((r) => r.eventId), actions });
    } catch (err) {
      if (err instanceof MethodNotAllowedError) return problem(405, 'Method Not Allowed', { detail: err.message }, { allow: err.allow.join(', ') });
      if (err instanceof ValidationError) {
        log.info('refused', { source: sourceName, status: 400, code: err.code, issues: err.issues });
        return problem(400, 'Invalid payload', { detail: err.message, errors: err.issues });
      }
      if (err instanceof InputError) {
        log.info('refused', { source: sourceName, status: err.status, code: err.code, detail: err.message });
        // The detail of signature failures stays in the log: the caller only learns that it failed.
        return problem(err.status, err.status === 401 ? 'Unauthorized' : 'Bad Request', err.status === 401 ? {} : { detail: err.message });
      }
      log.error('unexpected failure: answering 503', { source: sourceName, error: err });
      return problem(503, 'Temporarily unavailable', { detail: 'retry later' }, { 'retry-after': '5' });
    }
  };
}
