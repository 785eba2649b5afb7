/**
 * A reconcile run: read the roster, read SAG and the ledger, plan, guard, apply. Two halves so that the operator
 * command can print the plan before it applies it: {@link preparePlan} (reads and decides, changes nothing) and
 * {@link applyPlan}; {@link reconcile} runs both (the timer function).
 *
 * A roster that cannot be read to the end throws RosterReadError from `preparePlan`: nothing is applied. A plan
 * whose leaves the guard holds applies its joins, transfers, enables and adoptions, writes the leaves as a held
 * plan (plan-store.ts), logs one `error` line naming its id, and leaves the last-run roster size as it was (so the
 * next run holds again until an operator releases it with {@link releasePlan}).
 *
 * @example
 * ```ts
 * const report = await reconcile(deps, { adopt: false });
 * report.counts.join; report.heldPlanId; // e.g. 100, 'rp-20261123T080000Z-1a2b3c4d'
 * ```
 */
import type { QueueNames } from '../config.js';
import type { Source } from '../events.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { QueueSender } from '../mns/queue.js';
import type { Roster, RosterProblem, RosterProgress, RosterReader, RosterSource } from '../roster/roster.js';
import type { SagClient } from '../sag/client.js';
import type { SiteDirectory } from '../sites.js';
import { readActual, type ActualProgress, type ActualState } from './actual.js';
import { adoptAccounts, eventSourceFor, eventsFor, sendEvents, type PlannedEvent } from './apply.js';
import { desiredState } from './desired.js';
import { guardLeaves, type GuardLimits, type GuardVerdict } from './guard.js';
import { ACTION_KINDS, planReconcile, type ActionKind, type Plan, type PlanAction, type UnmanagedAccount } from './plan.js';
import type { PlanStore } from './plan-store.js';

export interface ReconcileDeps {
  reader: RosterReader;
  directory: SiteDirectory;
  sag: SagClient;
  ledger: Ledger;
  plans: PlanStore;
  sender: QueueSender;
  queues: QueueNames;
  limits: GuardLimits;
  log: Logger;
  now?: () => Date;
}

export interface ReconcileOptions {
  /** Plan only: nothing is enqueued or written. */
  dryRun?: boolean;
  /** Unmanaged accounts become managed (plan.ts). */
  adopt?: boolean;
  /** Plan leaves (default true); a backfill turns them off. */
  leaves?: boolean;
  onProgress?: (p: ReconcileProgress) => void;
}

export interface ReconcileProgress {
  phase: 'roster' | 'actual' | 'apply';
  rosterRows: number;
  accounts: number;
  ledgerRows: number;
  enqueued: number;
  toEnqueue: number;
}

export type ActionCounts = Record<ActionKind, number>;

export interface ReconcileReport {
  source: RosterSource;
  eventSource: Source;
  dryRun: boolean;
  /** When the roster read began: the basis of every event's time (apply.ts). */
  basisAt: string;
  readAt: string;
  roster: { employees: number; active: number; departed: number; pages: number };
  counts: ActionCounts;
  /** Per site id: the actions that touch it (a transfer counts on its target, a leave on each site it disables). */
  bySite: Record<string, Partial<ActionCounts>>;
  problems: RosterProblem[];
  unmanaged: UnmanagedAccount[];
  protectedAccounts: number;
  managed: number;
  leavesSkipped: number;
  guard: GuardVerdict;
  /** The id of the held plan when the guard held the leaves. */
  heldPlanId?: string;
  /** Messages enqueued and ledger rows adopted (0 in a dry run). */
  enqueued: number;
  adopted: number;
  describeCalls: number;
}

/** A plan ready to apply: its report (nothing applied yet) and its events (none for a dry run). */
export interface PreparedPlan {
  report: ReconcileReport;
  plan: Plan;
  events: PlannedEvent[];
}

/** The counts of a plan's actions, overall and per site. */
export function countActions(actions: readonly PlanAction[]): { counts: ActionCounts; bySite: Record<string, Partial<ActionCounts>> } {
  const counts = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as ActionCounts;
  const bySite: Record<string, Partial<ActionCounts>> = {};
  const add = (site: string, k: ActionKind) => {
    const s = bySite[site] ?? {};
    s[k] = (s[k] ?? 0) + 1;
    bySite[site] = s;
  };
  for (const a of actions) {
    counts[a.kind]++;
    if (a.kind === 'transfer') add(a.to.id, a.kind);
    else if (a.kind === 'leave') for (const s of a.sites) add(s, a.kind);
    else if (a.kind === 'adopt') for (const s of a.accounts) add(s.site, a.kind);
    else add(a.site.id, a.kind);
  }
  return { counts, bySite };
}

/**
 * Reads the roster (all of it, or a RosterReadError) and, at the same time, SAG and the ledger (both only read,
 * so nothing is lost by reading them alongside a roster that turns out unreadable). The roster's error wins.
 */
