/**
 * The worker runtime, written once and used by every queue-triggered function. It is the Middy-like core: a
 * worker is only a {@link WorkerDefinition} (a name, an event schema and a `handle` function); this file does the
 * rest:
 *
 * 1. parses the trigger event (CloudEvents array or single object) and decodes each body (JSON or base64 JSON);
 * 2. validates each message against the worker's schema (invalid → dead letter `message.invalid`);
 * 3. runs messages with bounded concurrency, each with its own outcome, so one bad message never fails or delays
 *    the others;
 * 4. retries transient failures a few times in the invocation (jittered backoff), then re-enqueues the message to
 *    its own queue with a growing DelaySeconds and the attempt counter in the body, and dead-letters it when the
 *    budget is spent;
 * 5. dead-letters permanent failures at once, with the documented envelope (mns/dead-letter.ts);
 * 6. defers messages that arrived before something they depend on (bounded by `maxDeferrals`);
 * 7. throws only when a message could neither be finished, re-enqueued nor dead-lettered: the trigger's own retry
 *    and dead-letter queue are the last line.
 *
 * @example
 * ```ts
 * export const handler = createWorkerHandler({
 *   name: 'join-worker', action: 'create-user', queue: (c) => c.queues.join, schema: EmployeeJoinedSchema,
 *   async handle(event, ctx) { await doWork(event); return { status: 'done' }; },
 * });
 * ```
 */
import type * as z from 'zod/mini';
import { mapLimit, sleep } from './concurrency.js';
import { loadConfig, type Config } from './config.js';
import { resolveCredentials, type Credentials, type FcContext } from './credentials.js';
import { deadLetter, type DeadLetter } from './mns/dead-letter.js';
import { HrSagSyncError, PermanentError, TransientError } from './errors.js';
import { queueMessageSchema, type Delivery } from './events.js';
import { SOFT_DEADLINE_SHARE } from './limits.js';
import { createLogger, type Logger } from './logger.js';
import { invocationQueue, type QueueFactory, type QueueSender } from './mns/queue.js';
import { decodeMessageBody, parseTriggerEvent, TriggerEventError, type TriggerRecord } from './mns/trigger-event.js';
import { toFieldIssues } from './validation.js';

export type Outcome =
  | { status: 'done'; detail?: string; sagRequestId?: string }
  | { status: 'already-done'; detail?: string; sagRequestId?: string }
  | { status: 'skipped'; detail: string }
  | { status: 'defer'; reason: string; message: string; sagRequestId?: string };

export interface WorkerContext<D = unknown> {
  config: Config;
  /** What the definition's `setup` built at cold start. */
  deps: D;
  /** The queue sender of this invocation (MNS with the invocation's credentials). */
  queue: QueueSender;
  log: Logger;
  credentials: Credentials;
  /** 1-based: which attempt this is across re-enqueues (in-invocation tries share one attempt number). */
  attempt: number;
  delivery: Delivery;
  messageId?: string;
}

export interface WorkerDefinition<E extends { id: string; employee: { id: string } }, D = undefined> {
  /** The function name, as in the dead-letter envelope and logs. */
  name: string;
  /** What the worker does, for the outcome log line (e.g. `create-user`, `roam-user`). */
  action: string;
  /** The worker's own queue: where retries are re-enqueued. */
  queue(config: Config): string;
  schema: z.core.$ZodType<E>;
  /** Builds what `handle` needs beyond the config (e.g. the site directory), once per cold start. */
  setup?(config: Config, env: NodeJS.ProcessEnv): D;
  handle(event: E, ctx: WorkerContext<D>): Promise<Outcome>;
}

/** How one message ended, as the runtime saw it. */
export type MessageResult = 'done' | 'already-done' | 'skipped' | 'retry-later' | 'deferred' | 'dead-lettered' | 'lost';

export interface BatchSummary {
  function: string;
  received: number;
  results: Record<MessageResult, number>;
}

/** Overrides for tests and the local stack; FC uses the defaults. */
export interface WorkerRuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** Supplies the queue sender for an invocation (default: MNS with the invocation's credentials). */
  queue?: QueueFactory;
  random?: () => number;
}

interface Failure {
  reason: string;
  message: string;
  retryable: boolean;
  sagRequestId?: string;
}

