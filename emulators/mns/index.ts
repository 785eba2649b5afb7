/**
 * A wire-level emulator of Simple Message Queue (MNS), for tests, the local stack and benchmarks: the real
 * `@alicloud/mns` client talks to it unchanged (`endpoint: emulator.url`), and `@alicloud/pop-core` can use its
 * mns-open management API (queue attributes and DlqPolicy) on the same URL. See README.md beside this file for the
 * operations, the admin API and the known divergences from the service.
 *
 * @example
 * ```ts
 * const mns = await startMnsEmulator();
 * const client = new MNSClient(mns.accountId, { accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret, endpoint: mns.url });
 * await client.createQueue('q');
 * await client.sendMessage('q', { MessageBody: Buffer.from('{"hello":1}').toString('base64') });
 * await mns.close();
 * ```
 */
import http from 'node:http';
import type { FaultInjector } from '../common/faults.js';
import { listen } from '../common/http.js';
import type { MnsSnapshot } from './admin-routes.js';
import type { MnsCredential } from './auth.js';
import { validateAttributes, type DlqPolicy, type QueueAttributes } from './queue-store.js';
import { createMnsServer } from './server.js';

export { decodeBase64Json, type MessageSnapshot, type MnsSnapshot, type QueueSnapshot } from './admin-routes.js';
export { MNS_API_VERSION, mnsSignature, mnsStringToSign, type MnsCredential } from './auth.js';
export { MNS_ERRORS, MnsApiError } from './errors.js';
export { MNS_OPEN_ACTIONS, MNS_OPEN_VERSION } from './mns-open.js';
export { DEFAULT_ATTRIBUTES, type DlqPolicy, type QueueAttributes } from './queue-store.js';
export { MNS_OPERATIONS, type MnsOperation } from './rest-api.js';
export { MNS_MAX_BODY_BYTES, MNS_THROTTLE_ERROR, createMnsServer } from './server.js';

export const MNS_DEFAULT_PORT = 9100;

export interface MnsEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = ephemeral; the CLI (`npm run emulators`) uses 9100. */
  port?: number;
  /** Default `1234567890123456`. */
  accountId?: string;
  /** Default `cn-shanghai`. */
  region?: string;
  /** Accepted AccessKeys (default one: `local-ak` / `local-sk`). The first is the handle's `accessKeyId`. */
  credentials?: readonly MnsCredential[];
  /** Allowed skew of the request Date, seconds (default 900, as the service). */
  maxDateSkewSeconds?: number;
  /** Seed for probabilistic fault rules (repeatable runs). */
  seed?: number;
  /**
   * The queues' clock (default Date.now): tests move time for delays, visibility and retention. Request `Date` headers
   * and mns-open `Timestamp`s are checked against the wall clock, so it can be moved any distance.
   */
  now?: () => number;
  /** Errors that are not API errors, answered as InternalError 500 (default: written to stderr). */
  onInternalError?: (err: unknown) => void;
}

