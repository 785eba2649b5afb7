/**
 * Smart Access Gateway emulator (product `smartag`, RPC API version 2018-03-13) for `@alicloud/pop-core` over
 * loopback. See README.md in this folder.
 *
 * ```ts
 * const sag = await startSagEmulator({ instances: [{ id: 'sag-a', cidr: '10.10.0.0/16' }] });
 * const client = new RPCClient({ endpoint: sag.url, apiVersion: '2018-03-13', accessKeyId: sag.accessKeyId, accessKeySecret: sag.accessKeySecret });
 * ```
 */
import { listen } from '../common/http.js';
import type { FaultInjector } from '../common/faults.js';
import type { PopCredential } from '../common/pop-rpc.js';
import type { SagEmulatorOptions } from './config.js';
import { SagConfigError } from './errors.js';
import type { BillingClockSetting } from './billing-cycle.js';
import type { SagInstance, SagInstanceInput, SagSnapshot, SagUser, SagUserSeed } from './sag-store.js';
import { createSagServer } from './server.js';

export { SAG_ACTIONS, SAG_API_VERSION, type SagAction } from './actions.js';
export { SAG_DEFAULT_PORT, loadInstancesFile, sagOptionsFromEnv, type SagEmulatorOptions } from './config.js';
export { SAG_ERROR_MESSAGES, SagApiError, SagConfigError, type SagErrorCode } from './errors.js';
export type { SagInstance, SagInstanceInput, SagSession, SagSnapshot, SagUser, SagUserSeed } from './sag-store.js';
export { BillingClock, billingCycleLabel, billingCycleOf, nextBillingCycleStart, type BillingClockSetting } from './billing-cycle.js';
export { SAG_THROTTLE_ERROR, createSagServer } from './server.js';

/** A running SAG emulator. */
export interface SagEmulator {
  /** e.g. `http://127.0.0.1:9200` (no trailing slash): pop-core's `endpoint`. */
  url: string;
  port: number;
  host: string;
  region: string;
  /** The first accepted AccessKey (all are in `credentials`). */
  accessKeyId: string;
  accessKeySecret: string;
  credentials: readonly PopCredential[];
  /** Fault rules (same as `/__admin/faults`). */
  faults: FaultInjector;
  /** Adds an instance (and its `users`). Throws SagConfigError on bad input or a duplicate id. */
  addInstance(input: SagInstanceInput): SagInstance;
  /** Removes an instance and its users (a deleted instance). Throws SagConfigError for an unknown one. */
  removeInstance(id: string): void;
  /** The instances, in the order added. */
  listInstances(): SagInstance[];
  /** Users of one instance in creation order. Throws SagConfigError for an unknown instance. */
  listUsers(smartAGId: string): SagUser[];
  /** Adds a user directly (no API call, no region or capability checks). Throws SagConfigError on bad input. */
  seedUser(smartAGId: string, user: SagUserSeed): SagUser;
  /** Adds many users directly, in order; stops at the first bad one (SagConfigError), keeping those before it. */
  seedUsers(smartAGId: string, users: readonly SagUserSeed[]): SagUser[];
  /** Opens `count` (default 1) client sessions of an account; also marks it as having used traffic now. */
  openSessions(smartAGId: string, userName: string, count?: number): SagUser;
  /** The account used traffic at `at` (epoch ms; default the billing clock's now); `null` forgets it. */
  markTraffic(smartAGId: string, userName: string, at?: number | null): SagUser;
  /** Fixes (`{fixedAt}`) or shifts (`{offsetMs}`) the billing-cycle clock; `{}` back to the configured clock. */
  setBillingClock(setting: BillingClockSetting): void;
  /** `x-acs-retry-after` (ms) on throttling answers from now on; undefined: none. */
  setRetryAfterMs(ms: number | undefined): void;
  /** True if the user exists with that password. */
  checkPassword(smartAGId: string, userName: string, password: string): boolean;
  /** The whole state (what `GET /__admin/state` answers). */
  snapshot(): SagSnapshot;
  /** Back to the initial instances with their seeded users; nonces forgotten; clocks as configured; no faults. */
  reset(): void;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/**
 * Starts the emulator. Defaults: host 127.0.0.1, port 0 (ephemeral), region cn-shanghai, credentials
 * local-ak/local-sk, max bandwidth 2000 Kbps. Rejects with SagConfigError on bad options.
 */
export async function startSagEmulator(options: SagEmulatorOptions = {}): Promise<SagEmulator> {
  const parts = createSagServer(options);
  const running = await listen(parts.server, options.host ?? '127.0.0.1', options.port ?? 0);
  const first = parts.credentials[0] as PopCredential;
  const { store } = parts;
  return {
    url: running.url,
    port: running.port,
    host: running.host,
    region: parts.region,
    accessKeyId: first.accessKeyId,
    accessKeySecret: first.accessKeySecret,
    credentials: parts.credentials,
    faults: parts.faults,
    addInstance: (input) => store.addInstance(input),
    removeInstance: (id) => store.removeInstance(id),
    listInstances: () => store.listInstances(),
    listUsers: (smartAGId) => {
      const users = store.listUsers(smartAGId);
      if (!users) throw new SagConfigError(`no SAG instance ${smartAGId}`);
      return users;
    },
    seedUser: (smartAGId, user) => store.seedUser(smartAGId, user),
    seedUsers: (smartAGId, users) => users.map((user) => store.seedUser(smartAGId, user)),
    openSessions: (smartAGId, userName, count) => store.openSessions(smartAGId, userName, count),
    markTraffic: (smartAGId, userName, at) => store.markTraffic(smartAGId, userName, at),
    setBillingClock: (setting) => parts.billingClock.set(setting),
    setRetryAfterMs: (ms) => {
      parts.protocol.retryAfterMs = ms;
    },
    checkPassword: (smartAGId, userName, password) => store.checkPassword(smartAGId, userName, password),
    snapshot: () => store.snapshot(),
    reset: parts.reset,
    close: running.close,
  };
}
