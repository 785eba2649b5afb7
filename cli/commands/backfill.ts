/**
 * `hr-sag-sync backfill --file employees.csv | --source …`: the first reconcile of a company that already has
 * employees (and often accounts made by hand): joins, transfers, enables and adoptions, never a leave, with
 * progress and an ETA from the SAG call rate.
 */
import type { Command } from 'commander';
import { positiveNumber } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { runReconcile, type ReconcileFlags } from '../reconcile-run.js';
import { withReconcileFlags } from './reconcile.js';

export function register(parent: Command, ctx: CommandContext): void {
  const cmd = parent.command('backfill').description('onboard an existing company from its roster: the first reconcile, with leaves off');
  withReconcileFlags(cmd)
    .option('--sag-rate <n>', 'SAG calls per second the ETA assumes (default: SAG_MAX_CALLS_PER_SECOND, else 10)', positiveNumber)
    .action((flags: ReconcileFlags) => runReconcile(ctx, flags, 'backfill'));
}
