/**
 * `hr-sag-sync dlq redrive [--reason R] [--employee E] [--since 2h] [--rate N] [--max N] [--dry-run]`: moves dead
 * letters back to their queues once their cause is fixed (shared/redrive.ts decides per record: `site.unmapped` is
 * routed again with the current site directory, canonical events go back to their queue, the rest stays), at
 * `--rate` messages per second, with a progress bar on stderr. A dry run sends and deletes nothing and says
 * "would resend". Exits 1 when a selected dead letter had to stay.
 */
import type { Command } from 'commander';
import { mnsFor } from '../clients.js';
import { positiveInt, positiveNumber, withTargetFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { describeDeadLetter, matches } from '../dead-letters.js';
import { EXIT } from '../exit-codes.js';
import { filtersOf, withFilterFlags, type FilterFlags } from '../filters.js';
import { paint, printJson, println } from '../io.js';
import { Progress } from '../progress.js';
import { resolveTarget } from '../target.js';
import { queueRow } from './queues.js';
import { SiteDirectory, loadConfig, maskEmails, redriveDeadLetters, type RedriveOutcome } from '../../shared/index.js';

interface RedriveFlags extends FilterFlags {
  rate: number;
  max?: number;
  dryRun?: boolean;
}

/** One record of `dlq redrive --json`. */
export interface RedriveRecord {
  messageId: string;
  reason: string;
  employeeId?: string;
  /** `resent`, `would-resend` (dry run) or `kept` (stays in the dead-letter queue; `note` says why). */
  result: 'resent' | 'would-resend' | 'kept';
  queues: string[];
  note: string;
}

/** `dlq redrive --json`. */
export interface DlqRedriveReport {
  schema: 'hr-sag-sync.cli.dlq-redrive/1';
  dryRun: boolean;
  /** Resent (in a dry run: would be resent). */
  resent: number;
  /** Selected but kept: they still cannot be carried out. */
  kept: number;
  /** Not selected by the filters (left untouched). */
  skipped: number;
  records: RedriveRecord[];
}

const LABEL: Record<RedriveRecord['result'], string> = { resent: 'resent', 'would-resend': 'would resend', kept: 'kept' };

function recordOf(o: RedriveOutcome): RedriveRecord {
  const row = describeDeadLetter({ MessageId: o.messageId, MessageBody: '' }, o.record);
  return {
    messageId: o.messageId,
    reason: row.reason,
    employeeId: row.employeeId,
    result: o.result as RedriveRecord['result'],
    queues: o.queues,
    note: maskEmails(o.note),
  };
}

async function redrive(ctx: CommandContext, flags: RedriveFlags): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  const config = loadConfig(target.env);
  const directory = SiteDirectory.fromEnv(target.env);
  const client = mnsFor(target);
  const before = await queueRow(client, 'deadLetter', config.queues.deadLetter);
  const progress = new Progress(ctx.io, flags.dryRun ? 'dry run' : 'redrive', Math.min(before.visible, flags.max ?? Infinity));
  const filters = filtersOf(flags);
  const records: RedriveRecord[] = [];
  const counts = await redriveDeadLetters({
    client,
    directory,
    queues: config.queues,
    dryRun: flags.dryRun,
    ratePerSecond: flags.rate,
    max: flags.max,
    select: (record, m) => matches(describeDeadLetter(m, record), record, filters),
    onRecord: (o) => {
      progress.tick();
      if (o.result === 'skipped') return;
      const r = recordOf(o);
      records.push(r);
      const label = flags.dryRun && r.result === 'kept' ? 'would keep' : LABEL[r.result];
      if (!flags.json) println(ctx.io, `${label.padEnd(12)} ${r.messageId}  ${r.reason}  ${r.queues.length ? `→ ${r.queues.join(', ')}  ` : ''}${r.note}`);
    },
  });
  progress.finish();
  ctx.exitCode = counts.kept > 0 ? EXIT.findings : EXIT.ok;
  if (flags.json) return printJson(ctx.io, { schema: 'hr-sag-sync.cli.dlq-redrive/1', dryRun: !!flags.dryRun, ...counts, records } satisfies DlqRedriveReport);
  const summary = flags.dryRun ? `dry run: would resend ${counts.resent}, would keep ${counts.kept}` : `resent ${counts.resent}, kept ${counts.kept}`;
  println(ctx.io, paint(ctx.io, 'stdout', counts.kept ? 'yellow' : 'green', `${summary}${counts.skipped ? `, ${counts.skipped} not selected` : ''}`));
}

export function register(parent: Command, ctx: CommandContext): void {
  const cmd = parent.command('redrive').description('move dead letters back to their queues once the cause is fixed');
  withTargetFlags(withFilterFlags(cmd))
    .option('--rate <n>', 'messages sent per second', positiveNumber, 10)
    .option('--max <n>', 'stop after this many dead letters', positiveInt)
    .option('--dry-run', 'send and delete nothing; say what would be resent')
    .action((flags: RedriveFlags) => redrive(ctx, flags));
}
