/**
 * Routing normalised HR events to queue actions, in one place for every source (the webhook, and the enrich
 * worker for thin sources). Decision table for transfers (README "Transfer routing" shows it):
 *
 * | `from` resolves | `to` resolves | action |
 * | --- | --- | --- |
 * | yes | yes, same site | nothing (logged) |
 * | yes | yes, other site | enqueue `employee.transferred` on the transfer queue |
 * | no | yes | the employee had no account: enqueue `employee.joined` for `to` |
 * | yes | no | nothing (logged): the account stays where it is |
 * | no | no | dead letter `site.unmapped` |
 *
 * Joins: the site resolves → enqueue `employee.joined`; otherwise dead letter `site.unmapped` (redrive once the
 * directory is fixed). Leaves need no site (the leave worker looks on every instance): always enqueued on the leave
 * queue.
 */
import { deadLetter, type DeadLetter } from './mns/dead-letter.js';
import { EVENT_SCHEMA_VERSION, eventId, type CanonicalEvent, type Employee, type EmployeeLeft, type EnrichRequest, type Source } from './events.js';
import type { QueueNames } from './config.js';
import { siteRef, type Location, type SiteDirectory, type SiteEntry } from './sites.js';

/** An HR event after a source adapter has verified and normalised it, before sites are resolved. */
export type InboundEvent =
  | { kind: 'joined'; source: Source; sourceEventId: string; occurredAt: string; employee: Employee; location: Location }
  | { kind: 'transferred'; source: Source; sourceEventId: string; occurredAt: string; employee: Employee; from: Location; to: Location }
  | { kind: 'left'; source: Source; sourceEventId: string; occurredAt: string; employee: EmployeeLeft['employee'] }
  | { kind: 'enrich'; source: 'dingtalk' | 'wecom'; sourceEventId: string; occurredAt: string; change: 'created' | 'modified'; employee: { id: string } };

export type RoutedAction =
  | {
      kind: 'enqueue';
      queue: string;
      eventId: string;
      type: CanonicalEvent['type'] | 'employee.left' | 'employee.enrich';
      message: { event: CanonicalEvent | EmployeeLeft | EnrichRequest };
    }
  | { kind: 'dead-letter'; queue: string; eventId: string; record: DeadLetter }
  | { kind: 'noop'; eventId: string; reason: string };

/**
 * The site an HR location maps to: the one rule every path uses (webhook routing, the enrich worker, the reconcile
 * plan's desired state), so a roster row lands where its webhook would have.
 */
export function resolveSite(directory: SiteDirectory, location: Location | undefined): SiteEntry | undefined {
  return directory.resolve(location);
}

export function routeEvent(inbound: InboundEvent, directory: SiteDirectory, queues: QueueNames, fn: string): RoutedAction {
  const id = eventId(inbound.source, inbound.sourceEventId);
  if (inbound.kind === 'enrich') return enrichAction(inbound, id, queues);
  if (inbound.kind === 'left') return leaveAction(inbound, id, queues);
  const common = { schemaVersion: EVENT_SCHEMA_VERSION, id, source: inbound.source, occurredAt: inbound.occurredAt, employee: inbound.employee } as const;
  const unmapped = (detail: string): RoutedAction => ({
    kind: 'dead-letter',
    queue: queues.deadLetter,
    eventId: id,
    record: deadLetter({ reason: 'site.unmapped', message: detail, retryable: false, attempts: 0, function: fn, event: { ...inbound, eventId: id } }),
  });
  const join = (site: SiteEntry): RoutedAction => ({
    kind: 'enqueue',
    queue: queues.join,
    eventId: id,
    type: 'employee.joined',
    message: { event: { ...common, type: 'employee.joined', site: siteRef(site) } },
  });

  if (inbound.kind === 'joined') {
    const site = resolveSite(directory, inbound.location);
    return site ? join(site) : unmapped(`no site for ${describeLocation(inbound.location)}`);
  }
  const from = resolveSite(directory, inbound.from);
  const to = resolveSite(directory, inbound.to);
  if (from && to && from.id === to.id) return { kind: 'noop', eventId: id, reason: `transfer within site ${to.id}` };
  if (from && to) {
    const policy = directory.transferPolicy === 'move' ? { transferPolicy: 'move' as const } : {};
    const event = { ...common, type: 'employee.transferred' as const, from: siteRef(from), to: siteRef(to), ...policy };
    return { kind: 'enqueue', queue: queues.transfer, eventId: id, type: 'employee.transferred', message: { event } };
  }
  if (to) return join(to);
  if (from) return { kind: 'noop', eventId: id, reason: `target ${describeLocation(inbound.to)} maps to no site; the account stays on ${from.id}` };
  return unmapped(`neither ${describeLocation(inbound.from)} nor ${describeLocation(inbound.to)} maps to a site`);
}

/** A thin event (an id only): to the enrich queue, which fetches the user and routes it again. */
function enrichAction(inbound: Extract<InboundEvent, { kind: 'enrich' }>, id: string, queues: QueueNames): RoutedAction {
  const { source, occurredAt, change, employee } = inbound;
  const event: EnrichRequest = { schemaVersion: EVENT_SCHEMA_VERSION, id, source, occurredAt, type: 'employee.enrich', change, employee };
  return { kind: 'enqueue', queue: queues.enrich, eventId: id, type: 'employee.enrich', message: { event } };
}

/** A leave needs no site (the leave worker looks on every instance): always to the leave queue. */
function leaveAction(inbound: Extract<InboundEvent, { kind: 'left' }>, id: string, queues: QueueNames): RoutedAction {
  const { source, occurredAt, employee } = inbound;
  const event: EmployeeLeft = { schemaVersion: EVENT_SCHEMA_VERSION, id, source, occurredAt, type: 'employee.left', employee };
  return { kind: 'enqueue', queue: queues.leave, eventId: id, type: 'employee.left', message: { event } };
}

/** A location in words, for reports and dead letters: `office "Suzhou"`. */
export function describeLocation(l: Location): string {
  if (l.site !== undefined) return `site "${l.site}"`;
  if (l.office !== undefined) return `office "${l.office}"`;
  if (l.offices?.length) return `offices [${l.offices.join(', ')}]`;
  if (l.departmentIds?.length) return `departments [${l.departmentIds.join(', ')}]`;
  return 'an empty location';
}
