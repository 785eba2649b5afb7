/**
 * `hr-sag-sync reconcile [--local] [--source feishu|dingtalk|wecom|file] [--file roster.csv] [--dry-run] [--json]
 * [--adopt] [--release ID]`: reads the roster, plans (joins, transfers, enables, leaves, adoptions), prints counts
 * per action and per site and the first rows, then applies through the queues with progress bars (rows read,
 * enqueued, drained). The mass-change guard may hold the leaves as a plan; `--release <id>` applies it.
 */
import type { Command } from 'commander';
import { duration, positiveInt, withTargetFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { runReconcile, type ReconcileFlags } from '../reconcile-run.js';

/** The flags reconcile and backfill share. */
export function withReconcileFlags(cmd: Command): Command {
  return withTargetFlags(cmd)
    .option('--source <source>', 'the roster: feishu, dingtalk, wecom or file (default: file with --file, else RECONCILE_SOURCE)')
    .option('--file <path>', 'a roster file (CSV with a header, JSON array or JSON Lines)')
    .option('--dry-run', 'print the plan; enqueue and write nothing')
    .option('--rows <n>', 'how many of the first rows of the plan to print', positiveInt, 20)
    .option('--wait <duration>', 'how long to wait for the workers to settle the enqueued events (0s: do not wait)', (v) => (v === '0' ? 0 : duration(v)), 600);
}

export function register(parent: Command, ctx: CommandContext): void {
  const cmd = parent.command('reconcile').description('converge SAG on the HR roster: joins, transfers, rehires, leaves (guarded)');
  withReconcileFlags(cmd)
    .option('--adopt', 'treat every account on the directory instances as managed (unlisted ones become leavers)')
    .option('--release <planId>', 'apply the leaves of a plan the mass-change guard held')
    .action((flags: ReconcileFlags) => runReconcile(ctx, flags, 'reconcile'));
}
