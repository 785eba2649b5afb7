/**
 * Configuration: one typed object read from the environment and validated once per cold start.
 * Every knob, its variable and its default is listed here (the one full table; README "Configuration" lists
 * the main knobs and points here).
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `REGION` (or FC's `FC_REGION`) | `cn-shanghai` | region of the queues |
 * | `MNS_ENDPOINT` | `http://{accountId}.mns.{region}-internal.aliyuncs.com` | queue endpoint |
 * | `MNS_ACCOUNT_ID` (or `FC_ACCOUNT_ID`, or the FC context) | — | account owning the queues |
 * | `SAG_ENDPOINT` | `https://smartag.cn-shanghai.aliyuncs.com` | SAG API endpoint |
 * | `SAG_TIMEOUT_MS` | `5000` | per SAG call (deploy:check sizes the worker timeouts with it: shared/workers/sag-calls.ts) |
 * | `SAG_MAX_CALLS_PER_SECOND` | `0` (no ceiling) | optional ceiling on one instance's SAG call rate; the adaptive pacer finds the rate without it |
 * | `BREAKER_BASE_SECONDS` | `60` | first pause of a scope after a systemic error (credentials, permission, deleted instance) before one probe call |
 * | `BREAKER_MAX_SECONDS` | `3600` | longest pause between probes (the pause doubles per failed probe); both scaled by `RETRY_DELAY_SCALE` |
 * | `JOIN_QUEUE`, `TRANSFER_QUEUE`, `ENRICH_QUEUE`, `LEAVE_QUEUE`, `DEAD_LETTER_QUEUE` | `hr-join`, `hr-transfer`, `hr-enrich`, `hr-leave`, `hr-dead-letter` | queue names |
 * | `LEAVER_DELETE_GRACE_DAYS` | `0` | days after the start of the next billing cycle before a leaver's disabled account is deleted |
 * | `RETRY_INLINE_ATTEMPTS` | `3` | tries within one invocation before re-enqueueing |
 * | `RETRY_INLINE_BASE_DELAY_MS` | `200` | first in-invocation backoff (doubles, full jitter) |
 * | `RETRY_MAX_ATTEMPTS` | `8` | re-enqueued attempts before dead-lettering (~2 h with the defaults below) |
 * | `RETRY_BASE_DELAY_SECONDS` | `30` | first re-enqueue delay (doubles per attempt, ±20% jitter) |
 * | `RETRY_MAX_DELAY_SECONDS` | `3600` | cap on one re-enqueue delay |
 * | `RETRY_MAX_DEFERRALS` | `10` | times a message may wait for a dependency (transfer before its join) |
 * | `RETRY_DEFER_DELAY_SECONDS` | `30` | delay of one deferral |
 * | `RETRY_DELAY_SCALE` | `1` | multiplies every delay (tests and the local stack use e.g. 0.01) |
 * | `WORKER_CONCURRENCY` | `4` | messages of one batch processed at once |
 * | `WEBHOOK_MAX_BODY_BYTES` | `262144` | larger bodies get 413 |
 * | `WEBHOOK_TOLERANCE_SECONDS` | `300` | replay window for signed timestamps |
 * | `HR_WEBHOOK_SECRET` | — | Standard Webhooks secret(s) `whsec_…`, space-separated for rotation; unset = generic source off |
 * | `FEISHU_ENCRYPT_KEY`, `FEISHU_VERIFICATION_TOKEN` | — | Feishu/Lark; either one turns the source on |
 * | `DINGTALK_TOKEN`, `DINGTALK_AES_KEY`, `DINGTALK_APP_KEY`, `DINGTALK_APP_SECRET` | — | DingTalk; all four, or none (off) |
 * | `WECOM_TOKEN`, `WECOM_ENCODING_AES_KEY`, `WECOM_CORP_ID`, `WECOM_CORP_SECRET` | — | WeCom; all four, or none (off) |
 * | `DINGTALK_API_ENDPOINT`, `WECOM_API_ENDPOINT` | `https://oapi.dingtalk.com`, `https://qyapi.weixin.qq.com` | HR user APIs (enrichment) |
 * | `HR_API_TIMEOUT_MS` | `5000` | per HR API call |
 * | `FEISHU_APP_ID`, `FEISHU_APP_SECRET` | — | Feishu/Lark app credentials for reading the roster (contact v3, `tenant_access_token`); both or neither |
 * | `FEISHU_API_ENDPOINT` | `https://open.feishu.cn` | Feishu open platform API (Lark: `https://open.larksuite.com`) |
 * | `TABLESTORE_INSTANCE` | — | Tablestore instance of the employee ledger; unset = no ledger (SAG alone decides) |
 * | `TABLESTORE_ENDPOINT` | `https://{instance}.{region}.ots.aliyuncs.com` | its endpoint (the VPC one from inside a VPC) |
 * | `LEDGER_TABLE` | `hr_sag_ledger` | the ledger table |
 * | `TABLESTORE_TIMEOUT_MS` | `3000` | per ledger call |
 * | `LEDGER_LEASE_SECONDS` | `120` | how long one event's claim on an employee holds before another may take it over |
 * | `RECONCILE_SOURCE` | — | the roster the scheduled reconcile reads: `feishu`, `dingtalk`, `wecom` or `file` (unset: the timer function does nothing) |
 * | `RECONCILE_FILE` | — | the roster file of `RECONCILE_SOURCE=file` (relative: the function's code directory) |
 * | `RECONCILE_SCHEDULE` | `0 0 * * * *` (hourly) | the timer trigger's cron (FC: six fields, seconds first, UTC; or `@every 30m`) |
 * | `RECONCILE_MAX_LEAVES` | `20` | a plan with more leaves is held (joins and transfers still apply) |
 * | `RECONCILE_MAX_LEAVE_PERCENT` | `5` | … or with leaves over this % of the managed employees, or a roster that shrank by more than either |
 * | `LOG_LEVEL` | `info` | debug, info, warn, error |
 */
