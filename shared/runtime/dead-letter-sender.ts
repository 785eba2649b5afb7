/**
 * Sending dead letters for the runtime: the documented envelope (mns/dead-letter.ts) for each of its three
 * cases (a malformed trigger event, an invalid message, a failure the policy gave up on), sent to the
 * dead-letter queue. A send that fails (after the queue client's own retries) is reported as `false`: the
 * caller counts the message as lost, so the invocation throws and the trigger redelivers it.
 */
import type { Delivery } from '../events.js';
import type { Logger } from '../logger.js';
import { deadLetter, type DeadLetter } from '../mns/dead-letter.js';
import type { QueueSender } from '../mns/queue.js';
import type { Failure } from './failure.js';

export type DeadLetterSender = (record: DeadLetter) => Promise<boolean>;

/** Where the records come from: the function and its own queue. */
export interface DeadLetterOrigin {
  function: string;
  sourceQueue: string;
}

export function deadLetterSender(queue: QueueSender, deadLetterQueue: string, log: Logger): DeadLetterSender {
  return async (record) => {
    try {
      await queue.send(deadLetterQueue, record);
      return true;
    } catch (err) {
      log.error('dead-letter send failed', { reason: record.reason, error: err });
      return false;
    }
  };
}

/** A trigger event that is not even JSON: kept whole. */
export function malformedEventRecord(origin: DeadLetterOrigin, message: string, raw: string): DeadLetter {
  return deadLetter({ reason: 'trigger.malformed-event', message, retryable: false, attempts: 0, ...origin, raw });
}

/** A message whose body is not JSON or fails the worker's schema. */
export function invalidMessageRecord(origin: DeadLetterOrigin, m: { messageId?: string; issues: string; parsed?: unknown; raw?: string }): DeadLetter {
  return deadLetter({
    reason: 'message.invalid',
    message: `message failed validation: ${m.issues}`,
    retryable: false,
    attempts: 0,
    ...origin,
    messageId: m.messageId,
    event: m.parsed,
    raw: m.parsed === undefined ? m.raw : undefined,
  });
}

/** A message the retry policy gave up on, with its failure and bookkeeping. */
export function failureRecord(
  origin: DeadLetterOrigin,
  f: Failure,
  at: { event: unknown; messageId?: string; delivery: Delivery; attempts: number; retryable: boolean },
): DeadLetter {
  return deadLetter({
    reason: f.reason,
    message: f.message,
    retryable: at.retryable,
    attempts: at.attempts,
    sagRequestId: f.sagRequestId,
    ...origin,
    messageId: at.messageId,
    event: at.event,
    firstFailureAt: at.delivery.firstFailureAt,
    lastFailureAt: at.delivery.lastFailureAt,
  });
}
