/**
 * Reading the dead-letter queue for people: one row per message (reason, age, attempts, employee), the filters of
 * the `dlq` commands, and peeking (BatchPeekMessage: nothing is received, hidden or counted).
 *
 * MNS peeks at most 16 messages per call and has no cursor
 * (https://www.alibabacloud.com/help/en/mns/developer-reference/api-mns-2015-06-06-batchpeekmessage), so a peek
 * shows the first 16 visible messages; `--all` walks the whole queue by receiving each message and making it
 * visible again a second later (nothing is deleted, but each message's receive count goes up).
 */
import type MNSClient from '@alicloud/mns/lib/client.js';
import { DEAD_LETTER_SCHEMA, decodeMessageBody, messageList, walkQueue, type ReceivedMessage } from '../shared/index.js';

/** The most messages one BatchPeekMessage returns. */
export const PEEK_LIMIT = 16;

export interface PeekedMessage {
  MessageId: string;
  MessageBody: string;
  EnqueueTime?: number | string;
  DequeueCount?: number | string;
}

/** One dead letter as `dlq list` shows it (also its `--json` row). */
export interface DeadLetterRow {
  messageId: string;
  /** The envelope's reason; `trigger.dead-letter` for the trigger's own dead letters; `unknown` otherwise. */
  reason: string;
  /** Seconds since the last failure (the envelope's lastFailureAt, else the message's enqueue time). */
  ageSeconds: number;
  lastFailureAt?: string;
  /** Failed attempts recorded in the envelope (0 when unknown). */
  attempts: number;
  employeeId?: string;
  function?: string;
  sourceQueue?: string;
  retryable?: boolean;
}

export interface Filters {
  reason?: string;
  employee?: string;
  /** Only dead letters whose last failure is at most this many seconds old. */
  sinceSeconds?: number;
}

export function decodeRecord(body: string): unknown {
  try {
    return decodeMessageBody(body);
  } catch {
    return undefined;
  }
}

/** The work-queue message, envelope or trigger dead letter's employee: `{ id, email }` as far as known. */
export function employeeOf(record: unknown): { id?: string; email?: string } {
  const r = record as { event?: { employee?: { id?: string; email?: string } }; data?: { messageBody?: string } } | undefined;
  if (Array.isArray(record)) return employeeOf(record[0]);
  if (r?.event?.employee) return { id: r.event.employee.id, email: r.event.employee.email };
  if (typeof r?.data?.messageBody === 'string') return employeeOf(decodeRecord(r.data.messageBody));
  return {};
}

const isEnvelope = (
  r: unknown,
): r is { reason: string; attempts?: number; lastFailureAt?: string; function?: string; sourceQueue?: string; retryable?: boolean } =>
  !!r && typeof r === 'object' && (r as { schema?: unknown }).schema === DEAD_LETTER_SCHEMA;

const isTriggerDeadLetter = (r: unknown) => (Array.isArray(r) ? r : [r]).some((x) => x && typeof x === 'object' && 'data' in x && 'subject' in x);

/** The row of a message, `now` in ms. */
export function describeDeadLetter(m: PeekedMessage, record: unknown, now = Date.now()): DeadLetterRow {
  const enqueued = Number(m.EnqueueTime ?? now);
  const employee = employeeOf(record);
  if (isEnvelope(record)) {
    const last = record.lastFailureAt ? Date.parse(record.lastFailureAt) : enqueued;
    return {
      messageId: m.MessageId,
      reason: record.reason,
      ageSeconds: Math.max(0, (now - (Number.isFinite(last) ? last : enqueued)) / 1000),
      lastFailureAt: record.lastFailureAt,
      attempts: record.attempts ?? 0,
      employeeId: employee.id,
      function: record.function,
      sourceQueue: record.sourceQueue,
      retryable: record.retryable,
    };
  }
  return {
    messageId: m.MessageId,
    reason: isTriggerDeadLetter(record) ? 'trigger.dead-letter' : 'unknown',
    ageSeconds: Math.max(0, (now - enqueued) / 1000),
    attempts: 0,
    employeeId: employee.id,
  };
}

/** Whether a dead letter passes the filters (employee: id, or email case-insensitively). */
export function matches(row: DeadLetterRow, record: unknown, f: Filters): boolean {
  if (f.reason !== undefined && row.reason !== f.reason) return false;
  if (f.sinceSeconds !== undefined && row.ageSeconds > f.sinceSeconds) return false;
  if (f.employee !== undefined) {
    const e = employeeOf(record);
    if (e.id !== f.employee && e.email?.toLowerCase() !== f.employee.toLowerCase()) return false;
  }
  return true;
}

/** Up to 16 visible messages of `queue`, unchanged (none: an empty list). */
export async function peek(client: MNSClient, queue: string): Promise<PeekedMessage[]> {
  try {
    return messageList<PeekedMessage>((await client.batchPeekMessage(queue, PEEK_LIMIT)).body);
  } catch (err) {
    if ((err as { name?: string }).name === 'MNSMessageNotExistError') return [];
    throw err;
  }
}

/** Every visible message of `queue`, by receiving each and making it visible again (see the file comment). */
export async function scan(client: MNSClient, queue: string): Promise<PeekedMessage[]> {
  const out: ReceivedMessage[] = [];
  await walkQueue(client, queue, async (m) => {
    out.push(m);
    return 'release';
  });
  return out;
}