function failureOf(err: unknown): Failure {
  if (err instanceof PermanentError) return { reason: err.reason, message: err.message, retryable: false, sagRequestId: err.details.requestId };
  if (err instanceof TransientError) return { reason: err.reason, message: err.message, retryable: true, sagRequestId: err.details.requestId };
  if (err instanceof HrSagSyncError) return { reason: err.code, message: err.message, retryable: false };
  return { reason: 'worker.unexpected-error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err), retryable: true };
}

/**
 * Builds the FC handler `(event: Buffer, context) => Promise<BatchSummary>` for a worker definition.
 * Configuration is read once, when the handler is built (cold start); if it is invalid, every invocation throws
 * the ConfigError so that the trigger keeps the messages (retry, then its dead-letter queue).
 */
export function createWorkerHandler<E extends { id: string; employee: { id: string } }, D = undefined>(def: WorkerDefinition<E, D>, options: WorkerRuntimeOptions = {}) {
  let config: Config | undefined;
  let deps: D | undefined;
  let configError: unknown;
  try {
    config = loadConfig(options.env ?? process.env);
    deps = def.setup?.(config, options.env ?? process.env);
  } catch (err) {
    config = undefined;
    configError = err;
  }
  const env = options.env ?? process.env;
  const random = options.random ?? Math.random;
  const messageSchema = queueMessageSchema(def.schema);
  const baseLog = createLogger({ fn: def.name }, config?.logLevel);

  return async function handler(event: unknown, context: FcContext = {}): Promise<BatchSummary> {
    if (!config) throw configError;
    const cfg = config;
    const started = Date.now();
    const timeoutMs = (context.function?.timeout ?? 60) * 1000;
    const softDeadline = started + timeoutMs * SOFT_DEADLINE_SHARE;
    const log = baseLog.child({ invocation: context.requestId });
    const credentials = resolveCredentials(context, env);
    const queue = (options.queue ?? invocationQueue)(cfg, credentials, context);
    const ownQueue = def.queue(cfg);
    const summary: BatchSummary = {
      function: def.name,
      received: 0,
      results: { done: 0, 'already-done': 0, skipped: 0, 'retry-later': 0, deferred: 0, 'dead-lettered': 0, lost: 0 },
    };

    const sendDeadLetter = async (record: DeadLetter): Promise<boolean> => {
      try {
        await queue.send(cfg.queues.deadLetter, record);
        return true;
      } catch (err) {
        log.error('dead-letter send failed', { reason: record.reason, error: err });
        return false;
      }
    };

    let records: TriggerRecord[];
    try {
      records = parseTriggerEvent(event);
    } catch (err) {
      // Not even a trigger event: keep it whole in the dead-letter queue.
      const raw = Buffer.isBuffer(event) ? event.toString('utf8') : typeof event === 'string' ? event : JSON.stringify(event);
      const ok = await sendDeadLetter(
        deadLetter({ reason: 'trigger.malformed-event', message: (err as TriggerEventError).message, retryable: false, attempts: 0, function: def.name, sourceQueue: ownQueue, raw: raw.slice(0, 48_000) }),
      );
      if (!ok) throw new Error('malformed trigger event could not be dead-lettered');
      summary.results['dead-lettered']++;
      return summary;
    }
    summary.received = records.length;

    const processRecord = async (rec: TriggerRecord): Promise<MessageResult> => {
      const t0 = Date.now();
      // 1. Decode and validate.
      let parsed: unknown;
      let invalid: string | undefined;
      if (rec.body === undefined) invalid = 'record has no data.messageBody';
      else {
        try {
          parsed = decodeMessageBody(rec.body);
        } catch (err) {
          invalid = `body is not JSON: ${(err as Error).message}`;
        }
      }
      const checked = invalid === undefined ? messageSchema.safeParse(parsed) : undefined;
      if (!checked || !checked.success) {
        const issues = checked && !checked.success ? toFieldIssues(checked.error.issues).map((i) => `${i.path} ${i.message}`).join('; ') : invalid;
        const ok = await sendDeadLetter(
          deadLetter({
            reason: 'message.invalid',
            message: `message failed validation: ${issues}`,
            retryable: false,
            attempts: 0,
            function: def.name,
            sourceQueue: ownQueue,
            messageId: rec.messageId,
            event: parsed,
            raw: parsed === undefined ? (rec.body ?? JSON.stringify(rec.raw)).slice(0, 48_000) : undefined,
          }),
        );
        log.warn('outcome', { action: def.action, result: ok ? 'dead-lettered' : 'lost', reason: 'message.invalid', messageId: rec.messageId, detail: issues });
        return ok ? 'dead-lettered' : 'lost';
      }
      const msg = checked.data as { event: E; delivery?: Delivery };
      const ev = msg.event;
      const delivery: Delivery = msg.delivery ?? { attempts: 0, deferrals: 0 };
      const attempt = delivery.attempts + 1;
      const mlog = log.child({ eventId: ev.id, employeeId: ev.employee.id, messageId: rec.messageId });
      const line = (level: 'info' | 'warn' | 'error', result: MessageResult, extra: Record<string, unknown>) =>
        mlog[level]('outcome', { action: def.action, result, attempts: attempt, durationMs: Date.now() - t0, ...extra });

      const toDeadLetter = async (f: Failure, attempts: number): Promise<MessageResult> => {
        const ok = await sendDeadLetter(
          deadLetter({
            reason: f.reason,
            message: f.message,
            retryable: f.retryable,
            attempts,
            sagRequestId: f.sagRequestId,
            function: def.name,
            sourceQueue: ownQueue,
            messageId: rec.messageId,
            event: ev,
            firstFailureAt: delivery.firstFailureAt,
          }),
        );
        line(ok ? 'warn' : 'error', ok ? 'dead-lettered' : 'lost', { reason: f.reason, sagRequestId: f.sagRequestId, detail: f.message });
        return ok ? 'dead-lettered' : 'lost';
      };

      const requeue = async (next: Delivery, delaySeconds: number, f: Failure, result: 'retry-later' | 'deferred'): Promise<MessageResult> => {
        try {
          await queue.send(ownQueue, { event: ev, delivery: next }, { delaySeconds });
          line('info', result, { reason: f.reason, sagRequestId: f.sagRequestId, delaySeconds, detail: f.message });
          return result;
        } catch (err) {
          mlog.error('re-enqueue failed; dead-lettering instead', { reason: f.reason, error: err });
          return toDeadLetter({ ...f, message: `${f.message} (re-enqueue failed: ${(err as Error).message})` }, next.attempts);
        }
      };

      // 2. Run, with a few in-invocation tries for transient failures.
      const r = cfg.retry;
      let last: Failure | undefined;
      for (let tryNo = 1; tryNo <= r.inlineAttempts; tryNo++) {
        try {
          const outcome = await def.handle(ev, { config: cfg, deps: deps as D, queue, log: mlog, credentials, attempt, delivery, messageId: rec.messageId });
          if (outcome.status === 'defer') {
            const f: Failure = { reason: outcome.reason, message: outcome.message, retryable: true, sagRequestId: outcome.sagRequestId };
            const now = new Date().toISOString();
            if (delivery.deferrals >= r.maxDeferrals) return toDeadLetter(f, delivery.attempts);
            const next: Delivery = { ...delivery, deferrals: delivery.deferrals + 1, firstFailureAt: delivery.firstFailureAt ?? now, lastFailureAt: now, lastReason: f.reason };
            // At least 1 s: MNS delays are whole seconds, and a dependency never arrives in 0 s.
            return requeue(next, Math.max(1, Math.round(r.deferDelaySeconds * r.delayScale)), f, 'deferred');
          }
          line('info', outcome.status, { detail: outcome.detail, sagRequestId: 'sagRequestId' in outcome ? outcome.sagRequestId : undefined });
          return outcome.status;
        } catch (err) {
          last = failureOf(err);
          if (!last.retryable) {
            return toDeadLetter(last, attempt);
          }
          const backoff = r.inlineBaseDelayMs * r.delayScale * 2 ** (tryNo - 1) * random();
          if (tryNo === r.inlineAttempts || Date.now() + backoff > softDeadline) break;
          mlog.debug('transient failure, retrying in-invocation', { reason: last.reason, tryNo, backoffMs: Math.round(backoff) });
          await sleep(backoff);
        }
      }
      // 3. Out of in-invocation tries: re-enqueue with a growing delay, or dead-letter when the budget is spent.
      const f = last as Failure;
      const now = new Date().toISOString();
      if (attempt > r.maxAttempts) return toDeadLetter(f, attempt);
      const next: Delivery = { ...delivery, attempts: attempt, firstFailureAt: delivery.firstFailureAt ?? now, lastFailureAt: now, lastReason: f.reason };
      const delay = Math.min(r.maxDelaySeconds, r.baseDelaySeconds * 2 ** (attempt - 1)) * (0.8 + 0.4 * random()) * r.delayScale;
      return requeue(next, Math.round(delay), f, 'retry-later');
    };

    const results = await mapLimit(records, cfg.workerConcurrency, (rec) =>
      processRecord(rec).catch((err) => {
        log.error('unexpected runtime failure', { error: err, messageId: rec.messageId });
        return 'lost' as MessageResult;
      }),
    );
    for (const res of results) summary.results[res]++;
    log.info('batch', { received: summary.received, ...summary.results, durationMs: Date.now() - started });
    if (summary.results.lost > 0) {
      // The only case we throw: the trigger retries the whole batch (finished messages reconcile as already done).
      throw new Error(`${summary.results.lost} message(s) could neither be finished, re-enqueued nor dead-lettered`);
    }
    return summary;
  };
}
