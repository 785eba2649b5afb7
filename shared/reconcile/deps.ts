/**
 * The reconcile's collaborators from the configuration: the product's SAG client (with a pacer and breaker of its
 * own), the ledger and plan store on the configured Tablestore table, the MNS sender. The timer function and the
 * operator command both build them here.
 *
 * @example
 * ```ts
 * const deps = reconcileDeps({ config, directory, credentials, reader, accountId });
 * await reconcile(deps);
 * ```
 */
import type { Config } from '../config.js';
import type { Credentials } from '../credentials.js';
import { ConfigError } from '../errors.js';
import { configuredLedger, ledgerClient } from '../ledger/for-context.js';
import { createLogger, type Logger } from '../logger.js';
import { MnsQueue, type QueueSender } from '../mns/queue.js';
import type { RosterReader } from '../roster/roster.js';
import { SagClient } from '../sag/client.js';
import { createSagFlow } from '../sag/flow.js';
import type { SiteDirectory } from '../sites.js';
import { PlanStore } from './plan-store.js';
import type { ReconcileDeps } from './reconcile.js';

export interface ReconcileWiring {
  config: Config;
  directory: SiteDirectory;
  credentials: Credentials;
  reader: RosterReader;
  /** The account owning the queues (config's MNS_ACCOUNT_ID, else the FC context's). */
  accountId?: string;
  /** Endpoint overrides (the operator command uses the public endpoints). */
  mnsEndpoint?: string;
  sagEndpoint?: string;
  sender?: QueueSender;
  log?: Logger;
  /**
   * Until when (epoch ms) a throttled or queued Describe may keep waiting for its turn (default: 10 minutes from
   * now; the timer function passes its soft deadline). A reconcile reads hundreds of pages through one pacer, so
   * a call may queue far longer than a worker's single call.
   */
  deadline?: number;
}

/** How long a reconcile's Describe may wait for its pacing turn when no deadline is given. */
export const RECONCILE_SAG_WAIT_MS = 10 * 60_000;

/** Throws ConfigError when no ledger is configured: a reconcile needs it (managed accounts, held plans). */
export function reconcileDeps(w: ReconcileWiring): ReconcileDeps {
  const { config } = w;
  if (!config.ledger) throw new ConfigError('reconcile needs the employee ledger: set TABLESTORE_INSTANCE (and run setup)');
  const flow = createSagFlow(config);
  return {
    reader: w.reader,
    directory: w.directory,
    sag: new SagClient({ endpoint: w.sagEndpoint ?? config.sagEndpoint, credentials: w.credentials, timeoutMs: config.sagTimeoutMs, flow }).withDeadline(
      w.deadline ?? Date.now() + RECONCILE_SAG_WAIT_MS,
    ),
    ledger: configuredLedger(config.ledger, w.credentials),
    plans: new PlanStore(ledgerClient(config.ledger, w.credentials), config.ledger.table),
    sender:
      w.sender ??
      new MnsQueue({
        accountId: config.accountId ?? w.accountId ?? '',
        region: config.region,
        endpoint: w.mnsEndpoint ?? config.mnsEndpoint,
        credentials: w.credentials,
      }),
    queues: config.queues,
    limits: { maxLeaves: config.reconcile.maxLeaves, maxLeavePercent: config.reconcile.maxLeavePercent },
    log: w.log ?? createLogger({ fn: 'reconcile' }, config.logLevel),
  };
}
