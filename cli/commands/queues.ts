/**
 * `hr-sag-sync queues`: per queue, the visible, delayed and in-flight message counts (GetQueueAttributes) and the
 * age of the oldest visible message (GetQueueAttributes has no such attribute: the enqueue times of a peek of the
 * first 16 visible messages). Exits 1 when the dead-letter queue is not empty or a queue is missing, so cron or
 * CloudMonitor can alert on it.
 */
import type { Command } from 'commander';
import type MNSClient from '@alicloud/mns/lib/client.js';
import { mnsFor } from '../clients.js';
import { withTargetFlags, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { peek } from '../dead-letters.js';
import { EXIT } from '../exit-codes.js';
import { formatAge, paint, printJson, println, table } from '../io.js';
import { resolveTarget } from '../target.js';
import { loadConfig, type QueueNames } from '../../shared/index.js';

/** One queue in `queues --json`. */
export interface QueueRow {
  role: keyof QueueNames;
  name: string;
  exists: boolean;
  visible: number;
  delayed: number;
  inFlight: number;
  /** Seconds since the oldest of the first 16 visible messages was enqueued; null when none is visible. */
  oldestAgeSeconds: number | null;
}

/** `queues --json`. */
export interface QueuesReport {
  schema: 'hr-sag-sync.cli.queues/1';
  queues: QueueRow[];
  /** Messages in the dead-letter queue, whatever their state. */
  deadLetters: number;
}

/** The counts of one queue (exists: false when MNS answers QueueNotExist). */
export async function queueRow(client: MNSClient, role: keyof QueueNames, name: string, now = Date.now()): Promise<QueueRow> {
  let attrs: Record<string, unknown>;
  try {
    attrs = ((await client.getQueueAttributes(name)).body ?? {}) as Record<string, unknown>;
  } catch (err) {
    if ((err as { name?: string }).name === 'MNSQueueNotExistError')
      return { role, name, exists: false, visible: 0, delayed: 0, inFlight: 0, oldestAgeSeconds: null };
    throw err;
  }
  const visible = Number(attrs.ActiveMessages ?? 0);
  let oldestAgeSeconds: number | null = null;
  if (visible > 0) {
    const times = (await peek(client, name)).map((m) => Number(m.EnqueueTime)).filter(Number.isFinite);
    if (times.length) oldestAgeSeconds = Math.max(0, (now - Math.min(...times)) / 1000);
  }
  return { role, name, exists: true, visible, delayed: Number(attrs.DelayMessages ?? 0), inFlight: Number(attrs.InactiveMessages ?? 0), oldestAgeSeconds };
}

async function queues(ctx: CommandContext, flags: CommonFlags): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  const names = loadConfig(target.env).queues;
  const client = mnsFor(target);
  const rows = await Promise.all((Object.keys(names) as Array<keyof QueueNames>).map((role) => queueRow(client, role, names[role])));
  const dlq = rows.find((r) => r.role === 'deadLetter') as QueueRow;
  const deadLetters = dlq.visible + dlq.delayed + dlq.inFlight;
  ctx.exitCode = deadLetters > 0 || rows.some((r) => !r.exists) ? EXIT.findings : EXIT.ok;
  if (flags.json) return printJson(ctx.io, { schema: 'hr-sag-sync.cli.queues/1', queues: rows, deadLetters } satisfies QueuesReport);
  const cells = rows.map((r) =>
    r.exists
      ? [r.name, String(r.visible), String(r.delayed), String(r.inFlight), r.oldestAgeSeconds === null ? '-' : formatAge(r.oldestAgeSeconds)]
      : [r.name, 'missing', '', '', ''],
  );
  println(ctx.io, table(['queue', 'visible', 'delayed', 'in flight', 'oldest'], cells));
  if (deadLetters > 0) println(ctx.io, paint(ctx.io, 'stdout', 'red', `${deadLetters} dead letter(s) in ${dlq.name}: \`hr-sag-sync dlq list\``));
  for (const r of rows.filter((x) => !x.exists)) println(ctx.io, paint(ctx.io, 'stdout', 'red', `queue ${r.name} does not exist: \`hr-sag-sync setup\``));
}

export function register(parent: Command, ctx: CommandContext): void {
  withTargetFlags(parent.command('queues').description('message counts per queue; exits 1 when the dead-letter queue is not empty')).action(
    (flags: CommonFlags) => queues(ctx, flags),
  );
}