/** A running emulator. */
export interface MnsEmulator {
  /** e.g. `http://127.0.0.1:9100` (no trailing slash): the SDKs' `endpoint`. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly accountId: string;
  readonly region: string;
  /** The first accepted AccessKey (all are in `credentials`). */
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly credentials: readonly MnsCredential[];
  /** Fault rules (same as `/__admin/faults`). */
  readonly faults: FaultInjector;
  /** Creates a queue: 'created', or 'unchanged' if it exists with these attributes. Throws MnsApiError otherwise. */
  createQueue(name: string, attributes?: Partial<QueueAttributes>): 'created' | 'unchanged';
  /** Deletes a queue and its messages (ending its long polls); false if there was none. */
  deleteQueue(name: string): boolean;
  /** Sets (`undefined`: removes) a queue's dead-letter policy. Throws MnsApiError on a bad policy. */
  setDlqPolicy(queue: string, policy: DlqPolicy | undefined): void;
  /** Sends a message directly (no HTTP); returns its id and MD5. Throws MnsApiError. */
  sendMessage(queue: string, body: string, options?: { delaySeconds?: number; priority?: number }): { messageId: string; md5: string };
  /** Messages in a queue, whatever their state (active, inactive, delayed); 0 for an unknown queue. */
  queueDepth(name: string): number;
  /** The whole state (what `GET /__admin/state` answers). */
  snapshot(): MnsSnapshot;
  /** Queues, messages, long polls and fault rules cleared. */
  reset(): void;
  /** Ends long polls, stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts the emulator (see {@link MnsEmulatorOptions} for the defaults). Rejects if the port cannot be bound or a
 * credential is incomplete.
 */
export async function startMnsEmulator(options: MnsEmulatorOptions = {}): Promise<MnsEmulator> {
  const credentials: readonly MnsCredential[] = options.credentials?.length
    ? [...options.credentials]
    : [{ accessKeyId: 'local-ak', accessKeySecret: 'local-sk' }];
  const host = options.host ?? '127.0.0.1';
  let url = '';
  const parts = createMnsServer({
    accountId: options.accountId ?? '1234567890123456',
    region: options.region ?? 'cn-shanghai',
    credentials,
    maxDateSkewSeconds: options.maxDateSkewSeconds ?? 900,
    seed: options.seed,
    now: options.now,
    onInternalError: options.onInternalError,
    url: () => url,
  });
  const server = http.createServer(parts.listener);
  const running = await listen(server, host, options.port ?? 0);
  url = running.url;
  const first = credentials[0] as MnsCredential;
  const { store } = parts;
  return {
    url,
    port: running.port,
    host,
    accountId: store.accountId,
    region: store.region,
    accessKeyId: first.accessKeyId,
    accessKeySecret: first.accessKeySecret,
    credentials,
    faults: parts.faults,
    createQueue: (name, attributes = {}) => store.create(name, validateAttributes(attributes as Record<string, unknown>)),
    deleteQueue: (name) => {
      const deleted = store.delete(name);
      if (deleted) parts.longPoll.endQueue(name);
      return deleted;
    },
    setDlqPolicy: (queue, policy) => store.setDlqPolicy(queue, policy),
    sendMessage: (queue, body, opts = {}) => {
      const m = store.send(queue, body, opts.delaySeconds, opts.priority);
      return { messageId: m.id, md5: m.md5 };
    },
    queueDepth: (name) => store.find(name)?.depth ?? 0,
    snapshot: parts.snapshot,
    reset: parts.reset,
    close: async () => {
      parts.close();
      await running.close();
    },
  };
}

/**
 * Options from the environment, for a CLI: `MNS_EMULATOR_HOST` (default 127.0.0.1), `MNS_EMULATOR_PORT` (default
 * 9100), `EMULATOR_ACCOUNT_ID`, `EMULATOR_REGION`, `EMULATOR_ACCESS_KEY_ID` + `EMULATOR_ACCESS_KEY_SECRET` (both or
 * neither), `EMULATOR_SEED`. Throws on a malformed value.
 */
export function mnsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MnsEmulatorOptions {
  const port = env.MNS_EMULATOR_PORT ? Number(env.MNS_EMULATOR_PORT) : MNS_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MNS_EMULATOR_PORT must be a port number (got "${env.MNS_EMULATOR_PORT}")`);
  const ak = env.EMULATOR_ACCESS_KEY_ID || undefined;
  const sk = env.EMULATOR_ACCESS_KEY_SECRET || undefined;
  if ((ak === undefined) !== (sk === undefined)) throw new Error('EMULATOR_ACCESS_KEY_ID and EMULATOR_ACCESS_KEY_SECRET go together: set both or neither');
  const seed = env.EMULATOR_SEED ? Number(env.EMULATOR_SEED) : undefined;
  if (seed !== undefined && !Number.isFinite(seed)) throw new Error(`EMULATOR_SEED must be a number (got "${env.EMULATOR_SEED}")`);
  return {
    host: env.MNS_EMULATOR_HOST || '127.0.0.1',
    port,
    accountId: env.EMULATOR_ACCOUNT_ID || undefined,
    region: env.EMULATOR_REGION || undefined,
    credentials: ak && sk ? [{ accessKeyId: ak, accessKeySecret: sk }] : undefined,
    seed,
  };
}