import { ConfigError } from './errors.js';
import type { LedgerConfig } from './ledger/for-context.js';
import type { LogLevel } from './logger.js';
import { AES_KEY_PATTERN } from './limits.js';
import { ROSTER_SOURCES, type RosterSource } from './roster/roster.js';

export const DEFAULT_QUEUE_NAMES = { join: 'hr-join', transfer: 'hr-transfer', enrich: 'hr-enrich', leave: 'hr-leave', deadLetter: 'hr-dead-letter' } as const;

export interface QueueNames {
  join: string;
  transfer: string;
  enrich: string;
  /** Leaves and the delete steps they schedule (shared/workers/leave.ts). */
  leave: string;
  deadLetter: string;
}

export interface RetryPolicy {
  inlineAttempts: number;
  inlineBaseDelayMs: number;
  maxAttempts: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  maxDeferrals: number;
  deferDelaySeconds: number;
  delayScale: number;
}

export interface Config {
  region: string;
  accountId?: string;
  mnsEndpoint?: string;
  sagEndpoint: string;
  sagTimeoutMs: number;
  sagMaxCallsPerSecond: number;
  /** The breaker for systemic failures (shared/breaker.ts): first and longest pause between probes. */
  breaker: { baseSeconds: number; maxSeconds: number };
  queues: QueueNames;
  retry: RetryPolicy;
  workerConcurrency: number;
  webhook: { maxBodyBytes: number; toleranceSeconds: number; genericSecrets: string[] };
  sources: SourcesConfig;
  hrApiTimeoutMs: number;
  /** The Feishu app whose `tenant_access_token` reads the roster (reconcile); undefined when not configured. */
  feishuApp?: FeishuAppConfig;
  /** The employee ledger (Tablestore); undefined when not configured. */
  ledger?: LedgerConfig;
  /** Days after the start of the next billing cycle before a leaver's disabled account is deleted. */
  leaverDeleteGraceDays: number;
  /** The scheduled reconcile and its mass-change guard (shared/reconcile/). */
  reconcile: ReconcileConfig;
  logLevel: LogLevel;
}

