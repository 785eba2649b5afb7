/**
 * Applying a plan: its actions become canonical events on the same queues as webhook events (joins and enables on
 * the join queue, transfers on the transfer queue, leaves on the leave queue), so the workers' idempotency, the
 * ledger's ordering, retries and dead letters apply unchanged. Adoptions are ledger writes (no SAG call).
 *
 * **Event ids** are derived from the plan: source, action, employee, site(s) and the employee's last applied event
 * when planned (`basis`). A rerun that finds the same situation (before the first run's events drained, or an FC
 * retry of the timer) sends the same ids, which the workers reconcile as the same event; once anything was applied
 * for the employee, the next plan's ids differ.
 *
 * **The ordering rule for reconcile events** (`occurredAt`, which the ledger orders by; shared/ledger/ordering.ts):
 * - a roster shows HR state at least as new as the moment its read **began** (`basisAt`): a change made before then
 *   is in it; one made after may not be;
 * - a **leave** is stamped `basisAt`: every webhook event newer than the read (a rehire, a transfer) wins over it,
 *   and it wins over everything older, which the roster already reflects. At an equal time a leave outranks a join
 *   or transfer (the lifecycle rank), so access removal wins ties;
 * - a **grant** (join, enable, transfer) is stamped `basisAt − RECONCILE_GRANT_MARGIN_SECONDS` (5 min): it yields
 *   to any event applied within that margin of the read, so an HR list API lagging its own leave event, or a clock
 *   skew of a few minutes, cannot re-grant access to a leaver; the next run plans the grant again if it still
 *   holds (fail closed, at the cost of one schedule period for a same-minute rehire);
 * - a held plan contains leaves only and keeps its stamps: released days later, a leave older than a rehire
 *   applied meanwhile is stale and does nothing, and a released plan never grants anything.
 */
import { mapLimit } from '../concurrency.js';
import type { QueueNames } from '../config.js';
import { EVENT_SCHEMA_VERSION, eventId, type EmployeeJoined, type EmployeeLeft, type EmployeeTransferred, type Source } from '../events.js';
import type { Ledger } from '../ledger/ledger.js';
import { ledgerKey } from '../ledger/record.js';
import { RECONCILE_GRANT_MARGIN_SECONDS } from '../limits.js';
import { maskEmails } from '../logger.js';
import type { QueueSender } from '../mns/queue.js';
import type { RosterSource } from '../roster/roster.js';
import type { PlanAction } from './plan.js';

/** Sends in flight at once. */
const SENDS_AT_ONCE = 16;

/** A queued message of the plan: where it goes and the action it carries out. */
export interface PlannedEvent {
  queue: keyof Pick<QueueNames, 'join' | 'transfer' | 'leave'>;
  event: EmployeeJoined | EmployeeTransferred | EmployeeLeft;
  action: PlanAction;
}

/**
 * The HR source whose ledger records a roster's employees share: the platform's own for Feishu, DingTalk and WeCom;
 * `generic` for a roster file (any HR system, whose webhooks come through the generic source).
 */
export function eventSourceFor(source: RosterSource): Source {
  return source === 'file' ? 'generic' : source;
}

/** The `occurredAt` stamps of a plan read from `basisAt` (see the ordering rule above). */
export function stampsFor(basisAt: string): { grant: string; leave: string } {
  const t = Date.parse(basisAt);
  return { grant: new Date(t - RECONCILE_GRANT_MARGIN_SECONDS * 1000).toISOString(), leave: new Date(t).toISOString() };
}

function idFor(source: Source, a: PlanAction): string {
  const sites = a.kind === 'transfer' ? `${a.from.id}>${a.to.id}` : a.kind === 'leave' ? a.sites.join(',') : 'site' in a ? a.site.id : '';
  return eventId(source, `reconcile:${a.kind}:${a.employee.id}:${sites}:${a.basis ?? '-'}`);
}

/**
 * The events of a plan's queue actions (adoptions are not events; see {@link adoptAccounts}).
 * @example
 * ```ts
 * const events = eventsFor(plan.actions, 'feishu', '2026-11-23T08:00:00.000Z');
 * events[0]?.event.type; // 'employee.joined'
 * ```
 */
export function eventsFor(actions: readonly PlanAction[], source: Source, basisAt: string): PlannedEvent[] {
  const at = stampsFor(basisAt);
  const out: PlannedEvent[] = [];
  for (const a of actions) {
    const base = { schemaVersion: EVENT_SCHEMA_VERSION, id: idFor(source, a), source } as const;
    if (a.kind === 'join' || a.kind === 'enable') {
      const employee = { id: a.employee.id, name: a.employee.name, email: a.employee.email };
      out.push({ queue: 'join', action: a, event: { ...base, occurredAt: at.grant, type: 'employee.joined', employee, site: a.site } });
    } else if (a.kind === 'transfer') {
      const employee = { id: a.employee.id, name: a.employee.name, email: a.employee.email };
      out.push({ queue: 'transfer', action: a, event: { ...base, occurredAt: at.grant, type: 'employee.transferred', employee, from: a.from, to: a.to } });
    } else if (a.kind === 'leave') {
      const employee = { id: a.employee.id, ...(a.employee.email ? { email: a.employee.email } : {}) };
      out.push({ queue: 'leave', action: a, event: { ...base, occurredAt: at.leave, type: 'employee.left', employee } });
    }
  }
  return out;
}

/** Sends each event to its queue (the MNS sender retries transient failures); `onSent` after each. */
export async function sendEvents(
  sender: QueueSender,
  queues: QueueNames,
  events: ReadonlyArray<Pick<PlannedEvent, 'queue' | 'event'>>,
  onSent?: () => void,
): Promise<void> {
  await mapLimit(events, SENDS_AT_ONCE, async (e) => {
    await sender.send(queues[e.queue], { event: e.event });
    onSent?.();
  });
}

/**
 * Records the plan's adoptions in the ledger: an account made by hand becomes the employee's, with its user name
 * and instances; nothing is created in SAG. The ledger's ordering fields are left as they are.
 */
export async function adoptAccounts(ledger: Ledger, actions: readonly PlanAction[], source: Source, at = new Date().toISOString()): Promise<number> {
  const adopts = actions.filter((a): a is Extract<PlanAction, { kind: 'adopt' }> => a.kind === 'adopt');
  await mapLimit(adopts, SENDS_AT_ONCE, async (a) => {
    const entry = {
      eventId: idFor(source, a),
      type: 'reconcile.adopted',
      result: 'adopted',
      reason: `account ${maskEmails(a.userName)} on ${a.accounts.map((x) => x.site).join(', ')}`,
      occurredAt: at,
      at,
    };
    await ledger.amend(ledgerKey(source, a.employee.id), entry, (r) => ({
      ...r,
      email: r.email ?? a.employee.email,
      userName: a.userName,
      accounts: [...r.accounts.filter((x) => !a.accounts.some((y) => y.smartAGId === x.smartAGId)), ...a.accounts],
    }));
  });
  return adopts.length;
}
