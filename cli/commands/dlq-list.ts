/**
 * `hr-sag-sync dlq list [--reason R] [--employee E] [--since 2h] [--all]`: the dead letters with their reason, age,
 * attempts and employee. Peeks (nothing received); MNS peeks 16 messages at most, so `--all` walks the whole queue
 * instead (see dead-letters.ts). Exits 1 when any dead letter matches.
 */
import type { Command } from 'commander';
import { mnsFor } from '../clients.js';
import { withTargetFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { decodeRecord, describeDeadLetter, matches, peek, PEEK_LIMIT, scan, type DeadLetterRow } from '../dead-letters.js';
import { EXIT } from '../exit-codes.js';
import { filtersOf, withFilterFlags, type FilterFlags } from '../filters.js';
import { formatAge, paint, printJson, println, table } from '../io.js';
import { queueRow } from './queues.js';
import { resolveTarget } from '../target.js';
import { loadConfig } from '../../shared/index.js';

/** `dlq list --json`. */
export interface DlqListReport {
  schema: 'hr-sag-sync.cli.dlq-list/1';
  queue: string;
  /** Messages in the dead-letter queue (visible, delayed and in flight), from GetQueueAttributes. */
  total: number;
  /** Messages looked at: at most 16 for a peek, every visible one with --all. */
  examined: number;
  /** The dead letters that match the filters, oldest failure last. */
  deadLetters: DeadLetterRow[];
}

async function list(ctx: CommandContext, flags: FilterFlags & { all?: boolean }): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  const queue = loadConfig(target.env).queues.deadLetter;
  const client = mnsFor(target);
  const counts = await queueRow(client, 'deadLetter', queue);
  const messages = flags.all ? await scan(client, queue) : await peek(client, queue);
  const filters = filtersOf(flags);
  const rows = messages.flatMap((m) => {
    const record = decodeRecord(m.MessageBody);
    const row = describeDeadLetter(m, record);
    return matches(row, record, filters) ? [row] : [];
  });
  rows.sort((a, b) => a.ageSeconds - b.ageSeconds);
  const total = counts.visible + counts.delayed + counts.inFlight;
  ctx.exitCode = rows.length ? EXIT.findings : EXIT.ok;
  if (flags.json)
    return printJson(ctx.io, { schema: 'hr-sag-sync.cli.dlq-list/1', queue, total, examined: messages.length, deadLetters: rows } satisfies DlqListReport);
  if (rows.length) {
    const cells = rows.map((r) => [r.messageId, r.reason, formatAge(r.ageSeconds), String(r.attempts), r.employeeId ?? '-']);
    println(ctx.io, table(['message id', 'reason', 'age', 'attempts', 'employee'], cells));
  } else println(ctx.io, paint(ctx.io, 'stdout', 'green', `no dead letter matches in ${queue}`));
  if (!flags.all && total > messages.length && messages.length >= PEEK_LIMIT) {
    println(
      ctx.io,
      paint(ctx.io, 'stdout', 'yellow', `looked at the first ${messages.length} of ${total} (MNS peeks ${PEEK_LIMIT} at most): --all walks the whole queue`),
    );
  }
}

export function register(parent: Command, ctx: CommandContext): void {
  const cmd = parent.command('list').description('list dead letters (reason, age, attempts, employee); peeked, never received');
  withTargetFlags(withFilterFlags(cmd))
    .option('--all', 'walk the whole queue (receives each message and makes it visible again 1 s later; nothing is deleted)')
    .action((flags: FilterFlags & { all?: boolean }) => list(ctx, flags));
}