export interface ReconcileConfig {
  source?: RosterSource;
  file?: string;
  schedule: string;
  maxLeaves: number;
  maxLeavePercent: number;
}

/** FC's timer cron: six fields (seconds first), or `@every <n>m|h`. */
export const RECONCILE_SCHEDULE_PATTERN = /^(@every \d+[mh]|(\S+\s+){5}\S+)$/;
/** Hourly, on the hour (UTC). */
export const DEFAULT_RECONCILE_SCHEDULE = '0 0 * * * *';

function reconcileFrom(env: NodeJS.ProcessEnv): ReconcileConfig {
  const source = env.RECONCILE_SOURCE?.trim() || undefined;
  if (source !== undefined && !(ROSTER_SOURCES as readonly string[]).includes(source)) {
    throw new ConfigError(`RECONCILE_SOURCE must be one of ${ROSTER_SOURCES.join(', ')} (got "${source}")`);
  }
  const file = env.RECONCILE_FILE?.trim() || undefined;
  if (source === 'file' && !file) throw new ConfigError('RECONCILE_SOURCE=file needs RECONCILE_FILE (the roster file)');
  const schedule = env.RECONCILE_SCHEDULE?.trim() || DEFAULT_RECONCILE_SCHEDULE;
  if (!RECONCILE_SCHEDULE_PATTERN.test(schedule))
    throw new ConfigError(`RECONCILE_SCHEDULE must be a six-field cron (seconds first) or "@every 30m" (got "${schedule}")`);
  return {
    source: source as RosterSource | undefined,
    file,
    schedule,
    maxLeaves: int(env, 'RECONCILE_MAX_LEAVES', 20, 0, 1_000_000),
    maxLeavePercent: num(env, 'RECONCILE_MAX_LEAVE_PERCENT', 5, 0, 100),
  };
}

export interface SourcesConfig {
  feishu?: { encryptKey?: string; verificationToken?: string };
  dingtalk?: { token: string; aesKey: string; appKey: string; appSecret: string; apiEndpoint: string };
  wecom?: { token: string; encodingAesKey: string; corpId: string; corpSecret: string; apiEndpoint: string };
}

export interface FeishuAppConfig {
  appId: string;
  appSecret: string;
  apiEndpoint: string;
}

/** All of `names` set (→ their values), none set (→ undefined), or a ConfigError naming the missing ones. */
function allOrNone(env: NodeJS.ProcessEnv, source: string, names: string[]): string[] | undefined {
  const values = names.map((n) => env[n]?.trim() ?? '');
  const set = values.filter(Boolean).length;
  if (set === 0) return undefined;
  if (set < names.length) {
    throw new ConfigError(
      `${source} is half configured: set ${names.filter((_, i) => !values[i]).join(', ')} too, or unset ${names.filter((_, i) => values[i]).join(', ')} to turn it off`,
    );
  }
  return values;
}

function aesKey(name: string, value: string): string {
  if (!AES_KEY_PATTERN.test(value)) throw new ConfigError(`${name} must be the 43-character key the HR platform shows`);
  return value;
}

function sourcesFrom(env: NodeJS.ProcessEnv): SourcesConfig {
  const out: SourcesConfig = {};
  const fk = env.FEISHU_ENCRYPT_KEY?.trim() || undefined;
  const ft = env.FEISHU_VERIFICATION_TOKEN?.trim() || undefined;
  if (fk || ft) out.feishu = { encryptKey: fk, verificationToken: ft };
  const d = allOrNone(env, 'DingTalk', ['DINGTALK_TOKEN', 'DINGTALK_AES_KEY', 'DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET']);
  if (d) {
    out.dingtalk = {
      token: d[0] as string,
      aesKey: aesKey('DINGTALK_AES_KEY', d[1] as string),
      appKey: d[2] as string,
      appSecret: d[3] as string,
      apiEndpoint: endpoint(env, 'DINGTALK_API_ENDPOINT', 'https://oapi.dingtalk.com'),
    };
  }
  const w = allOrNone(env, 'WeCom', ['WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_CORP_ID', 'WECOM_CORP_SECRET']);
  if (w) {
    out.wecom = {
      token: w[0] as string,
      encodingAesKey: aesKey('WECOM_ENCODING_AES_KEY', w[1] as string),
      corpId: w[2] as string,
      corpSecret: w[3] as string,
      apiEndpoint: endpoint(env, 'WECOM_API_ENDPOINT', 'https://qyapi.weixin.qq.com'),
    };
  }
  return out;
}

