/**
 * Options of the SAG emulator, their defaults, and loading them from environment variables and an instances file.
 */
import fs from 'node:fs';
import type { PopCredential } from '../common/pop-rpc.js';
import { SagConfigError } from './errors.js';
import type { SagInstanceInput } from './sag-store.js';

export interface SagEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (ephemeral); the CLI uses 9200. */
  port?: number;
  /** The emulated region (default `cn-shanghai`): instances seeded without a region get it; `HostId` names it. */
  region?: string;
  /** Accepted AccessKeys (default `local-ak` / `local-sk`). */
  credentials?: PopCredential[];
  /** Largest `Bandwidth` accepted, Kbps (default 2000 as on the API page; the newer SDK model allows 20000). */
  maxBandwidthKbps?: number;
  /** Seed of the fault injector's random source (repeatable `probability` faults). */
  seed?: number;
  /** Instances present at start and after every reset. */
  instances?: SagInstanceInput[];
  /** A JSON file of more instances (see README): `[{...}]` or `{"instances": [{...}]}`. */
  instancesFile?: string;
  /** Largest request body (default 64 KiB). */
  maxBodyBytes?: number;
  /** Clock for timestamps and creation times (default Date.now). */
  now?: () => number;
  /**
   * Clock of the billing cycle (default: `now`): which calendar month (Asia/Shanghai) an account's traffic was
   * used in. Separate so that tests can move the cycle without making request Timestamps stale.
   */
  billingNow?: () => number;
  /**
   * `x-acs-retry-after` (milliseconds) on throttling answers; default none. Whether the real gateway sends the
   * header is unverified (the SDKs read it when present).
   */
  retryAfterMs?: number;
  /** Where unexpected handler failures are reported (default: stderr). */
  onInternalError?: (err: unknown) => void;
}

export const SAG_DEFAULT_PORT = 9200;
export const DEFAULT_CREDENTIALS: readonly PopCredential[] = Object.freeze([{ accessKeyId: 'local-ak', accessKeySecret: 'local-sk' }]);

function intFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new SagConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return Number(raw);
}

/**
 * Options from the environment: `SAG_EMULATOR_HOST`, `SAG_EMULATOR_PORT` (default 9200), `EMULATOR_REGION`,
 * `EMULATOR_ACCESS_KEY_ID` + `EMULATOR_ACCESS_KEY_SECRET`, `EMULATOR_SEED`, `SAG_EMULATOR_INSTANCES_FILE`,
 * `SAG_EMULATOR_MAX_BANDWIDTH_KBPS`, `SAG_EMULATOR_RETRY_AFTER_MS`. Unset variables leave the defaults. Throws SagConfigError on bad values.
 */
export function sagOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SagEmulatorOptions {
  const options: SagEmulatorOptions = { port: intFromEnv(env, 'SAG_EMULATOR_PORT', 0, 65535) ?? SAG_DEFAULT_PORT };
  if (env.SAG_EMULATOR_HOST) options.host = env.SAG_EMULATOR_HOST;
  if (env.EMULATOR_REGION) options.region = env.EMULATOR_REGION;
  const id = env.EMULATOR_ACCESS_KEY_ID;
  const secret = env.EMULATOR_ACCESS_KEY_SECRET;
  if (!!id !== !!secret) throw new SagConfigError('EMULATOR_ACCESS_KEY_ID and EMULATOR_ACCESS_KEY_SECRET must be set together');
  if (id && secret) options.credentials = [{ accessKeyId: id, accessKeySecret: secret }];
  const seed = intFromEnv(env, 'EMULATOR_SEED', -(2 ** 31), 2 ** 32 - 1);
  if (seed !== undefined) options.seed = seed;
  if (env.SAG_EMULATOR_INSTANCES_FILE) options.instancesFile = env.SAG_EMULATOR_INSTANCES_FILE;
  const max = intFromEnv(env, 'SAG_EMULATOR_MAX_BANDWIDTH_KBPS', 1, 1_000_000);
  if (max !== undefined) options.maxBandwidthKbps = max;
  const retryAfter = intFromEnv(env, 'SAG_EMULATOR_RETRY_AFTER_MS', 0, 3_600_000);
  if (retryAfter !== undefined) options.retryAfterMs = retryAfter;
  return options;
}

/** Reads an instances file: a JSON array of instances, or `{"instances": [...]}`. Throws SagConfigError. */
export function loadInstancesFile(path: string): SagInstanceInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SagConfigError(`cannot read SAG instances file ${path}: ${(err as Error).message}`);
  }
  return instancesFromJson(parsed, path);
}

/** Accepts `[...]`, `{"instances": [...]}` or a single instance object. */
export function instancesFromJson(value: unknown, where = 'input'): SagInstanceInput[] {
  if (Array.isArray(value)) return value as SagInstanceInput[];
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.instances) && Object.keys(v).length === 1) return v.instances as SagInstanceInput[];
    if (typeof v.id === 'string') return [v as unknown as SagInstanceInput];
  }
  throw new SagConfigError(`${where}: expected an array of instances or {"instances": [...]}`);
}
