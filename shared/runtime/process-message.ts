/**
 * Step 2 of the runtime: one valid message, from `handle` to its end. `handle` is tried, each failure is put to
 * the retry policy (retry-policy.ts), and the policy's answer is carried out:
 *
 * - retry in the invocation: wait, then try again;
 * - re-enqueue to the worker's own queue with a delay and the updated bookkeeping in the body;
 * - dead letter, with the documented envelope.
 *
 * When a re-enqueue or a dead letter cannot be sent (the queue client already retried transient MNS errors),
 * the message is `lost`: the invocation then throws so that the trigger redelivers the batch, and messages that
 * had finished reconcile as already done. A failed send never turns into a dead letter: it is not the message's
 * fault, and retrying fixes it.
 *
 * Every message gets one `outcome` log line: `result`, `attempts` (how many times the message has been run,
 * this run included, across re-enqueues of every kind), the non-zero counters of the message's bookkeeping after
 * this run (`retries`: failed attempts counted against `RETRY_MAX_ATTEMPTS`; `deferrals`, `throttled`,
 * `systemic`), the reason and the SAG RequestId.
 */
import { sleep } from '../concurrency.js';
import type { Config } from '../config.js';
import type { Credentials } from '../credentials.js';
import type { Delivery } from '../events.js';
import type { Logger } from '../logger.js';
import type { QueueSender } from '../mns/queue.js';
import { failureRecord, type DeadLetterOrigin, type DeadLetterSender } from './dead-letter-sender.js';
import { deferralOf, failureOf, type Failure } from './failure.js';
import { nextAction, type NextAction } from './retry-policy.js';
import type { MessageResult, Outcome, WorkerContext, WorkerDefinition, WorkerEvent } from './worker-definition.js';

/** What one invocation shares between its messages. */
export interface Invocation<E extends WorkerEvent, D> {
  def: WorkerDefinition<E, D>;
  config: Config;
  deps: D;
  queue: QueueSender;
  log: Logger;
  credentials: Credentials;
  origin: DeadLetterOrigin;
  /** The soft deadline, epoch milliseconds. */
  deadline: number;
  random: () => number;
  sendDeadLetter: DeadLetterSender;
}

export interface ValidMessage<E> {
  messageId?: string;
  event: E;
  delivery: Delivery;
}

type Finished = Exclude<Outcome, { status: 'defer' }>;
type Settled = { outcome: Finished } | { failure: Failure; action: Exclude<NextAction, { kind: 'retry-inline' }> };
type Report = (level: 'info' | 'warn' | 'error', result: MessageResult, fields: Record<string, unknown>, delivery?: Delivery) => void;

/** Runs one message to its end and says how it ended. Never throws for the message's own failures. */
export async function processMessage<E extends WorkerEvent, D>(inv: Invocation<E, D>, msg: ValidMessage<E>): Promise<MessageResult> {
  const started = Date.now();
  const log = inv.log.child({ eventId: msg.event.id, employeeId: msg.event.employee.id, messageId: msg.messageId });
  const report: Report = (level, result, fields, delivery = msg.delivery) =>
    log[level]('outcome', { action: inv.def.action, result, attempts: runs(msg.delivery), ...counters(delivery), durationMs: Date.now() - started, ...fields });
  const settled = await runWithRetries(inv, msg, log);
  if ('outcome' in settled) {
    const o = settled.outcome;
    report('info', o.status, { detail: o.detail, sagRequestId: 'sagRequestId' in o ? o.sagRequestId : undefined });
    return o.status;
  }
  return settled.action.kind === 'dead-letter'
    ? sendToDeadLetter(inv, msg, settled.failure, settled.action, report)
    : requeue(inv, msg, settled.failure, settled.action, { log, report });
}

/** Tries `handle` until it finishes or the policy says something other than "try again now". */
async function runWithRetries<E extends WorkerEvent, D>(inv: Invocation<E, D>, msg: ValidMessage<E>, log: Logger): Promise<Settled> {
  const ctx: WorkerContext<D> = {
    config: inv.config,
    deps: inv.deps,
    queue: inv.queue,
    log,
    credentials: inv.credentials,
    attempt: msg.delivery.attempts + 1,
    delivery: msg.delivery,
    messageId: msg.messageId,
    deadline: inv.deadline,
  };
  for (let tryNo = 1; ; tryNo++) {
    let failure: Failure;
    try {
      const outcome = await inv.def.handle(msg.event, ctx);
      if (outcome.status !== 'defer') return { outcome };
      failure = deferralOf(outcome);
    } catch (err) {
      failure = failureOf(err);
    }
    const action = nextAction({
      failure,
      delivery: msg.delivery,
      policy: inv.config.retry,
      now: Date.now(),
      tryNo,
      deadline: inv.deadline,
      random: inv.random(),
    });
    if (action.kind !== 'retry-inline') return { failure, action };
    log.debug('retrying in the invocation', { reason: failure.reason, kind: failure.kind, tryNo, waitMs: Math.round(action.waitMs) });
    await sleep(action.waitMs);
  }
}

async function sendToDeadLetter<E extends WorkerEvent, D>(
  inv: Invocation<E, D>,
  msg: ValidMessage<E>,
  f: Failure,
  action: Extract<NextAction, { kind: 'dead-letter' }>,
  report: Report,
): Promise<MessageResult> {
  const record = failureRecord(inv.origin, f, {
    event: msg.event,
    messageId: msg.messageId,
    delivery: action.delivery,
    attempts: action.attempts,
    retryable: action.retryable,
  });
  const ok = await inv.sendDeadLetter(record);
  report(ok ? 'warn' : 'error', ok ? 'dead-lettered' : 'lost', { reason: f.reason, sagRequestId: f.sagRequestId, detail: f.message }, action.delivery);
  return ok ? 'dead-lettered' : 'lost';
}

async function requeue<E extends WorkerEvent, D>(
  inv: Invocation<E, D>,
  msg: ValidMessage<E>,
  f: Failure,
  action: Extract<NextAction, { kind: 'requeue' }>,
  out: { log: Logger; report: Report },
): Promise<MessageResult> {
  const fields = { reason: f.reason, sagRequestId: f.sagRequestId, delaySeconds: action.delaySeconds, detail: f.message, scope: f.scope };
  try {
    await inv.queue.send(inv.origin.sourceQueue, { event: msg.event, delivery: action.delivery }, { delaySeconds: action.delaySeconds });
  } catch (err) {
    out.log.error('re-enqueue failed; the trigger will redeliver the batch', { reason: f.reason, error: err });
    out.report('error', 'lost', fields, action.delivery);
    return 'lost';
  }
  out.report('info', action.result, fields, action.delivery);
  return action.result;
}

/** How many times the message has been run, this run included. */
function runs(d: Delivery): number {
  return 1 + d.attempts + d.deferrals + (d.throttled ?? 0) + (d.systemic ?? 0);
}

/** The non-zero counters besides `attempts`, for the log line. */
function counters(d: Delivery): Record<string, number> {
  const out: Record<string, number> = {};
  if (d.attempts) out.retries = d.attempts;
  if (d.deferrals) out.deferrals = d.deferrals;
  if (d.throttled) out.throttled = d.throttled;
  if (d.systemic) out.systemic = d.systemic;
  return out;
}
