/**
 * The `reconcile` function's handler (FC 3.0 timer trigger): parse the timer event, run a reconcile of the
 * configured roster (reconcile.ts), map the outcome. The timer event
 * (https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers) is
 * `{"triggerTime":"2026-11-23T08:00:00Z","triggerName":"reconcile-schedule","payload":"…"}`; the payload is unused.
 *
 * | outcome | returns / throws |
 * | --- | --- |
 * | `RECONCILE_SOURCE` unset | `{status: 'off'}` (logged once per invocation) |
 * | not a timer event | `{status: 'refused'}`, nothing read or applied (a manual invocation with a wrong body) |
 * | applied (leaves included, or none) | `{status: 'applied', counts, …}` |
 * | leaves held by the guard | `{status: 'held', heldPlanId, …}` (the error line names the plan) |
 * | roster unreadable (RosterReadError), configuration invalid, SAG or ledger unreachable | throws: the invocation fails, nothing of the plan was applied when the roster or SAG could not be read |
 *
 * @example
 * ```ts
 * export const handler = createReconcileHandler(); // functions/reconcile/index.ts
 * ```
 */
import * as z from 'zod/mini';
import { loadConfig, type Config } from '../config.js';
import { resolveCredentials, type FcContext } from '../credentials.js';
import { SOFT_DEADLINE_SHARE } from '../limits.js';
import { createLogger } from '../logger.js';
import type { QueueSender } from '../mns/queue.js';
import type { RosterReader, RosterSource } from '../roster/roster.js';
import { SiteDirectory } from '../sites.js';
import { reconcileDeps } from './deps.js';
import { reconcile, type ActionCounts } from './reconcile.js';
import { configuredRosterReader } from './roster-reader.js';

/** The function's timeout when the context does not say (s.yaml gives it 900 s). */
const DEFAULT_TIMEOUT_S = 900;

const TimerEventSchema = z.lazy(() =>
  z.object({ triggerTime: z.iso.datetime({ offset: true }), triggerName: z.string().check(z.minLength(1)), payload: z.optional(z.string()) }),
);

export type ReconcileOutcome =
  | { status: 'off' | 'refused'; detail: string }
  | { status: 'applied' | 'held'; triggerTime: string; counts: ActionCounts; enqueued: number; problems: number; heldPlanId?: string };

export interface ReconcileHandlerOptions {
  env?: NodeJS.ProcessEnv;
  /** The roster reader of a source (default: the configured one, roster-reader.ts). */
  readerFor?: (config: Config, source: RosterSource) => RosterReader;
  /** The queue sender (default: MNS with the invocation's credentials). */
  sender?: QueueSender;
}

/** The timer event, or undefined when the body is not one. FC passes the event as a Buffer of JSON. */
export function parseTimerEvent(event: unknown): z.infer<typeof TimerEventSchema> | undefined {
  let value: unknown = event;
  try {
    if (Buffer.isBuffer(value)) value = value.toString('utf8');
    if (typeof value === 'string') value = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = TimerEventSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export function createReconcileHandler(options: ReconcileHandlerOptions = {}) {
  const env = options.env ?? process.env;
  // Validated once, at cold start; a bad configuration fails every invocation with its ConfigError.
  let boot: { config: Config; directory: SiteDirectory } | { error: unknown };
  try {
    boot = { config: loadConfig(env), directory: SiteDirectory.fromEnv(env) };
  } catch (error) {
    boot = { error };
  }
  const log = createLogger({ fn: 'reconcile' }, 'config' in boot ? boot.config.logLevel : undefined);
  const readerFor = options.readerFor ?? ((c: Config, s: RosterSource) => configuredRosterReader(c, s, env));

  return async function handler(event: unknown, context: FcContext = {}): Promise<ReconcileOutcome> {
    if ('error' in boot) throw boot.error;
    const { config, directory } = boot;
    const timer = parseTimerEvent(event);
    if (!timer) {
      log.warn('reconcile refused: not a timer event', { requestId: context.requestId });
      return { status: 'refused', detail: 'expected an FC timer event {triggerTime, triggerName, payload}' };
    }
    const source = config.reconcile.source;
    if (!source) {
      log.info('reconcile off: RECONCILE_SOURCE is unset', { triggerName: timer.triggerName });
      return { status: 'off', detail: 'RECONCILE_SOURCE is unset' };
    }
    const deps = reconcileDeps({
      config,
      directory,
      credentials: resolveCredentials(context, env),
      reader: readerFor(config, source),
      accountId: context.accountId,
      sender: options.sender,
      deadline: Date.now() + SOFT_DEADLINE_SHARE * (context.function?.timeout ?? DEFAULT_TIMEOUT_S) * 1000,
      log: log.child({ requestId: context.requestId, triggerName: timer.triggerName }),
    });
    const report = await reconcile(deps).catch((err: unknown) => {
      log.error('reconcile failed: nothing of this run was applied past the failure', { error: err, source });
      throw err;
    });
    return {
      status: report.heldPlanId ? 'held' : 'applied',
      triggerTime: timer.triggerTime,
      counts: report.counts,
      enqueued: report.enqueued,
      problems: report.problems.length,
      heldPlanId: report.heldPlanId,
    };
  };
}
