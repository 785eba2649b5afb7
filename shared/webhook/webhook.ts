/**
 * The webhook core: FC HTTP event in, answer out. It verifies (through the source adapter), routes, enqueues,
 * and answers; it never provisions anything itself, so it answers within the HR systems' deadlines.
 *
 * | case | answer |
 * | --- | --- |
 * | enqueued | 202 with the event id |
 * | payload invalid | 400, a problem document listing every field error (envelope and `data.*` together) |
 * | signature missing, bad or stale | 401 with a short reason naming the failed check (a missing header or query parameter, the timestamp outside the 5-minute replay window, no matching signature), never an expected value |
 * | unknown or disabled source, other paths | 404 |
 * | method not accepted | 405 with `Allow` |
 * | the same signed delivery again (same id and timestamp) | 409, nothing enqueued |
 * | body over the limit (256 KB) | 413 |
 * | not JSON (or, for WeCom, not XML) | 415 |
 * | a queue send failed, or the deployment is misconfigured | 503 with Retry-After, so the HR system retries |
 * | unknown event type | 202, ignored and logged |
 * | office maps to no site | 202; the event goes to the dead-letter queue with reason `site.unmapped` (logged at `warn`) |
 * | a retry of an accepted event (same event id, new timestamp) | 202, nothing enqueued again |
 * | `GET /health` (or `HEAD`) | 200 `{"status":"ok","version"}`; 503 `{"status":"misconfigured","version"}` when the configuration is invalid. No secret is read, no queue called |
 *
 * Errors are RFC 9457 problem documents (`application/problem+json`, `title` the status phrase, `detail` the
 * reason). Nothing that was not enqueued is acknowledged, and no input gets a 500.
 */