function feishuAppFrom(env: NodeJS.ProcessEnv): FeishuAppConfig | undefined {
  const app = allOrNone(env, 'The Feishu app', ['FEISHU_APP_ID', 'FEISHU_APP_SECRET']);
  if (!app) return undefined;
  return { appId: app[0] as string, appSecret: app[1] as string, apiEndpoint: endpoint(env, 'FEISHU_API_ENDPOINT', 'https://open.feishu.cn') };
}

function ledgerFrom(env: NodeJS.ProcessEnv, region: string): LedgerConfig | undefined {
  const instance = env.TABLESTORE_INSTANCE?.trim();
  if (!instance) {
    if (env.TABLESTORE_ENDPOINT?.trim()) throw new ConfigError('TABLESTORE_ENDPOINT is set but TABLESTORE_INSTANCE is not: set both, or neither for no ledger');
    return undefined;
  }
  if (!/^[A-Za-z][A-Za-z0-9-]{1,14}[A-Za-z0-9]$/.test(instance)) throw new ConfigError(`TABLESTORE_INSTANCE is not a valid instance name: "${instance}"`);
  const table = env.LEDGER_TABLE?.trim() || 'hr_sag_ledger';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(table)) throw new ConfigError(`LEDGER_TABLE is not a valid table name: "${table}"`);
  return {
    endpoint: endpoint(env, 'TABLESTORE_ENDPOINT', `https://${instance}.${region}.ots.aliyuncs.com`),
    instance,
    table,
    timeoutMs: int(env, 'TABLESTORE_TIMEOUT_MS', 3_000, 100, 60_000),
    leaseMs: int(env, 'LEDGER_LEASE_SECONDS', 120, 5, 3_600) * 1000,
  };
}

