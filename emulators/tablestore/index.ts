/**
 * A wire-level emulator of Alibaba Cloud Tablestore (API 2015-12-31), for tests, the local stack and benchmarks: the
 * unmodified official npm SDK `tablestore` talks to it (`endpoint: emulator.url`, `instancename:
 * emulator.instanceName`). See README.md beside this file for the operations, the admin API and the known
 * divergences from the service.
 *
 * @example
 * ```ts
 * const ots = await startTablestoreEmulator();
 * const client = new TableStore.Client({ endpoint: ots.url, instancename: ots.instanceName, accessKeyId: ots.accessKeyId, accessKeySecret: ots.accessKeySecret });
 * await client.listTable({});
 * await ots.close();
 * ```
 */
import http from 'node:http';
import type { FaultInjector } from '../common/faults.js';
import { listen } from '../common/http.js';
import type { OtsCredential } from './auth.js';
import { createTablestoreServer, type TablestoreSnapshot } from './server.js';

export { OTS_API_VERSION, canonicalOtsHeaders, otsSignature, otsStringToSign, type OtsCredential } from './auth.js';
export { OTS_ERRORS, OtsError } from './errors.js';
export { REQUEST_LIMITS, TABLESTORE_OPERATIONS, type TablestoreOperation } from './operations.js';
export { crc8, readRows, writeRows, type PlainRow } from './plain-buffer.js';
export { TABLESTORE_MAX_BODY_BYTES, TABLESTORE_THROTTLE_ERROR, createTablestoreServer, type TablestoreSnapshot } from './server.js';
export { LIMITS } from './row-checks.js';
export { MAX_TABLES, type RowSnapshot, type TableSnapshot } from './table-store.js';
export { decodeMessage, encodeMessage } from './wire.js';

export const TABLESTORE_DEFAULT_PORT = 9400;

export interface TablestoreEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = ephemeral; the CLI (`npm run emulators`) uses 9400. */
  port?: number;
  /** The instance the requests must name in `x-ots-instancename` (case-insensitive). Default `hr-sag-sync`. */
  instanceName?: string;
  /** Accepted AccessKeys (default one: `local-ak` / `local-sk`). */
  credentials?: readonly OtsCredential[];
  /** Allowed skew of `x-ots-date` against the wall clock, seconds (default 900). */
  maxDateSkewSeconds?: number;
  /** Seed for probabilistic fault rules. */
  seed?: number;
  /**
   * The tables' clock (default Date.now): TTL expiry and server-assigned cell timestamps. `x-ots-date` is checked
   * against the wall clock, so this can be moved any distance.
   */
  now?: () => number;
  /** Errors that are not API errors, answered as OTSInternalServerError 500 (default: written to stderr). */
  onInternalError?: (err: unknown) => void;
}

/** A running emulator. */
export interface TablestoreEmulator {
  /** e.g. `http://127.0.0.1:9400`: the SDK's `endpoint`. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly instanceName: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Fault rules (same as `/__admin/faults`). */
  readonly faults: FaultInjector;
  /** Every table with its rows decoded (what `GET /__admin/state` answers). */
  snapshot(): TablestoreSnapshot;
  /** Moves the tables' clock forward (same as `POST /__admin/clock {"advanceMs"}`). */
  advanceClock(ms: number): void;
  /** Tables, rows, clock offset and fault rules cleared. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the emulator (see {@link TablestoreEmulatorOptions} for the defaults). */
export async function startTablestoreEmulator(options: TablestoreEmulatorOptions = {}): Promise<TablestoreEmulator> {
  const credentials = options.credentials?.length ? [...options.credentials] : [{ accessKeyId: 'local-ak', accessKeySecret: 'local-sk' }];
  const host = options.host ?? '127.0.0.1';
  const instanceName = options.instanceName ?? 'hr-sag-sync';
  const parts = createTablestoreServer({
    instanceName,
    credentials,
    maxDateSkewSeconds: options.maxDateSkewSeconds ?? 900,
    seed: options.seed,
    now: options.now ?? Date.now,
    onInternalError: options.onInternalError,
  });
  const running = await listen(http.createServer(parts.listener), host, options.port ?? 0);
  const first = credentials[0] as OtsCredential;
  return {
    url: running.url,
    port: running.port,
    host,
    instanceName,
    accessKeyId: first.accessKeyId,
    accessKeySecret: first.accessKeySecret,
    faults: parts.faults,
    snapshot: parts.snapshot,
    advanceClock: parts.advanceClock,
    reset: parts.reset,
    close: () => running.close(),
  };
}

/**
 * Options from the environment, for a CLI: `TABLESTORE_EMULATOR_HOST` (127.0.0.1), `TABLESTORE_EMULATOR_PORT`
 * (9400), `TABLESTORE_INSTANCE` (hr-sag-sync), `EMULATOR_ACCESS_KEY_ID` + `EMULATOR_ACCESS_KEY_SECRET` (both or
 * neither), `EMULATOR_SEED`. Throws on a malformed value.
 */
export function tablestoreOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TablestoreEmulatorOptions {
  const port = env.TABLESTORE_EMULATOR_PORT ? Number(env.TABLESTORE_EMULATOR_PORT) : TABLESTORE_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`TABLESTORE_EMULATOR_PORT must be a port number (got "${env.TABLESTORE_EMULATOR_PORT}")`);
  const ak = env.EMULATOR_ACCESS_KEY_ID || undefined;
  const sk = env.EMULATOR_ACCESS_KEY_SECRET || undefined;
  if ((ak === undefined) !== (sk === undefined)) throw new Error('EMULATOR_ACCESS_KEY_ID and EMULATOR_ACCESS_KEY_SECRET go together: set both or neither');
  const seed = env.EMULATOR_SEED ? Number(env.EMULATOR_SEED) : undefined;
  if (seed !== undefined && !Number.isFinite(seed)) throw new Error(`EMULATOR_SEED must be a number (got "${env.EMULATOR_SEED}")`);
  const instanceName = env.TABLESTORE_INSTANCE || undefined;
  if (instanceName !== undefined && !/^[A-Za-z][A-Za-z0-9-]{1,14}[A-Za-z0-9]$/.test(instanceName))
    throw new Error(`TABLESTORE_INSTANCE must be 3–16 characters of letters, digits and '-' (got "${instanceName}")`);
  return {
    host: env.TABLESTORE_EMULATOR_HOST || '127.0.0.1',
    port,
    instanceName,
    credentials: ak && sk ? [{ accessKeyId: ak, accessKeySecret: sk }] : undefined,
    seed,
  };
}
