/**
 * Step 1 of the runtime: the trigger event in, validated messages out. Pure (no I/O).
 *
 * - The event is a CloudEvents array or a single object (mns/trigger-event.ts); anything else is a malformed
 *   event, kept whole for the dead-letter queue.
 * - Each record's body is JSON or base64 JSON; it must match the worker's queue-message schema. A record that
 *   fails is `invalid`, with every field issue, for a `message.invalid` dead letter.
 */
import * as z from 'zod/mini';
import type { Delivery } from '../events.js';
import { decodeMessageBody, parseTriggerEvent, TriggerEventError } from '../mns/trigger-event.js';
import { toFieldIssues } from '../validation.js';

/** The longest raw text kept in a dead letter (a message is at most 64 KB; the envelope needs room too). */
export const MAX_RAW_CHARS = 48_000;

export type DecodedMessage<E> =
  | { valid: true; messageId?: string; event: E; delivery: Delivery }
  | { valid: false; messageId?: string; issues: string; parsed?: unknown; raw?: string };

export type DecodedBatch<E> = { ok: true; messages: DecodedMessage<E>[] } | { ok: false; error: string; raw: string };

/** The bookkeeping of a first delivery. */
export const FIRST_DELIVERY: Delivery = Object.freeze({ attempts: 0, deferrals: 0 });

/** Decodes and validates a trigger event against `messageSchema` (a queue message carrying the worker's event). */
export function decodeBatch<E>(event: unknown, messageSchema: z.core.$ZodType<{ event: E; delivery?: Delivery }>): DecodedBatch<E> {
  let records: ReturnType<typeof parseTriggerEvent>;
  try {
    records = parseTriggerEvent(event);
  } catch (err) {
    if (!(err instanceof TriggerEventError)) throw err;
    const raw = Buffer.isBuffer(event) ? event.toString('utf8') : typeof event === 'string' ? event : JSON.stringify(event);
    return { ok: false, error: err.message, raw: raw.slice(0, MAX_RAW_CHARS) };
  }
  return { ok: true, messages: records.map((rec) => decodeRecord(rec.messageId, rec.body, rec.raw, messageSchema)) };
}

function decodeRecord<E>(
  messageId: string | undefined,
  body: string | undefined,
  record: unknown,
  schema: z.core.$ZodType<{ event: E; delivery?: Delivery }>,
): DecodedMessage<E> {
  const raw = (body ?? JSON.stringify(record)).slice(0, MAX_RAW_CHARS);
  if (body === undefined) return { valid: false, messageId, issues: 'record has no data.messageBody', raw };
  let parsed: unknown;
  try {
    parsed = decodeMessageBody(body);
  } catch (err) {
    return { valid: false, messageId, issues: `body is not JSON: ${(err as Error).message}`, raw };
  }
  const checked = z.safeParse(schema, parsed);
  if (!checked.success) {
    const issues = toFieldIssues(checked.error.issues)
      .map((i) => `${i.path} ${i.message}`)
      .join('; ');
    return { valid: false, messageId, issues, parsed };
  }
  const msg = checked.data;
  return { valid: true, messageId, event: msg.event, delivery: msg.delivery ?? FIRST_DELIVERY };
}
