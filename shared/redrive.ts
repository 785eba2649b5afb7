/**
 * Redrive: what to do with one record of the dead-letter queue once its cause is fixed ({@link redriveAction}, pure),
 * and the walk over the dead-letter queue that carries it out ({@link redriveDeadLetters}, used by
 * `hr-sag-sync dlq redrive`).
 *
 * | record | action |
 * | --- | --- |
 * | our envelope, reason `site.unmapped` | route the HR event again with the current site directory; still unmapped → keep |
 * | our envelope with a canonical event (join, transfer, enrich, leave or its delete step) | send it back to its queue as a fresh delivery (attempts reset) |
 * | a raw trigger event (the FC trigger's own dead letter: a CloudEvents array; its exact format is unverified, so both an array and a single object are read) | send each message body back to the queue named in the CloudEvent's `subject` |
 * | anything else | keep |
 */
import { DEAD_LETTER_SCHEMA } from './mns/dead-letter.js';
import { CanonicalEventSchema, EnrichRequestSchema, LeaveStepSchema } from './events.js';
import type { QueueNames } from './config.js';
import { routeEvent, type InboundEvent } from './routing.js';
import type { SiteDirectory } from './sites.js';
import { decodeMessageBody } from './mns/trigger-event.js';
import { encodeMessage } from './mns/queue.js';
import { RateLimiter } from './rate-limiter.js';

export type RedriveAction = { kind: 'send'; queue: string; body: unknown; note: string }[] | { kind: 'keep'; note: string };

export function redriveAction(record: unknown, directory: SiteDirectory, queues: QueueNames): RedriveAction {
  if (record && typeof record === 'object' && (record as { schema?: unknown }).schema === DEAD_LETTER_SCHEMA) {
    const r = record as { reason: string; event?: unknown };
    if (r.reason === 'site.unmapped') {
      const ev = r.event as (InboundEvent & { eventId?: string }) | undefined;
      if (!ev || (ev.kind !== 'joined' && ev.kind !== 'transferred')) return { kind: 'keep', note: 'site.unmapped without an HR event' };
      const { eventId: _drop, ...inbound } = ev;
      const routed = routeEvent(inbound as InboundEvent, directory, queues, 'redrive');
      if (routed.kind === 'enqueue') return [{ kind: 'send', queue: routed.queue, body: routed.message, note: `routed ${routed.type}` }];
      if (routed.kind === 'noop') return { kind: 'keep', note: routed.reason };
      return { kind: 'keep', note: 'still maps to no site' };
    }
    const canonical = CanonicalEventSchema.safeParse(r.event);
    if (canonical.success) {
      const queue = canonical.data.type === 'employee.joined' ? queues.join : queues.transfer;
      return [{ kind: 'send', queue, body: { event: canonical.data }, note: `${canonical.data.type} to its queue` }];
    }
    const enrich = EnrichRequestSchema.safeParse(r.event);
    if (enrich.success) return [{ kind: 'send', queue: queues.enrich, body: { event: enrich.data }, note: 'employee.enrich to its queue' }];
    const leave = LeaveStepSchema.safeParse(r.event);
    if (leave.success) return [{ kind: 'send', queue: queues.leave, body: { event: leave.data }, note: `${leave.data.type} to its queue` }];
    return { kind: 'keep', note: `no event to redrive (reason ${r.reason})` };
  }
  const items = Array.isArray(record) ? record : record && typeof record === 'object' && 'data' in record ? [record] : [];
  const sends: Array<{ kind: 'send'; queue: string; body: unknown; note: string }> = [];
  for (const ce of items as Array<{ subject?: unknown; data?: { messageBody?: unknown } }>) {
    const queue = typeof ce?.subject === 'string' ? /queues\/([A-Za-z0-9-]+)$/.exec(ce.subject)?.[1] : undefined;
    const body = typeof ce?.data?.messageBody === 'string' ? ce.data.messageBody : undefined;
    if (!queue || body === undefined) return { kind: 'keep', note: 'unrecognised trigger dead letter' };
    let decoded: unknown;
    try {
      decoded = decodeMessageBody(body);
    } catch {
      return { kind: 'keep', note: 'trigger dead letter with an undecodable body' };
    }
    sends.push({ kind: 'send', queue, body: decoded, note: 'trigger dead letter to its source queue' });
  }
  return sends.length ? sends : { kind: 'keep', note: 'not a dead letter of this product' };
}

/** A message as MNS's ReceiveMessage returns it (the fields used here). */
export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MessageBody: string;
  EnqueueTime?: number | string;
  DequeueCount?: number | string;
}

