/**
 * What a worker is to the runtime: a {@link WorkerDefinition} (a name, an event schema and a `handle` function
 * returning an {@link Outcome}), and the {@link WorkerContext} the runtime hands to `handle`.
 */
import type * as z from 'zod/mini';
import type { Config } from '../config.js';
import type { Credentials } from '../credentials.js';
import type { Delivery } from '../events.js';
import type { LedgerRecord } from '../ledger/record.js';
import type { Logger } from '../logger.js';
import type { QueueFactory, QueueSender } from '../mns/queue.js';

/**
 * How `handle` ended when it did not throw. A thrown error is a failure (see runtime/failure.ts). `userName` is the
 * SAG user name the worker acted on when it is not the one the site's policy gives (an account the ledger knows
 * under another name, e.g. one made by hand and adopted by a reconcile), so that the ledger keeps recording it.
 */
export type Outcome =
  | { status: 'done'; detail?: string; sagRequestId?: string; userName?: string }
  | { status: 'already-done'; detail?: string; sagRequestId?: string; userName?: string }
  | { status: 'skipped'; detail: string }
  | { status: 'defer'; reason: string; message: string; sagRequestId?: string };

export interface WorkerContext<D = unknown> {
  config: Config;
  /** What the definition's `setup` built at cold start. */
  deps: D;
  /** The queue sender of this invocation (MNS with the invocation's credentials). */
  queue: QueueSender;
  log: Logger;
  credentials: Credentials;
  /** 1-based: which attempt this is across re-enqueues (in-invocation tries share one attempt number). */
  attempt: number;
  delivery: Delivery;
  messageId?: string;
  /**
   * The invocation's soft deadline, epoch milliseconds: the function timeout × SOFT_DEADLINE_SHARE after the
   * invocation started. A call that would have to wait past it (e.g. for a rate limit) should throw a
   * ThrottledError instead, so that the runtime re-enqueues the message in time.
   */
  deadline: number;
  /**
   * The employee's ledger row as the ledger step claimed it for this event (shared/ledger/step.ts); absent without
   * a ledger. The worker may read it (e.g. which instances hold the account, whether a leave disabled them); SAG
   * stays the truth.
   */
  ledgerRecord?: LedgerRecord;
}

/** The shape every canonical event shares, as far as the runtime needs it (ids for the log lines). */
export interface WorkerEvent {
  id: string;
  employee: { id: string };
}

export interface WorkerDefinition<E extends WorkerEvent, D = undefined> {
  /** The function name, as in the dead-letter envelope and logs. */
  name: string;
  /** What the worker does, for the outcome log line (e.g. `create-user`, `roam-user`). */
  action: string;
  /** The worker's own queue: where retries are re-enqueued. */
  queue(config: Config): string;
  schema: z.core.$ZodType<E>;
  /** Builds what `handle` needs beyond the config (e.g. the site directory), once per cold start. */
  setup?(config: Config, env: NodeJS.ProcessEnv): D;
  handle(event: E, ctx: WorkerContext<D>): Promise<Outcome>;
}

/**
 * How one message ended, as the runtime saw it. `throttled` and `paused` are re-enqueues that do not count
 * against the retry budget (SAG throttled longer than the invocation could wait; a breaker is open). `lost`:
 * neither finished, re-enqueued nor dead-lettered, so the invocation throws and the trigger redelivers the batch.
 */
export type MessageResult = 'done' | 'already-done' | 'skipped' | 'retry-later' | 'deferred' | 'throttled' | 'paused' | 'dead-lettered' | 'lost';

export interface BatchSummary {
  function: string;
  received: number;
  results: Record<MessageResult, number>;
}

/** Overrides for tests and the local stack; FC uses the defaults. */
export interface WorkerRuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** Supplies the queue sender for an invocation (default: MNS with the invocation's credentials). */
  queue?: QueueFactory;
  random?: () => number;
}