import { loadConfig, type Config } from '../config.js';
import { resolveCredentials, type FcContext } from '../credentials.js';
import { MethodNotAllowedError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { invocationQueue, type QueueFactory, type QueueSender } from '../mns/queue.js';
import { routeEvent, type RoutedAction } from '../routing.js';
import { SiteDirectory } from '../sites.js';
import { HEALTH_PATH, healthAnswer } from './health.js';
import { parseHttpEvent, problem, type HttpResponse, type WebhookRequest } from './http-event.js';
import { RecentKeys } from './recent.js';
import { refusal } from './refusal.js';
import type { Received, SourceAdapter } from './source.js';
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

interface Boot {
  log: Logger;
  /** Set when configuration and site directory are valid; otherwise every delivery gets 503. */
  ready?: { config: Config; directory: SiteDirectory; sources: Map<string, SourceAdapter> };
}

/** Reads and validates configuration, site directory and sources, once (cold start). Never throws. */
function coldStart(options: WebhookOptions, env: NodeJS.ProcessEnv): Boot {
  const log = createLogger({ fn: FUNCTION_NAME });
  try {
    const config = loadConfig(env);
    const directory = SiteDirectory.fromEnv(env);
    const sources = new Map<string, SourceAdapter>();
    for (const s of [...configuredSources(config), ...(options.sources?.(config, env) ?? [])]) sources.set(s.name, s);
    return { log: createLogger({ fn: FUNCTION_NAME }, config.logLevel), ready: { config, directory, sources } };
  } catch (err) {
    log.error('configuration invalid: every request will get 503', { error: err });
    return { log };
  }
}

/** The adapter serving `/webhooks/<name>`, once method and body size are acceptable; a typed InputError otherwise. */
function sourceFor(req: WebhookRequest, ready: NonNullable<Boot['ready']>): SourceAdapter {
  const m = /^\/webhooks\/([a-z0-9-]+)$/.exec(req.path);
  const source = m ? ready.sources.get(m[1] as string) : undefined;
  if (!source) throw new NotFoundError(m ? `source "${m[1]}" is unknown or disabled` : 'use /webhooks/<source>');
  if (!source.methods.includes(req.method)) throw new MethodNotAllowedError(`${req.method} is not accepted here`, [...source.methods]);
  const max = ready.config.webhook.maxBodyBytes;
  if (req.rawBody.length > max) throw new PayloadTooLargeError(`the body is over ${max} bytes`);
  return source;
}

/** The `action` a 202 answer names for each enqueued type. */
const ACTION_OF: Readonly<Record<Extract<RoutedAction, { kind: 'enqueue' }>['type'], string>> = {
  'employee.joined': 'join',
  'employee.transferred': 'transfer',
  'employee.left': 'leave',
  'employee.enrich': 'enrich',
};

/** Sends each routed event to its queue (or nowhere: duplicate, no-op) and names what was done with it. */
async function enqueue(routed: RoutedAction[], queue: QueueSender, accepted: RecentKeys, nowMs: number): Promise<string[]> {
  return Promise.all(
    routed.map(async (r) => {
      if (accepted.has(r.eventId, nowMs)) return 'duplicate';
      if (r.kind === 'noop') return 'noop';
      await queue.send(r.queue, r.kind === 'dead-letter' ? r.record : r.message);
      if (r.kind === 'dead-letter') return 'dead-lettered';
      return ACTION_OF[r.type];
    }),
  );
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
  const { log, ready } = coldStart(options, env);
  const ttl = ((ready?.config.webhook.toleranceSeconds ?? 300) * 2 + 60) * 1000;
  const replays = new RecentKeys(ttl);
  const accepted = new RecentKeys(ttl);

  /** Routes and enqueues what the adapter received, then answers in the source's format (or 503). */
  async function accept(source: SourceAdapter, received: Extract<Received, { kind: 'events' }>, context: FcContext, t0: number): Promise<HttpResponse> {
    const { config, directory } = ready as NonNullable<Boot['ready']>;
    const routed = received.events.map((e) => routeEvent(e, directory, config.queues, FUNCTION_NAME));
    const queue = (options.queue ?? invocationQueue)(config, resolveCredentials(context, env), context);
    const actions = await enqueue(routed, queue, accepted, t0).catch(
      (err) => void log.error('enqueue failed: answering 503', { source: source.name, error: err }),
    );
    if (!actions) return problem(503, { detail: 'the event was not accepted; retry later' }, { 'retry-after': '5' });
    if (received.replayKey) replays.add(received.replayKey, t0);
    routed.forEach((r, i) => {
      accepted.add(r.eventId, t0);
      const reason = r.kind === 'noop' ? r.reason : r.kind === 'dead-letter' ? r.record.reason : undefined;
      // A dead letter is logged at warn, as the workers log theirs.
      log[r.kind === 'dead-letter' ? 'warn' : 'info']('accepted', {
        source: source.name,
        eventId: r.eventId,
        employeeId: received.events[i]?.employee.id,
        action: actions[i],
        reason,
        durationMs: now() - t0,
      });
    });
    return received.respond({ eventIds: routed.map((r) => r.eventId), actions });
  }

  return async function handler(event: unknown, context: FcContext = {}): Promise<HttpResponse> {
    const t0 = now();
    let source: SourceAdapter | undefined;
    try {
      const req = parseHttpEvent(event);
      if (req.path === HEALTH_PATH) return healthAnswer(req, ready !== undefined);
      if (!ready) return problem(503, { detail: 'the service is misconfigured; see the function logs' }, { 'retry-after': '60' });
      source = sourceFor(req, ready);
      const received = source.receive(req, t0);
      if (received.kind === 'reply') {
        log.info('handshake', { source: source.name, status: received.response.statusCode, durationMs: now() - t0 });
        return received.response;
      }
      if (received.replayKey && replays.has(received.replayKey, t0)) {
        log.warn('replay refused', { source: source.name });
        return problem(409, { detail: 'this signed delivery was already received' });
      }
      if (received.events.length > 0) return await accept(source, received, context, t0);
      log.info('ignored', { source: source.name, detail: received.ignored });
      if (received.replayKey) replays.add(received.replayKey, t0);
      return received.respond({ eventIds: [], actions: [] });
    } catch (err) {
      return refusal(err, log, source?.name);
    }
  };
}
