/**
 * `hr-sag-sync dlq purge [--reason R] [--employee E] [--since 2h] --yes`: deletes the dead letters that match (all
 * of them without a filter). Without `--yes` it deletes nothing and exits 2.
 */
import type { Command } from 'commander';
import { mnsFor } from '../clients.js';
import { withTargetFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { decodeRecord, describeDeadLetter, matches } from '../dead-letters.js';
import { UsageError } from '../exit-codes.js';
import { filtersOf, withFilterFlags, type FilterFlags } from '../filters.js';
import { printJson, println } from '../io.js';
import { Progress } from '../progress.js';
import { resolveTarget } from '../target.js';
import { queueRow } from './queues.js';
import { loadConfig, walkQueue } from '../../shared/index.js';

/** `dlq purge --json`. */
export interface DlqPurgeReport {
  schema: 'hr-sag-sync.cli.dlq-purge/1';
  deleted: number;
  /** Not selected by the filters (left untouched). */
  kept: number;
  /** The ids of the deleted messages. */
  messageIds: string[];
}

async function purge(ctx: CommandContext, flags: FilterFlags & { yes?: boolean }): Promise<void> {
  if (!flags.yes) throw new UsageError('purge deletes dead letters for good: add --yes (`dlq list` with the same filters shows what would go)');
  const target = await resolveTarget(ctx.io, flags);
  const queue = loadConfig(target.env).queues.deadLetter;
  const client = mnsFor(target);
  const progress = new Progress(ctx.io, 'purge', (await queueRow(client, 'deadLetter', queue)).visible);
  const filters = filtersOf(flags);
  const messageIds: string[] = [];
  let kept = 0;
  await walkQueue(client, queue, async (m) => {
    progress.tick();
    const record = decodeRecord(m.MessageBody);
    if (!matches(describeDeadLetter(m, record), record, filters)) {
      kept++;
      return 'release';
    }
    messageIds.push(m.MessageId);
    return 'delete';
  });
  progress.finish();
  if (flags.json) return printJson(ctx.io, { schema: 'hr-sag-sync.cli.dlq-purge/1', deleted: messageIds.length, kept, messageIds } satisfies DlqPurgeReport);
  println(ctx.io, `deleted ${messageIds.length} dead letter(s) from ${queue}${kept ? `, ${kept} not selected` : ''}`);
}

export function register(parent: Command, ctx: CommandContext): void {
  const cmd = parent.command('purge').description('delete dead letters for good (needs --yes)');
  withTargetFlags(withFilterFlags(cmd))
    .option('--yes', 'really delete')
    .action((flags: FilterFlags & { yes?: boolean }) => purge(ctx, flags));
}
