/**
 * The dead-letter record: a documented, versioned JSON envelope, one per message that could not be carried out.
 * It holds everything needed to understand and redrive the message:
 *
 * | field | meaning |
 * | --- | --- |
 * | `schema` | `hr-sag-sync.dead-letter/1` |
 * | `reason` | stable dotted code: `site.unmapped`, `message.invalid`, `sag.<SAG error code>`, `join.user-conflict`, `transfer.origin-user-missing`, or the last transient reason when retries ran out (`sag.throttled`, …) |
 * | `message` | human-readable detail (emails masked) |
 * | `retryable` | true when the cause was transient (retries ran out): redriving as-is may succeed |
 * | `attempts` | failed attempts before dead-lettering |
 * | `firstFailureAt`, `lastFailureAt` | ISO-8601 |
 * | `sagRequestId` | RequestId of the last SAG answer, for Alibaba Cloud support |
 * | `function`, `sourceQueue`, `messageId` | where it came from |
 * | `event` | the original canonical event (or the unmapped HR event for `site.unmapped`) |
 * | `raw` | the original message body when it could not be parsed |
 */
import * as z from 'zod/mini';

export const DEAD_LETTER_SCHEMA = 'hr-sag-sync.dead-letter/1';

export const DeadLetterSchema = z.lazy(() =>
  z.object({
    schema: z.literal(DEAD_LETTER_SCHEMA),
    reason: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    attempts: z.int(),
    firstFailureAt: z.string(),
    lastFailureAt: z.string(),
    sagRequestId: z.optional(z.string()),
    function: z.string(),
    sourceQueue: z.optional(z.string()),
    messageId: z.optional(z.string()),
    event: z.optional(z.unknown()),
    raw: z.optional(z.string()),
  }),
);
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export function deadLetter(
  fields: Omit<DeadLetter, 'schema' | 'firstFailureAt' | 'lastFailureAt'> & { firstFailureAt?: string; lastFailureAt?: string },
): DeadLetter {
  const now = new Date().toISOString();
  return { schema: DEAD_LETTER_SCHEMA, ...fields, firstFailureAt: fields.firstFailureAt ?? now, lastFailureAt: fields.lastFailureAt ?? now };
}
