/**
 * What `reconcile` and `backfill` share: the wiring from the target, the roster reader, the plan printed as counts
 * per action and per site plus the first rows, then the apply with progress bars (rows read, enqueued, drained).
 *
 * Exit codes: 0 converged (or nothing to do); 1 findings: bad roster rows, leaves held, events not settled within
 * `--wait`, or a roster that could not be read (RosterReadError names the source and page; nothing was applied);
 * 2 usage.
 */
import { resolve } from 'node:path';
import { EXIT } from './exit-codes.js';
import { UsageError } from './exit-codes.js';
import { eprintln, formatAge, paint, printJson, println, table, type Io } from './io.js';
import { Progress } from './progress.js';
import { resolveTarget, type TargetFlags } from './target.js';
import type { CommandContext } from './context.js';
import {
  ACTION_KINDS,
  ROSTER_SOURCES,
  SiteDirectory,
  UnknownPlanError,
  applyPlan,
  loadConfig,
  maskEmails,
  preparePlan,
  reconcileDeps,
  releasePlan,
  rosterReaderFor,
  waitForSettled,
  type Config,
  type PlanAction,
  type PreparedPlan,
  type ReconcileDeps,
  type ReconcileReport,
  type RosterReader,
  type RosterSource,
} from '../shared/index.js';

export interface ReconcileFlags extends TargetFlags {
  json?: boolean;
  source?: string;
  file?: string;
  dryRun?: boolean;
  adopt?: boolean;
  release?: string;
  rows: number;
  /** Seconds to wait for the workers to settle the enqueued events; 0: do not wait. */
  wait: number;
  /** Backfill only: the SAG call rate the ETA assumes. */
  sagRate?: number;
}

/** `reconcile --json` / `backfill --json`. */
export interface ReconcileDocument {
  schema: 'hr-sag-sync.cli.reconcile/1';
  mode: 'reconcile' | 'backfill';
  report: ReconcileReport;
  /** The first `--rows` actions, emails masked. */
  rows: Array<{ action: string; employeeId: string; email?: string; site: string; note?: string }>;
  /** Events the workers settled within `--wait` (absent in a dry run or with `--wait 0`). */
  settled?: number;
}

/** The roster reader of a source (shared/roster/for-config.ts), a file's path resolved from the working directory. */
export function rosterReader(source: RosterSource, file: string | undefined, config: Config): RosterReader {
  if (source === 'file' && !file) throw new UsageError('--source file needs --file <roster.csv|json|jsonl> (or RECONCILE_FILE)');
  return rosterReaderFor(source, { config, file: file && resolve(file) });
}

/** `--release` reads no roster: it sends a held plan's events. */
const NO_ROSTER: RosterReader = {
  source: 'file',
  read: () => Promise.reject(new Error('--release reads no roster')),
};

function sourceOf(flags: Pick<ReconcileFlags, 'source' | 'file'>, config: Config): RosterSource {
  const source = flags.source ?? (flags.file ? 'file' : config.reconcile.source);
  if (!source) throw new UsageError('say which roster to read: --file <roster.csv> or --source feishu|dingtalk|wecom|file (or RECONCILE_SOURCE)');
  if (!(ROSTER_SOURCES as readonly string[]).includes(source)) throw new UsageError(`--source must be one of ${ROSTER_SOURCES.join(', ')} (got "${source}")`);
  return source as RosterSource;
}

/** The reconcile's dependencies for a target and flags (also used by `status` to show what a reconcile would do). */
export async function wiring(
  io: Io,
  flags: Pick<ReconcileFlags, 'source' | 'file' | 'release'> & TargetFlags,
): Promise<{ deps: ReconcileDeps; config: Config }> {
  const target = await resolveTarget(io, flags);
  const config = loadConfig(target.env);
  const reader = flags.release ? NO_ROSTER : rosterReader(sourceOf(flags, config), flags.file ?? config.reconcile.file, config);
  const deps = reconcileDeps({
    config,
    directory: SiteDirectory.fromEnv(target.env),
    credentials: target.credentials,
    reader,
    accountId: target.accountId,
    mnsEndpoint: target.mnsEndpoint,
    sagEndpoint: target.sagEndpoint,
  });
  return { deps, config };
}