function endpoint(env: NodeJS.ProcessEnv, name: string, def: string): string {
  const v = env[name]?.trim() || def;
  if (!/^https?:\/\/[^/]+$/.test(v)) throw new ConfigError(`${name} must be http(s)://host[:port] (got "${v}")`);
  return v;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

function num(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
  return n;
}

function logLevel(raw: string | undefined): LogLevel {
  const v = (raw ?? '').trim().toLowerCase() || 'info';
  if (v !== 'debug' && v !== 'info' && v !== 'warn' && v !== 'error') throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error (got "${raw}")`);
  return v;
}

function queueName(env: NodeJS.ProcessEnv, name: string, def: string): string {
  const v = env[name]?.trim() || def;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,119}$/.test(v)) throw new ConfigError(`${name} is not a valid queue name: "${v}"`);
  return v;
}

function breakerFrom(env: NodeJS.ProcessEnv): Config['breaker'] {
  const baseSeconds = int(env, 'BREAKER_BASE_SECONDS', 60, 1, 86_400);
  const maxSeconds = int(env, 'BREAKER_MAX_SECONDS', 3_600, 1, 604_800);
  if (maxSeconds < baseSeconds) throw new ConfigError(`BREAKER_MAX_SECONDS (${maxSeconds}) must be at least BREAKER_BASE_SECONDS (${baseSeconds})`);
  return { baseSeconds, maxSeconds };
}

/**
 * Reads and validates the configuration. Throws ConfigError naming the variable at fault.
 * @example
 * ```ts
 * const config = loadConfig({ REGION: 'cn-hangzhou', RETRY_MAX_ATTEMPTS: '5' });
 * config.queues.join; // 'hr-join'
 * ```
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const region = env.REGION?.trim() || env.FC_REGION?.trim() || 'cn-shanghai';
  const queues: QueueNames = {
    join: queueName(env, 'JOIN_QUEUE', DEFAULT_QUEUE_NAMES.join),
    transfer: queueName(env, 'TRANSFER_QUEUE', DEFAULT_QUEUE_NAMES.transfer),
    enrich: queueName(env, 'ENRICH_QUEUE', DEFAULT_QUEUE_NAMES.enrich),
    leave: queueName(env, 'LEAVE_QUEUE', DEFAULT_QUEUE_NAMES.leave),
    deadLetter: queueName(env, 'DEAD_LETTER_QUEUE', DEFAULT_QUEUE_NAMES.deadLetter),
  };
  const names = Object.values(queues);
  if (new Set(names).size !== names.length)
    throw new ConfigError('JOIN_QUEUE, TRANSFER_QUEUE, ENRICH_QUEUE, LEAVE_QUEUE and DEAD_LETTER_QUEUE must all differ');
  const mnsEndpoint = env.MNS_ENDPOINT?.trim() || undefined;
  if (mnsEndpoint && !/^https?:\/\/[^/]+$/.test(mnsEndpoint)) {
    throw new ConfigError(`MNS_ENDPOINT must be http(s)://host[:port] with no path or trailing slash (got "${mnsEndpoint}")`);
  }
  const sagEndpoint = env.SAG_ENDPOINT?.trim() || 'https://smartag.cn-shanghai.aliyuncs.com';
  if (!/^https?:\/\//.test(sagEndpoint)) throw new ConfigError(`SAG_ENDPOINT must start with http:// or https:// (got "${sagEndpoint}")`);
  const genericSecrets = (env.HR_WEBHOOK_SECRET ?? '').split(/\s+/).filter(Boolean);
  for (const s of genericSecrets) if (!s.startsWith('whsec_')) throw new ConfigError('HR_WEBHOOK_SECRET entries must start with "whsec_"');
  return {
    region,
    accountId: env.MNS_ACCOUNT_ID?.trim() || env.FC_ACCOUNT_ID?.trim() || undefined,
    mnsEndpoint,
    sagEndpoint,
    sagTimeoutMs: int(env, 'SAG_TIMEOUT_MS', 5_000, 100, 120_000),
    sagMaxCallsPerSecond: num(env, 'SAG_MAX_CALLS_PER_SECOND', 0, 0, 100_000),
    breaker: breakerFrom(env),
    queues,
    retry: {
      inlineAttempts: int(env, 'RETRY_INLINE_ATTEMPTS', 3, 1, 10),
      inlineBaseDelayMs: int(env, 'RETRY_INLINE_BASE_DELAY_MS', 200, 0, 60_000),
      maxAttempts: int(env, 'RETRY_MAX_ATTEMPTS', 8, 0, 100),
      baseDelaySeconds: int(env, 'RETRY_BASE_DELAY_SECONDS', 30, 1, 43_200),
      maxDelaySeconds: int(env, 'RETRY_MAX_DELAY_SECONDS', 3_600, 1, 604_800),
      maxDeferrals: int(env, 'RETRY_MAX_DEFERRALS', 10, 0, 1_000),
      deferDelaySeconds: int(env, 'RETRY_DEFER_DELAY_SECONDS', 30, 1, 43_200),
      delayScale: num(env, 'RETRY_DELAY_SCALE', 1, 0, 10),
    },
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 4, 1, 64),
    webhook: {
      maxBodyBytes: int(env, 'WEBHOOK_MAX_BODY_BYTES', 256 * 1024, 1024, 32 * 1024 * 1024),
      toleranceSeconds: int(env, 'WEBHOOK_TOLERANCE_SECONDS', 300, 1, 86_400),
      genericSecrets,
    },
    sources: sourcesFrom(env),
    hrApiTimeoutMs: int(env, 'HR_API_TIMEOUT_MS', 5_000, 100, 60_000),
    feishuApp: feishuAppFrom(env),
    ledger: ledgerFrom(env, region),
    leaverDeleteGraceDays: int(env, 'LEAVER_DELETE_GRACE_DAYS', 0, 0, 365),
    reconcile: reconcileFrom(env),
    logLevel: logLevel(env.LOG_LEVEL),
  };
}
