/**
 * Redrive: what to do with one record of the dead-letter queue once its cause is fixed. Pure; the CLI
 * (scripts/redrive.ts) does the queue I/O.
 *
 * | record | action |
 * | --- | --- |
 * | our envelope, reason `site.unmapped` | route the HR event again with the current site directory; still unmapped → keep |
 * | our envelope with a canonical event (join, transfer, enrich) | send it back to its queue as a fresh delivery (attempts reset) |
 * | a raw trigger event (the FC trigger's own dead letter: a CloudEvents array; its exact format is unverified, so both an array and a single object are read) | send each message body back to the queue named in the CloudEvent's `subject` |
 * | anything else | keep |
 */
import { DEAD_LETTER_SCHEMA } from './mns/dead-letter.js';
import { CanonicalEventSchema, EnrichRequestSchema } from './events.js';
import type { QueueNames } from './config.js';
import { routeEvent, type InboundEvent } from './routing.js';
import type { SiteDirectory } from './sites.js';
import { decodeMessageBody } from './mns/trigger-event.js';

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
      return [{ kind: 'send', queue, body: { event: canonical.data }, note: `resent ${canonical.data.type}` }];
    }
    const enrich = EnrichRequestSchema.safeParse(r.event);
    if (enrich.success) return [{ kind: 'send', queue: queues.enrich, body: { event: enrich.data }, note: 'resent employee.enrich' }];
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
    sends.push({ kind: 'send', queue, body: decoded, note: 'trigger dead letter resent' });
  }
  return sends.length ? sends : { kind: 'keep', note: 'not a dead letter of this product' };
}