/** The part of `@alicloud/mns`'s client the walk uses. */
export interface DeadLetterQueueApi {
  batchReceiveMessage(queue: string, numOfMessages: number, waitSeconds?: number): Promise<{ body?: unknown }>;
  changeMessageVisibility(queue: string, receiptHandle: string, visibilityTimeout: number): Promise<unknown>;
  deleteMessage(queue: string, receiptHandle: string): Promise<unknown>;
  sendMessage(queue: string, params: { MessageBody: string }): Promise<unknown>;
}

/** The SDK answers one message as an object and several as an array. */
export function messageList<T>(body: unknown): T[] {
  return Array.isArray(body) ? (body as T[]) : body && typeof body === 'object' ? [body as T] : [];
}

const isNoMessage = (err: unknown) => (err as { name?: string })?.name === 'MNSMessageNotExistError';

/**
 * Receives every visible message of `queue` once and hands it to `visit`. A message `visit` answers `delete` for is
 * deleted; any other is made visible again one second later (so a dry run or a filtered walk can be repeated at
 * once). Ends when the queue is empty, when only messages already visited come back, or after `max` messages.
 */
export async function walkQueue(
  client: DeadLetterQueueApi,
  queue: string,
  visit: (m: ReceivedMessage) => Promise<'delete' | 'release'>,
  max = Infinity,
): Promise<number> {
  const seen = new Set<string>();
  const release = (m: ReceivedMessage) => client.changeMessageVisibility(queue, m.ReceiptHandle, 1).catch(() => undefined);
  while (seen.size < max) {
    let batch: ReceivedMessage[];
    try {
      batch = messageList<ReceivedMessage>((await client.batchReceiveMessage(queue, 16, 1)).body);
    } catch (err) {
      if (isNoMessage(err)) break;
      throw err;
    }
    if (batch.length === 0 || batch.every((m) => seen.has(m.MessageId))) {
      await Promise.all(batch.map(release));
      break;
    }
    for (const m of batch) {
      if (seen.has(m.MessageId) || seen.size >= max) {
        await release(m);
        continue;
      }
      seen.add(m.MessageId);
      if ((await visit(m)) === 'delete') await client.deleteMessage(queue, m.ReceiptHandle);
      else await release(m);
    }
  }
  return seen.size;
}

/** What happened to one dead letter in a redrive. */
export interface RedriveOutcome {
  messageId: string;
  /** The decoded record (undefined when the body is not JSON). */
  record: unknown;
  /** `resent` (or `would-resend` in a dry run); `kept`: stays in the dead-letter queue; `skipped`: not selected. */
  result: 'resent' | 'would-resend' | 'kept' | 'skipped';
  /** The queues it was (or would be) sent to. */
  queues: string[];
  note: string;
}

export interface RedriveOptions {
  client: DeadLetterQueueApi;
  directory: SiteDirectory;
  queues: QueueNames;
  /** Records not selected stay where they are, untouched (`skipped`). Default: all. */
  select?: (record: unknown, message: ReceivedMessage) => boolean;
  dryRun?: boolean;
  /** Messages sent per second (0: no limit). */
  ratePerSecond?: number;
  max?: number;
  onRecord?: (outcome: RedriveOutcome) => void;
}

function decodeRecord(body: string): unknown {
  try {
    return decodeMessageBody(body);
  } catch {
    return undefined;
  }
}

/**
 * Moves the dead letters that {@link redriveAction} can redrive back to their queues, at a bounded rate, and
 * deletes them from the dead-letter queue once sent; the others stay. Returns the counts.
 */
export async function redriveDeadLetters(o: RedriveOptions): Promise<{ resent: number; kept: number; skipped: number }> {
  const limiter = new RateLimiter(o.ratePerSecond ?? 10);
  const counts = { resent: 0, kept: 0, skipped: 0 };
  const report = (outcome: RedriveOutcome) => {
    counts[outcome.result === 'would-resend' ? 'resent' : outcome.result]++;
    o.onRecord?.(outcome);
  };
  await walkQueue(
    o.client,
    o.queues.deadLetter,
    async (m) => {
      const record = decodeRecord(m.MessageBody);
      const base = { messageId: m.MessageId, record };
      if (o.select && !o.select(record, m)) {
        report({ ...base, result: 'skipped', queues: [], note: 'not selected' });
        return 'release';
      }
      const action = redriveAction(record, o.directory, o.queues);
      if (!Array.isArray(action)) {
        report({ ...base, result: 'kept', queues: [], note: action.note });
        return 'release';
      }
      for (const a of action) {
        if (o.dryRun) continue;
        await limiter.acquire();
        await o.client.sendMessage(a.queue, { MessageBody: encodeMessage(a.body) });
      }
      report({ ...base, result: o.dryRun ? 'would-resend' : 'resent', queues: action.map((a) => a.queue), note: action.map((a) => a.note).join('; ') });
      return o.dryRun ? 'release' : 'delete';
    },
    o.max,
  );
  return counts;
}