async function readBoth(deps: ReconcileDeps, progress: ReconcileProgress, emit: () => void): Promise<{ roster: Roster; basisAt: string; actual: ActualState }> {
  const basisAt = (deps.now?.() ?? new Date()).toISOString();
  const rosterRead = deps.reader
    .read((p: RosterProgress) => {
      progress.rosterRows = p.rows;
      emit();
    })
    .then((roster) => {
      progress.rosterRows = roster.employees.length + roster.problems.length;
      progress.phase = 'actual';
      emit();
      return roster;
    });
  const actualRead = readActual({
    sag: deps.sag,
    ledger: deps.ledger,
    directory: deps.directory,
    eventSource: eventSourceFor(deps.reader.source),
    onProgress: (p: ActualProgress) => {
      progress.accounts = p.accounts;
      progress.ledgerRows = p.ledgerRows;
      emit();
    },
  });
  const [roster, actual] = await Promise.allSettled([rosterRead, actualRead]);
  if (roster.status === 'rejected') throw roster.reason;
  if (actual.status === 'rejected') throw actual.reason;
  return { roster: roster.value, basisAt, actual: actual.value };
}

/** Reads, plans and guards; changes nothing. Throws RosterReadError when the roster cannot be read to the end. */
export async function preparePlan(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<PreparedPlan> {
  const progress: ReconcileProgress = { phase: 'roster', rosterRows: 0, accounts: 0, ledgerRows: 0, enqueued: 0, toEnqueue: 0 };
  const emit = () => options.onProgress?.({ ...progress });
  const { roster, basisAt, actual } = await readBoth(deps, progress, emit);
  const eventSource = eventSourceFor(roster.source);
  const desired = desiredState(roster, deps.directory);
  const plan = planReconcile(desired, actual, deps.directory, { adopt: options.adopt, leaves: options.leaves });
  // A dry run sends nothing: its events are not made.
  const events = options.dryRun ? [] : eventsFor(plan.actions, eventSource, basisAt);
  const leaves = plan.actions.filter((a) => a.kind === 'leave').length;
  const lastRosterSize = await deps.plans.lastRosterSize(eventSource);
  const guard = guardLeaves({ leaves, managed: plan.managed, rosterSize: desired.listed.size, activeCount: desired.active.size, lastRosterSize }, deps.limits);
  const report: ReconcileReport = {
    source: roster.source,
    eventSource,
    dryRun: !!options.dryRun,
    basisAt,
    readAt: roster.readAt,
    roster: { employees: desired.listed.size, active: desired.active.size, departed: desired.departed.size, pages: roster.pages },
    ...countActions(plan.actions),
    problems: plan.problems,
    unmanaged: plan.unmanaged,
    protectedAccounts: plan.protectedAccounts,
    managed: plan.managed,
    leavesSkipped: plan.leavesSkipped,
    guard,
    enqueued: 0,
    adopted: 0,
    describeCalls: actual.describeCalls,
  };
  return { report, plan, events };
}

/**
 * Applies a prepared plan: adoptions, then grants, then leaves (or, when the guard holds them, the held plan).
 * A dry run returns the report unchanged.
 */
export async function applyPlan(deps: ReconcileDeps, prepared: PreparedPlan, options: Pick<ReconcileOptions, 'onProgress'> = {}): Promise<ReconcileReport> {
  const report = { ...prepared.report };
  if (report.dryRun) return report;
  const held = report.guard.hold;
  const leaves = prepared.events.filter((e) => e.queue === 'leave');
  const now = prepared.events.filter((e) => e.queue !== 'leave' || !held);
  const progress: ReconcileProgress = { phase: 'apply', rosterRows: 0, accounts: 0, ledgerRows: 0, enqueued: 0, toEnqueue: now.length };
  report.adopted = await adoptAccounts(deps.ledger, prepared.plan.actions, report.eventSource);
  await sendEvents(deps.sender, deps.queues, now, () => {
    progress.enqueued++;
    options.onProgress?.({ ...progress });
  });
  report.enqueued = now.length;
  if (held) {
    const plan = await deps.plans.hold({ source: report.source, reasons: report.guard.reasons, events: leaves.map((e) => e.event as never) });
    report.heldPlanId = plan.id;
    deps.log.error('reconcile leaves held', {
      planId: plan.id,
      leaves: leaves.length,
      reasons: report.guard.reasons,
      release: `npm run reconcile -- --release ${plan.id}`,
    });
  } else {
    await deps.plans.recordRosterSize(report.eventSource, report.roster.employees);
  }
  return report;
}

/** Reads, plans, guards and applies (the timer function's run). */
export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const prepared = await preparePlan(deps, options);
  const report = await applyPlan(deps, prepared, options);
  deps.log.info('reconcile done', {
    source: report.source,
    counts: report.counts,
    enqueued: report.enqueued,
    heldPlanId: report.heldPlanId,
    problems: report.problems.length,
  });
  return report;
}
