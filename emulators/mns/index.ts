/**
 * A wire-level emulator of Simple Message Queue (MNS), for tests, the local stack and benchmarks: the real
 * `@alicloud/mns` client talks to it unchanged (`endpoint: emulator.url`), and `@alicloud/pop-core` can use its
 * mns-open management API (DlqPolicy). See README.md beside this file for the operations, the admin API and the
 * known divergences.
 *
 * @example
 * ```ts
 * const mns = await startMnsEmulator();
 * const client = new MNSClient(mns.accountId, { accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret, endpoint: mns.url });
 * await client.createQueue('q');
 * await mns.close();
 * ```
 */
import http from 'node:http';
import { listen } from '../common/http.js';
import type { FaultInjector } from '../common/faults.js';
import type { MnsCredential } from './auth.js';
import { createMnsServer } from './server.js';
import { validateAttributes, type DlqPolicy, type QueueAttributes } from './queue-store.js';

export { MnsApiError, type DlqPolicy, type QueueAttributes } from './queue-store.js';
export { mnsSignature, mnsStringToSign } from './auth.js';
export { MNS_THROTTLE_ERROR } from './server.js';

export const MNS_DEFAULT_PORT = 9100;

export interface MnsEmulatorOptions {
  host?: string;
  /** 0 (default) = ephemeral; the CLI uses 9100. */
  port?: number;
  accountId?: string;
  region?: string;
  /** Accepted AccessKeys (default `local-ak` / `local-sk`). */
  credentials?: MnsCredential[];
  /** Allowed Date skew, seconds (default 900). */
  maxDateSkewSeconds?: number;
  seed?: number;
  now?: () => number;
}

export interface MnsEmulator {
  url: string;
  port: number;
  accountId: string;
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  faults: FaultInjector;
  createQueue(name: string, attributes?: Partial<QueueAttributes>): void;
  setDlqPolicy(queue: string, policy: DlqPolicy | undefined): void;
  /** Messages in a queue, whatever their state (active, inactive, delayed); 0 for an unknown queue. */
  queueDepth(name: string): number;
  snapshot(): ReturnType<ReturnType<typeof createMnsServer>['snapshot']>;
  reset(): void;
  close(): Promise<void>;
}

export async function startMnsEmulator(options: MnsEmulatorOptions = {}): Promise<MnsEmulator> {
  const credentials = options.credentials?.length ? options.credentials : [{ accessKeyId: 'local-ak', accessKeySecret: 'local-sk' }];
  let url = '';
  const parts = createMnsServer({
    accountId: options.accountId ?? '1234567890123456',
    region: options.region ?? 'cn-shanghai',
    credentials,
    maxDateSkewSeconds: options.maxDateSkewSeconds ?? 900,
    seed: options.seed,
    now: options.now,
    url: () => url,
  });
  const server = http.createServer(parts.listener);
  const running = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  url = running.url;
  const first = credentials[0] as MnsCredential;
  return {
    url,
    port: running.port,
    accountId: parts.store.accountId,
    region: parts.store.region,
    accessKeyId: first.accessKeyId,
    accessKeySecret: first.accessKeySecret,
    faults: parts.faults,
    createQueue: (name, attributes = {}) => {
      parts.store.create(name, validateAttributes(attributes as Record<string, unknown>));
    },
    setDlqPolicy: (queue, policy) => parts.store.setDlqPolicy(queue, policy),
    queueDepth: (name) => {
      const q = parts.store.queues.get(name);
      return q ? q.messages.size : 0;
    },
    snapshot: parts.snapshot,
    reset: parts.reset,
    close: async () => {
      parts.close();
      await running.close();
    },
  };
}

/**
 * Options from the environment: `MNS_EMULATOR_HOST`, `MNS_EMULATOR_PORT` (default 9100), `EMULATOR_ACCOUNT_ID`,
 * `EMULATOR_REGION`, `EMULATOR_ACCESS_KEY_ID` + `EMULATOR_ACCESS_KEY_SECRET`, `EMULATOR_SEED`.
 */
export function mnsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MnsEmulatorOptions {
  const port = env.MNS_EMULATOR_PORT ? Number(env.MNS_EMULATOR_PORT) : MNS_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MNS_EMULATOR_PORT must be a port number (got "${env.MNS_EMULATOR_PORT}")`);
  return {
    host: env.MNS_EMULATOR_HOST || '127.0.0.1',
    port,
    accountId: env.EMULATOR_ACCOUNT_ID || undefined,
    region: env.EMULATOR_REGION || undefined,
    credentials: env.EMULATOR_ACCESS_KEY_ID && env.EMULATOR_ACCESS_KEY_SECRET ? [{ accessKeyId: env.EMULATOR_ACCESS_KEY_ID, accessKeySecret: env.EMULATOR_ACCESS_KEY_SECRET }] : undefined,
    seed: env.EMULATOR_SEED ? Number(env.EMULATOR_SEED) : undefined,
  };
}
