/**
 * `hr-sag-sync status <employeeId|email>`: what the system holds about one employee.
 * - the ledger (when one is configured): the employee's row under each HR source, with its history (by employee
 *   id; by email through a scan of the ledger's emails, plus the id a queued message reveals);
 * - SAG: the account on each of the directory's instances (a roamed account shows on several), by
 *   DescribeSmartAccessGatewayClientUsers with the user name the site's policy gives (or the email filter);
 * - the queues: messages about the employee waiting in the work queues and the dead-letter queue, peeked (never
 *   received; MNS peeks the first 16 visible messages of each queue).
 * - what a reconcile would do for them, with `--source`/`--file` or when RECONCILE_SOURCE is set (cli/status-plan.ts).
 * Exits 1 when a dead letter about the employee is waiting.
 */
import type { Command } from 'commander';
import type MNSClient from '@alicloud/mns/lib/client.js';
import { mnsFor, OPERATOR_LEDGER_TIMEOUT_MS, sagFor } from '../clients.js';
import { withTargetFlags, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { decodeRecord, describeDeadLetter, employeeOf, peek } from '../dead-letters.js';
import { EXIT } from '../exit-codes.js';
import { formatAge, printJson, println, table } from '../io.js';
import { resolveTarget } from '../target.js';
import { statusPlan, type StatusPlan, type StatusPlanFlags } from '../status-plan.js';
import {
  SOURCES,
  SagCallError,
  configuredLedger,
  SiteDirectory,
  ledgerClient,
  ledgerKey,
  ledgerKeysByEmail,
  loadConfig,
  maskEmails,
  userNameFor,
  type Config,
  type Credentials,
  type LedgerRecord,
  type QueueNames,
  type SagClient,
  type SiteEntry,
} from '../../shared/index.js';

/** The employee's account on one instance. */
export interface AccountRow {
  site: string;
  smartAGId: string;
  regionId: string;
  /** `present`, `absent`, `unknown` (no user name to look for), or `error` (see `detail`). */
  account: 'present' | 'absent' | 'unknown' | 'error';
  userName?: string;
  /** SAG's State: `enabled` (0), `disabled` (1), or the raw number. */
  state?: string;
  detail?: string;
}

/** A message about the employee in a queue. */
export interface MessageRow {
  queue: string;
  role: keyof QueueNames;
  messageId: string;
  /** The event type (work queues) or the dead-letter reason. */
  what: string;
  ageSeconds: number;
}

/** `status --json`. */
export interface StatusReport {
  schema: 'hr-sag-sync.cli.status/1';
  employee: { query: string; id?: string; email?: string };
  /** The employee's ledger rows (one per HR source that knows the id); absent when no ledger is configured. */
  ledger?: LedgerRecord[];
  /** Why the ledger could not be read, if it could not. */
  ledgerError?: string;
  accounts: AccountRow[];
  messages: MessageRow[];
  /** What a reconcile would do for them (with `--source`/`--file`, or when RECONCILE_SOURCE is set). */
  reconcile?: StatusPlan;
}

/**
 * The employee's rows in the ledger: by id (one per HR source that knows it) and, for an email, by a scan of the
 * table's emails (shared/ledger/by-email.ts).
 */
async function ledgerRows(config: Config, credentials: Credentials, who: { id?: string; email?: string }): Promise<{ rows?: LedgerRecord[]; error?: string }> {
  const l = config.ledger;
  if (!l) return {};
  const ledger = configuredLedger(l, credentials, OPERATOR_LEDGER_TIMEOUT_MS);
  try {
    const keys = new Set(who.id ? SOURCES.map((source) => ledgerKey(source, who.id as string)) : []);
    if (who.email) for (const k of await ledgerKeysByEmail(ledgerClient(l, credentials, OPERATOR_LEDGER_TIMEOUT_MS), l.table, who.email)) keys.add(k);
    const rows = await Promise.all([...keys].map((k) => ledger.read(k)));
    return { rows: rows.filter((r): r is LedgerRecord => r !== undefined) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** The employee id of a ledger key (`{source}:{employeeId}`). */
const idOfKey = (key: string) => key.slice(key.indexOf(':') + 1);

function printLedger(ctx: CommandContext, rows: LedgerRecord[] | undefined, error: string | undefined): void {
  if (!rows && !error) return;
  println(ctx.io, '\nledger');
  if (error || !rows?.length) {
    println(ctx.io, error ? `not readable: ${error}` : 'no row');
    return;
  }
  for (const r of rows) {
    println(ctx.io, `${r.key}  last applied ${r.lastEventId ?? '-'} at ${r.lastEventAt ?? '-'}${r.pending ? `  (being applied: ${r.pending.eventId})` : ''}`);
    println(
      ctx.io,
      table(
        ['recorded', 'event', 'type', 'result', 'reason'],
        r.history.map((h) => [h.at, h.eventId, h.type, h.result, maskEmails(h.reason ?? '')]),
      ),
    );
  }
}

const typeOf = (record: unknown) => (record as { event?: { type?: string } } | undefined)?.event?.type ?? 'message';

async function messagesAbout(client: MNSClient, queues: QueueNames, who: { id?: string; email?: string }, query: string): Promise<MessageRow[]> {
  const rows: MessageRow[] = [];
  const lower = query.toLowerCase();
  for (const role of Object.keys(queues) as Array<keyof QueueNames>) {
    for (const m of await peek(client, queues[role])) {
      const record = decodeRecord(m.MessageBody);
      const e = employeeOf(record);
      if (e.id !== query && e.email?.toLowerCase() !== lower) continue;
      who.id ??= e.id;
      who.email ??= e.email;
      const row = describeDeadLetter(m, record);
      rows.push({ queue: queues[role], role, messageId: m.MessageId, what: role === 'deadLetter' ? row.reason : typeOf(record), ageSeconds: row.ageSeconds });
    }
  }
  return rows;
}

const STATE: Record<string, string> = { '0': 'enabled', '1': 'disabled' };

async function accountOn(sag: SagClient, site: SiteEntry, who: { id?: string; email?: string }): Promise<AccountRow> {
  const base = { site: site.id, smartAGId: site.smartAGId, regionId: site.regionId };
  const known = site.userNamePolicy === 'email' ? who.email : who.id;
  if (!known) return { ...base, account: 'unknown', detail: `the ${site.userNamePolicy === 'email' ? 'email' : 'employee id'} is needed for this site` };
  const userName = userNameFor(site.userNamePolicy, { id: who.id ?? '', email: who.email ?? '' });
  try {
    const { user } = await sag.findUser(site.regionId, site.smartAGId, userName);
    if (!user) return { ...base, account: 'absent', userName };
    return { ...base, account: 'present', userName, state: user.state === undefined ? undefined : (STATE[String(user.state)] ?? String(user.state)) };
  } catch (err) {
    return { ...base, account: 'error', userName, detail: err instanceof SagCallError ? err.sagCode : String(err) };
  }
}

async function status(ctx: CommandContext, query: string, flags: CommonFlags & StatusPlanFlags): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  const config = loadConfig(target.env);
  const directory = SiteDirectory.fromEnv(target.env);
  const who: { id?: string; email?: string } = query.includes('@') ? { email: query } : { id: query };
  const messages = await messagesAbout(mnsFor(target), config.queues, who, query);
  const ledger = await ledgerRows(config, target.credentials, who);
  // The ledger's spelling of the email names the SAG account (user names are case-sensitive).
  const recorded = ledger.rows?.find((r) => r.email)?.email;
  if (recorded && (!who.email || who.email.toLowerCase() === recorded.toLowerCase())) who.email = recorded;
  who.id ??= ledger.rows?.[0] && idOfKey(ledger.rows[0].key);
  const sag = sagFor(target);
  const accounts = await Promise.all(directory.sites.map((s) => accountOn(sag, s, who)));
  const reconcile = flags.source || flags.file || config.reconcile.source ? await statusPlan(ctx.io, flags, who) : undefined;
  ctx.exitCode = messages.some((m) => m.role === 'deadLetter') ? EXIT.findings : EXIT.ok;
  if (flags.json)
    return printJson(ctx.io, {
      schema: 'hr-sag-sync.cli.status/1',
      employee: { query, ...who },
      ledger: ledger.rows,
      ledgerError: ledger.error,
      accounts,
      messages,
      reconcile,
    } satisfies StatusReport);
  println(ctx.io, ['employee', who.id, who.email && maskEmails(who.email)].filter(Boolean).join(' '));
  printLedger(ctx, ledger.rows, ledger.error);
  println(ctx.io, '\nSAG accounts');
  println(
    ctx.io,
    table(
      ['site', 'instance', 'account', 'state', 'detail'],
      accounts.map((a) => [a.site, a.smartAGId, a.account, a.state ?? '', a.detail ?? '']),
    ),
  );
  println(ctx.io, '\nqueued messages (first 16 of each queue, peeked)');
  if (!messages.length) println(ctx.io, 'none');
  else
    println(
      ctx.io,
      table(
        ['queue', 'message id', 'what', 'age'],
        messages.map((m) => [m.queue, m.messageId, m.what, formatAge(m.ageSeconds)]),
      ),
    );
  if (reconcile) printPlan(ctx, reconcile);
}

function printPlan(ctx: CommandContext, p: StatusPlan): void {
  println(ctx.io, `\nwhat a reconcile of the ${p.source} roster would do (dry run)`);
  if (p.error) {
    println(ctx.io, `no plan: ${p.error}`);
    return;
  }
  for (const pr of p.problems)
    println(ctx.io, `problem  ${'line' in pr.origin ? `line ${pr.origin.line}` : `page ${pr.origin.page}`}  ${pr.reason}  ${pr.detail}`);
  if (!p.actions.length) {
    println(ctx.io, 'nothing');
    return;
  }
  for (const a of p.actions)
    println(ctx.io, `${a.action}  ${a.site}${a.note ? `  (${a.note})` : ''}${a.action === 'leave' && p.leavesHeld ? '  held by the mass-change guard' : ''}`);
}

export function register(parent: Command, ctx: CommandContext): void {
  withTargetFlags(
    parent
      .command('status')
      .description("one employee: the ledger row and its history, SAG accounts across the directory's instances, messages waiting in the queues")
      .argument('<employeeIdOrEmail>', 'employee id or email')
      .option('--source <source>', 'also show what a reconcile of this roster would do: feishu, dingtalk, wecom or file (default: RECONCILE_SOURCE)')
      .option('--file <path>', 'the roster file for --source file'),
  ).action((query: string, flags: CommonFlags & StatusPlanFlags) => status(ctx, query, flags));
}
