/**
 * `hr-sag-sync dlq show <messageId>`: one dead letter, decoded (the envelope, or the trigger's raw CloudEvents with
 * their bodies decoded). Peeks; a message beyond the first 16 needs `--all` (see dead-letters.ts). Exits 0 when
 * shown, 1 when not found.
 */
import type { Command } from 'commander';
import { mnsFor } from '../clients.js';
import { withTargetFlags, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { decodeRecord, describeDeadLetter, peek, scan, type DeadLetterRow } from '../dead-letters.js';
import { EXIT } from '../exit-codes.js';
import { eprintln, printJson, println } from '../io.js';
import { resolveTarget } from '../target.js';
import { loadConfig } from '../../shared/index.js';

/** `dlq show --json`. */
export interface DlqShowReport {
  schema: 'hr-sag-sync.cli.dlq-show/1';
  found: boolean;
  messageId: string;
  row?: DeadLetterRow;
  /** The decoded body: the dead-letter envelope (docs/schemas/dead-letter.v1.json) or the trigger's CloudEvents. */
  record?: unknown;
  /** The raw body when it is not JSON. */
  body?: string;
  enqueueTime?: string;
  receiveCount?: number;
}

/** Trigger dead letters carry the message body base64-encoded: decode it for reading. */
function readable(record: unknown): unknown {
  if (!Array.isArray(record)) return record;
  return record.map((ce) => {
    const body = (ce as { data?: { messageBody?: unknown } })?.data?.messageBody;
    return typeof body === 'string' ? { ...ce, data: { ...ce.data, messageBody: decodeRecord(body) ?? body } } : ce;
  });
}

async function show(ctx: CommandContext, messageId: string, flags: CommonFlags & { all?: boolean }): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  const queue = loadConfig(target.env).queues.deadLetter;
  const client = mnsFor(target);
  const messages = flags.all ? await scan(client, queue) : await peek(client, queue);
  const m = messages.find((x) => x.MessageId === messageId);
  if (!m) {
    ctx.exitCode = EXIT.findings;
    if (flags.json) return printJson(ctx.io, { schema: 'hr-sag-sync.cli.dlq-show/1', found: false, messageId } satisfies DlqShowReport);
    eprintln(ctx.io, `no dead letter ${messageId} among the ${messages.length} looked at in ${queue}${flags.all ? '' : ' (the first 16: try --all)'}`);
    return;
  }
  const record = decodeRecord(m.MessageBody);
  const report: DlqShowReport = {
    schema: 'hr-sag-sync.cli.dlq-show/1',
    found: true,
    messageId,
    row: describeDeadLetter(m, record),
    record: record === undefined ? undefined : readable(record),
    body: record === undefined ? m.MessageBody : undefined,
    enqueueTime: m.EnqueueTime === undefined ? undefined : new Date(Number(m.EnqueueTime)).toISOString(),
    receiveCount: m.DequeueCount === undefined ? undefined : Number(m.DequeueCount),
  };
  if (flags.json) return printJson(ctx.io, report);
  println(ctx.io, `message ${messageId} in ${queue}, enqueued ${report.enqueueTime ?? '?'}, received ${report.receiveCount ?? '?'} time(s)`);
  println(ctx.io, JSON.stringify(report.record ?? report.body, null, 2));
}

export function register(parent: Command, ctx: CommandContext): void {
  withTargetFlags(parent.command('show').description('print one dead letter, decoded').argument('<messageId>', 'the MNS message id (from `dlq list`)'))
    .option('--all', 'look beyond the first 16 messages (receives each and makes it visible again 1 s later)')
    .action((messageId: string, flags: CommonFlags & { all?: boolean }) => show(ctx, messageId, flags));
}