/** Where an action applies, as the plan's rows print it. */
export function siteOf(a: PlanAction): string {
  if (a.kind === 'transfer') return `${a.from.id} → ${a.to.id}`;
  if (a.kind === 'leave') return a.sites.join(', ');
  if (a.kind === 'adopt') return a.accounts.map((x) => x.site).join(', ');
  return a.site.id;
}

function rowsOf(actions: readonly PlanAction[], n: number): ReconcileDocument['rows'] {
  return actions.slice(0, n).map((a) => ({
    action: a.kind,
    employeeId: a.employee.id,
    email: a.employee.email && maskEmails(a.employee.email),
    site: siteOf(a),
    note: a.kind === 'leave' ? a.why : undefined,
  }));
}

/** Counts per action and per site, the problems, the guard, then the first rows. */
function printPlan(io: Io, r: ReconcileReport, rows: ReconcileDocument['rows']): void {
  println(
    io,
    `roster ${r.source}: ${r.roster.employees} employee(s) (${r.roster.active} active, ${r.roster.departed} departed); ${r.managed} managed, ${r.protectedAccounts} protected account(s), ${r.unmanaged.length} unmanaged`,
  );
  println(io, table(['action', ...ACTION_KINDS], [['all', ...ACTION_KINDS.map((k) => String(r.counts[k]))]]));
  const sites = Object.keys(r.bySite).sort();
  if (sites.length)
    println(
      io,
      table(
        ['site', ...ACTION_KINDS],
        sites.map((s) => [s, ...ACTION_KINDS.map((k) => String(r.bySite[s]?.[k] ?? 0))]),
      ),
    );
  if (r.leavesSkipped) println(io, `${r.leavesSkipped} leaver(s) not planned (leaves are off)`);
  for (const p of r.problems.slice(0, 20)) {
    const where = 'line' in p.origin ? `line ${p.origin.line}` : `page ${p.origin.page}`;
    println(io, paint(io, 'stdout', 'yellow', `problem  ${where}  ${p.reason}  ${maskEmails(p.detail)}${p.employeeId ? `  (${p.employeeId})` : ''}`));
  }
  if (r.problems.length > 20) println(io, `… and ${r.problems.length - 20} more problem(s) (--json lists all)`);
  if (r.guard.hold) println(io, paint(io, 'stdout', 'red', `leaves held by the mass-change guard: ${r.guard.reasons.join('; ')}`));
  if (rows.length)
    println(
      io,
      table(
        ['action', 'employee', 'email', 'site', 'note'],
        rows.map((x) => [x.action, x.employeeId, x.email ?? '', x.site, x.note ?? '']),
      ),
    );
}

/** Applies with a progress bar per stage; resolves to the events settled (undefined when not waited for). */
async function applyWithProgress(
  ctx: CommandContext,
  flags: ReconcileFlags,
  deps: ReconcileDeps,
  prepared: PreparedPlan,
): Promise<{ report: ReconcileReport; settled?: number }> {
  const sending = prepared.events.filter((e) => e.queue !== 'leave' || !prepared.report.guard.hold);
  const enqueued = new Progress(ctx.io, 'enqueued', sending.length);
  const report = await applyPlan(deps, prepared, { onProgress: () => enqueued.tick() });
  enqueued.finish();
  if (report.heldPlanId)
    eprintln(
      ctx.io,
      paint(ctx.io, 'stderr', 'red', `leaves held as plan ${report.heldPlanId}: review, then npm run reconcile -- --release ${report.heldPlanId}`),
    );
  if (!flags.wait || !sending.length) return { report };
  const drained = new Progress(ctx.io, 'drained', sending.length);
  let last = 0;
  const settled = await waitForSettled(
    deps.ledger,
    report.eventSource,
    sending.map((e) => e.event),
    {
      timeoutMs: flags.wait * 1000,
      onProgress: (n) => {
        if (n > last) drained.tick(n - last);
        last = Math.max(last, n);
      },
    },
  );
  drained.finish();
  return { report, settled };
}

