/**
 * The FC handler of a worker, composed of the runtime's steps: read the configuration once (cold start), then
 * per invocation decode the batch (decode-batch.ts), dead-letter what is invalid (dead-letter-sender.ts), run
 * each valid message with bounded concurrency (process-message.ts, which asks retry-policy.ts what to do after
 * each failure), and sum up. It throws only when a message is lost (neither finished, re-enqueued nor
 * dead-lettered), so that the trigger redelivers the batch: its own retry and dead-letter queue are the last line.
 */
import { mapLimit } from '../concurrency.js';
import { loadConfig, type Config } from '../config.js';
import { resolveCredentials, type FcContext } from '../credentials.js';
import { queueMessageSchema } from '../events.js';
import { SOFT_DEADLINE_SHARE } from '../limits.js';
import { createLogger, type Logger } from '../logger.js';
import { guardedQueue } from '../mns/guarded-queue.js';
import { flowFor } from '../sag/flow.js';
import { invocationQueue } from '../mns/queue.js';
import { decodeBatch, type DecodedMessage } from './decode-batch.js';
import { LostMessagesError } from './lost-messages-error.js';
import { deadLetterSender, invalidMessageRecord, malformedEventRecord } from './dead-letter-sender.js';
import { processMessage, type Invocation } from './process-message.js';
import type { BatchSummary, MessageResult, WorkerDefinition, WorkerEvent, WorkerRuntimeOptions } from './worker-definition.js';

/** The function timeout assumed when the FC context gives none, in seconds (FC's default). */
const DEFAULT_TIMEOUT_SECONDS = 60;

/**
 * Builds the FC handler `(event: Buffer, context) => Promise<BatchSummary>` for a worker definition.
 * Configuration is read once, when the handler is built (cold start); if it is invalid, every invocation throws
 * the ConfigError so that the trigger keeps the messages (retry, then its dead-letter queue).
 *
 * @example
 * ```ts
 * export const handler = createWorkerHandler({
 *   name: 'join-worker', action: 'create-user', queue: (c) => c.queues.join, schema: EmployeeJoinedSchema,
 *   async handle(event, ctx) { await doWork(event); return { status: 'done' }; },
 * });
 * ```
 */
export function createWorkerHandler<E extends WorkerEvent, D = undefined>(def: WorkerDefinition<E, D>, options: WorkerRuntimeOptions = {}) {
  const env = options.env ?? process.env;
  let boot: { config: Config; deps: D } | { error: unknown };
  try {
    const config = loadConfig(env);
    boot = { config, deps: def.setup?.(config, env) as D };
  } catch (error) {
    boot = { error };
  }
  const messageSchema = queueMessageSchema(def.schema);
  const baseLog = createLogger({ fn: def.name }, 'config' in boot ? boot.config.logLevel : undefined);

  return async function handler(event: unknown, context: FcContext = {}): Promise<BatchSummary> {
    if ('error' in boot) throw boot.error;
    const started = Date.now();
    const inv = invocation(def, boot, options, context, baseLog.child({ invocation: context.requestId }), started);
    const summary = emptySummary(def.name);
    const batch = decodeBatch(event, messageSchema);
    if (!batch.ok) {
      // Not even a trigger event: keep it whole in the dead-letter queue.
      if (!(await inv.sendDeadLetter(malformedEventRecord(inv.origin, batch.error, batch.raw))))
        throw new LostMessagesError(1, 'malformed trigger event could not be dead-lettered');
      summary.results['dead-lettered']++;
      return summary;
    }
    summary.received = batch.messages.length;
    const results = await mapLimit(batch.messages, inv.config.workerConcurrency, (m) =>
      runOne(inv, m).catch((err) => {
        inv.log.error('unexpected runtime failure', { error: err, messageId: m.messageId });
        return 'lost' as MessageResult;
      }),
    );
    for (const r of results) summary.results[r]++;
    inv.log.info('batch', { received: summary.received, ...summary.results, durationMs: Date.now() - started });
    if (summary.results.lost > 0) {
      // The trigger retries the whole batch; finished messages reconcile as already done.
      throw new LostMessagesError(summary.results.lost);
    }
    return summary;
  };
}

/** What the messages of one invocation share: configuration, clients, logger and the soft deadline. */
function invocation<E extends WorkerEvent, D>(
  def: WorkerDefinition<E, D>,
  boot: { config: Config; deps: D },
  options: WorkerRuntimeOptions,
  context: FcContext,
  log: Logger,
  started: number,
): Invocation<E, D> {
  const { config, deps } = boot;
  const credentials = resolveCredentials(context, options.env ?? process.env);
  // Through the instance's breaker, as its SAG calls (mns/guarded-queue.ts).
  const queue = guardedQueue((options.queue ?? invocationQueue)(config, credentials, context), flowFor(config).breaker);
  const timeoutMs = (context.function?.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  return {
    def,
    config,
    deps,
    queue,
    log,
    credentials,
    origin: { function: def.name, sourceQueue: def.queue(config) },
    deadline: started + timeoutMs * SOFT_DEADLINE_SHARE,
    random: options.random ?? Math.random,
    sendDeadLetter: deadLetterSender(queue, config.queues.deadLetter, log),
  };
}

/** An invalid message becomes a `message.invalid` dead letter; a valid one is processed. */
async function runOne<E extends WorkerEvent, D>(inv: Invocation<E, D>, m: DecodedMessage<E>): Promise<MessageResult> {
  if (m.valid) return processMessage(inv, m);
  const ok = await inv.sendDeadLetter(invalidMessageRecord(inv.origin, m));
  inv.log.warn('outcome', {
    action: inv.def.action,
    result: ok ? 'dead-lettered' : 'lost',
    reason: 'message.invalid',
    messageId: m.messageId,
    detail: m.issues,
  });
  return ok ? 'dead-lettered' : 'lost';
}

function emptySummary(name: string): BatchSummary {
  return {
    function: name,
    received: 0,
    results: { done: 0, 'already-done': 0, skipped: 0, 'retry-later': 0, deferred: 0, throttled: 0, paused: 0, 'dead-lettered': 0, lost: 0 },
  };
}
