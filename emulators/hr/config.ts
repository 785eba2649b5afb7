/**
 * Options of the HR emulator, their defaults, and loading them from environment variables and a data file.
 */
import fs from 'node:fs';
import type { FeishuApp } from './feishu-directory.js';
import { HrConfigError, type DingTalkApp, type HrDirectorySeed, type WeComCredential } from './store.js';

export interface HrEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (ephemeral); from the environment 9300. */
  port?: number;
  /** DingTalk apps allowed to get tokens (default: the local stack's `dinglocalappkey` / `local-dingtalk-app-secret`). */
  dingtalkApps?: DingTalkApp[];
  /** WeCom corp id + secret pairs (default: the local stack's `wwlocalcorp` / `local-wecom-corp-secret`). */
  wecomCredentials?: WeComCredential[];
  /** Feishu apps allowed to get a tenant_access_token (default: `cli_local_feishu_app` / `local-feishu-app-secret`). */
  feishuApps?: FeishuApp[];
  /** Access-token lifetime, seconds (default 7200, as on every platform). */
  tokenTtlSec?: number;
  /** Departments and users present at start and after every reset. */
  data?: HrDirectorySeed;
  /** A JSON file of more of them, same shape as `data` (applied after it). */
  dataFile?: string;
  /** Seed of the fault injector's random source (repeatable `probability` faults). */
  seed?: number;
  /** Largest request body (default 64 KiB); beyond it HTTP 413. */
  maxBodyBytes?: number;
  /** Clock in ms (default Date.now): token expiry. */
  now?: () => number;
  /** Where unexpected handler failures are reported (default: stderr). */
  onInternalError?: (err: unknown) => void;
}

export const HR_DEFAULT_PORT = 9300;
export const DEFAULT_DINGTALK_APPS: readonly DingTalkApp[] = Object.freeze([{ appKey: 'dinglocalappkey', appSecret: 'local-dingtalk-app-secret' }]);
export const DEFAULT_WECOM_CREDENTIALS: readonly WeComCredential[] = Object.freeze([{ corpId: 'wwlocalcorp', corpSecret: 'local-wecom-corp-secret' }]);
export const DEFAULT_FEISHU_APPS: readonly FeishuApp[] = Object.freeze([{ appId: 'cli_local_feishu_app', appSecret: 'local-feishu-app-secret' }]);

function intFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new HrConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return Number(raw);
}

function pairFromEnv(env: NodeJS.ProcessEnv, a: string, b: string): [string, string] | undefined {
  const x = env[a]?.trim();
  const y = env[b]?.trim();
  if (!!x !== !!y) throw new HrConfigError(`${a} and ${b} must be set together`);
  return x && y ? [x, y] : undefined;
}

/**
 * Options from the environment: `HR_EMULATOR_HOST`, `HR_EMULATOR_PORT` (default 9300), `EMULATOR_SEED`,
 * `DINGTALK_APP_KEY` + `DINGTALK_APP_SECRET`, `WECOM_CORP_ID` + `WECOM_CORP_SECRET`, `FEISHU_APP_ID` +
 * `FEISHU_APP_SECRET` (the product's own variables,
 * so that a stack configured with them is accepted), `HR_EMULATOR_TOKEN_TTL_SEC`, `HR_EMULATOR_DATA_FILE`.
 * Unset variables leave the defaults. Throws HrConfigError on bad values.
 */
export function hrOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HrEmulatorOptions {
  const options: HrEmulatorOptions = { port: intFromEnv(env, 'HR_EMULATOR_PORT', 0, 65535) ?? HR_DEFAULT_PORT };
  if (env.HR_EMULATOR_HOST) options.host = env.HR_EMULATOR_HOST;
  const seed = intFromEnv(env, 'EMULATOR_SEED', -(2 ** 31), 2 ** 32 - 1);
  if (seed !== undefined) options.seed = seed;
  const dt = pairFromEnv(env, 'DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET');
  if (dt) options.dingtalkApps = [{ appKey: dt[0], appSecret: dt[1] }];
  const wc = pairFromEnv(env, 'WECOM_CORP_ID', 'WECOM_CORP_SECRET');
  if (wc) options.wecomCredentials = [{ corpId: wc[0], corpSecret: wc[1] }];
  const fs = pairFromEnv(env, 'FEISHU_APP_ID', 'FEISHU_APP_SECRET');
  if (fs) options.feishuApps = [{ appId: fs[0], appSecret: fs[1] }];
  const ttl = intFromEnv(env, 'HR_EMULATOR_TOKEN_TTL_SEC', 1, 86_400 * 365);
  if (ttl !== undefined) options.tokenTtlSec = ttl;
  if (env.HR_EMULATOR_DATA_FILE) options.dataFile = env.HR_EMULATOR_DATA_FILE;
  return options;
}

/** Reads a data file (`{"dingtalk": {"departments": [...], "users": [...]}, "wecom": {...}}`). Throws HrConfigError. */
export function loadDataFile(path: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new HrConfigError(`cannot read HR emulator data file ${path}: ${(err as Error).message}`);
  }
}

/** Checks the credential lists (non-empty strings, at least one of each). */
export function checkCredentials(apps: readonly DingTalkApp[], creds: readonly WeComCredential[]): void {
  if (apps.length === 0 || apps.some((a) => typeof a?.appKey !== 'string' || !a.appKey || typeof a.appSecret !== 'string' || !a.appSecret)) {
    throw new HrConfigError('dingtalkApps must list at least one {appKey, appSecret} of non-empty strings');
  }
  if (creds.length === 0 || creds.some((c) => typeof c?.corpId !== 'string' || !c.corpId || typeof c.corpSecret !== 'string' || !c.corpSecret)) {
    throw new HrConfigError('wecomCredentials must list at least one {corpId, corpSecret} of non-empty strings');
  }
}