/** The ETA of a backfill at `rate` SAG calls a second (a join costs one Create when nothing is in the way). */
function printEta(io: Io, prepared: PreparedPlan, rate: number): void {
  const calls = prepared.events.length;
  eprintln(io, `ETA ≈ ${formatAge(calls / rate)} for ${calls} event(s) at ${rate} SAG calls/s (--sag-rate; the workers find the real rate themselves)`);
}

/** `reconcile` (leaves on) or `backfill` (leaves off). */
export async function runReconcile(ctx: CommandContext, flags: ReconcileFlags, mode: 'reconcile' | 'backfill'): Promise<void> {
  const { deps, config } = await wiring(ctx.io, flags);
  if (flags.release) return release(ctx, flags, deps);
  const read = new Progress(ctx.io, 'rows read', 0);
  let seen = 0;
  const prepared = await preparePlan(deps, {
    dryRun: flags.dryRun,
    adopt: flags.adopt,
    leaves: mode === 'reconcile',
    onProgress: (p) => {
      if (p.phase !== 'apply' && p.rosterRows > seen) {
        read.tick(p.rosterRows - seen);
        seen = p.rosterRows;
      }
    },
  });
  read.finish();
  const rows = rowsOf(prepared.plan.actions, flags.rows);
  if (!flags.json) printPlan(ctx.io, prepared.report, rows);
  if (mode === 'backfill' && !flags.dryRun) printEta(ctx.io, prepared, flags.sagRate ?? (config.sagMaxCallsPerSecond || 10));
  const { report, settled } = flags.dryRun ? { report: prepared.report, settled: undefined } : await applyWithProgress(ctx, flags, deps, prepared);
  const unsettled = settled !== undefined && settled < prepared.events.length - (report.heldPlanId ? prepared.report.counts.leave : 0);
  ctx.exitCode = report.problems.length || report.heldPlanId || report.guard.hold || unsettled ? EXIT.findings : EXIT.ok;
  if (flags.json) {
    const doc: ReconcileDocument = {
      schema: 'hr-sag-sync.cli.reconcile/1',
      mode,
      report: { ...report, unmanaged: report.unmanaged.map((u) => ({ ...u, userName: maskEmails(u.userName) })) },
      rows,
      settled,
    };
    return printJson(ctx.io, doc);
  }
  const summary = flags.dryRun
    ? 'dry run: nothing applied'
    : `enqueued ${report.enqueued}, adopted ${report.adopted}${settled !== undefined ? `, settled ${settled}` : ''}`;
  println(ctx.io, paint(ctx.io, 'stdout', ctx.exitCode ? 'yellow' : 'green', summary));
}

async function release(ctx: CommandContext, flags: ReconcileFlags, deps: ReconcileDeps): Promise<void> {
  const progress = new Progress(ctx.io, 'enqueued', 0);
  const r = await releasePlan(deps, flags.release as string, () => progress.tick()).catch((err: unknown) => {
    throw err instanceof UnknownPlanError ? new UsageError(err.message) : err;
  });
  progress.finish();
  ctx.exitCode = EXIT.ok;
  if (flags.json) return printJson(ctx.io, { schema: 'hr-sag-sync.cli.reconcile-release/1', ...r });
  println(
    ctx.io,
    `released plan ${r.id} (${r.source}, held ${r.createdAt}: ${r.reasons.join('; ')}): ${r.leaves} leave(s) enqueued${r.releasedBefore ? ` (released before at ${r.releasedBefore})` : ''}`,
  );
}
