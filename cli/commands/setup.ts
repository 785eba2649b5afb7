/**
 * `hr-sag-sync setup [--dry-run] [--max-receive-count 10]`: creates or updates the queues and the worker queues'
 * dead-letter policy, and the employee ledger's table when a ledger is configured, idempotently (deploy/setup.ts: the desired state and how it is reached). Exits 1 when a queue
 * could not be provisioned; dead-letter policy warnings do not count.
 */
import type { Command } from 'commander';
import { clientsFor, MAX_RECEIVE_COUNT, queueSpecs, setupQueues, type DlqResult, type QueueResult } from '../../deploy/setup.js';
import { OPERATOR_LEDGER_TIMEOUT_MS } from '../clients.js';
import { positiveInt, withTargetFlags, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { eprintln, printJson, println } from '../io.js';
import { Progress } from '../progress.js';
import { resolveTarget } from '../target.js';
import { ensureLedgerTable, ledgerClient, loadConfig, type Config, type Credentials, type EnsureResult } from '../../shared/index.js';

/** `setup --json`. */
export interface SetupCliReport {
  schema: 'hr-sag-sync.cli.setup/1';
  dryRun: boolean;
  /** False when a queue could not be created or updated. */
  ok: boolean;
  /** Per queue: created, unchanged, updated (with changes), would-create, would-update, failed. */
  queues: QueueResult[];
  /** Per worker queue: dlq-set, dlq-unchanged, dlq-would-set, dlq-warning. */
  dlq: DlqResult[];
  /** The employee ledger's table, when a ledger is configured (TABLESTORE_INSTANCE): created, unchanged or would-create. */
  ledger?: EnsureResult;
}

/** The ledger table, as the workers need it (shared/ledger/table.ts). */
async function setupLedger(config: Config, credentials: Credentials, dryRun: boolean): Promise<EnsureResult | undefined> {
  const l = config.ledger;
  if (!l) return undefined;
  return ensureLedgerTable(ledgerClient(l, credentials, OPERATOR_LEDGER_TIMEOUT_MS), l.table, dryRun);
}

async function setup(ctx: CommandContext, flags: CommonFlags & { dryRun?: boolean; maxReceiveCount: number }): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  const config = loadConfig(target.env);
  const specs = queueSpecs(config.queues, flags.maxReceiveCount);
  if (!flags.json)
    println(
      ctx.io,
      `${flags.dryRun ? '[dry run] ' : ''}queues in ${target.region} (account ${target.accountId}) via ${target.mnsEndpoint}; dead-letter policies via ${target.mnsOpenEndpoint}`,
    );
  const { mns, mnsOpen } = clientsFor({
    accountId: target.accountId,
    endpoint: target.mnsEndpoint,
    mnsOpenEndpoint: target.mnsOpenEndpoint,
    credentials: target.credentials,
  });
  const progress = new Progress(ctx.io, 'setup', specs.length + specs.filter((s) => s.dlq).length);
  const report = await setupQueues({
    mns,
    mnsOpen,
    queues: specs,
    dryRun: flags.dryRun,
    print: (line) => {
      if (line.startsWith('WARNING:')) return eprintln(ctx.io, line);
      progress.tick();
      if (!flags.json) println(ctx.io, line);
    },
  });
  progress.finish();
  const ledger = await setupLedger(config, target.credentials, !!flags.dryRun);
  if (ledger && !flags.json) println(ctx.io, `ledger table ${ledger.table}: ${ledger.action}${ledger.notes.length ? ` (${ledger.notes.join('; ')})` : ''}`);
  ctx.exitCode = report.ok ? EXIT.ok : EXIT.findings;
  if (flags.json) printJson(ctx.io, { schema: 'hr-sag-sync.cli.setup/1', dryRun: !!flags.dryRun, ...report, ledger } satisfies SetupCliReport);
}

export function register(parent: Command, ctx: CommandContext): void {
  withTargetFlags(parent.command('setup').description('create or update the queues, their dead-letter policy and the ledger table (idempotent)'))
    .option('--dry-run', 'change nothing; say what would change')
    .option('--max-receive-count <n>', "receives before MNS moves a worker queue's message to the dead-letter queue", positiveInt, MAX_RECEIVE_COUNT)
    .action((flags: CommonFlags & { dryRun?: boolean; maxReceiveCount: number }) => setup(ctx, flags));
}
