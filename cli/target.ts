/**
 * What a command talks to, resolved in this one place from the common flags, the environment and the aliyun
 * profile:
 *
 * | what | cloud (default) | `--local` |
 * | --- | --- | --- |
 * | credentials | the chain in credentials.ts | the local stack's keys |
 * | region | `--region`, `REGION`, the profile's region | the local stack's |
 * | account id | `--account-id`, `ALIBABA_CLOUD_ACCOUNT_ID`, else STS GetCallerIdentity | the local stack's |
 * | MNS | `--mns-endpoint`, else the PUBLIC endpoint `https://{account}.mns.{region}.aliyuncs.com` | the MNS emulator |
 * | mns-open (DLQ policy) | `https://mns-open.{region}.aliyuncs.com` | the MNS emulator |
 * | SAG | `--sag-endpoint`, else `https://smartag.{region}.aliyuncs.com` | the SAG emulator |
 * | Function Compute (`doctor --deployed`) | `https://{account}.{region}.fc.aliyuncs.com` (`doctor --fc-endpoint`) | the FC emulator (`FC_EMULATOR_PORT`, default 9500) |
 * | configuration (queue names, site directory, HR sources) | the environment, as the functions read it | the local stack's, with any of those variables set in the environment taking precedence, as `npm start` does |
 *
 * An operator's machine is outside the VPC, so the functions' `MNS_ENDPOINT` (usually the internal endpoint) is
 * not read; `--mns-endpoint` overrides. Local ports: `MNS_EMULATOR_PORT`, `SAG_EMULATOR_PORT`, `HR_EMULATOR_PORT`
 * (read by the emulators' own option readers) and `WEBHOOK_PORT`, on `HOST`; their defaults are `npm start`'s.
 */
import { fileURLToPath } from 'node:url';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { hrOptionsFromEnv } from '../emulators/hr/index.js';
import { mnsOptionsFromEnv } from '../emulators/mns/index.js';
import { sagOptionsFromEnv } from '../emulators/sag/index.js';
import { FC_DEFAULT_PORT } from '../emulators/fc/index.js';
import { tablestoreOptionsFromEnv } from '../emulators/tablestore/index.js';
import { LOCAL_SOURCES } from '../local/hr-samples.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_WEBHOOK_SECRET } from '../local/stack.js';
import { resolveOperatorCredentials } from './credentials.js';
import { UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import type { Credentials } from '../shared/index.js';

/** `npm start`'s webhook port when WEBHOOK_PORT is unset. */
export const LOCAL_WEBHOOK_PORT = 8080;

/** The common flags every command takes (see common-options.ts). */
export interface TargetFlags {
  local?: boolean;
  profile?: string;
  region?: string;
  accountId?: string;
  mnsEndpoint?: string;
  sagEndpoint?: string;
}

export interface Target {
  kind: 'local' | 'cloud';
  region: string;
  accountId: string;
  credentials: Credentials;
  /** `environment`, `profile <name>`, `local stack`. */
  credentialSource: string;
  mnsEndpoint: string;
  mnsOpenEndpoint: string;
  sagEndpoint: string;
  /** Function Compute's API, for GetFunction. */
  fcEndpoint: string;
  /** The functions' configuration as the commands read it (loadConfig, SiteDirectory.fromEnv). */
  env: NodeJS.ProcessEnv;
  /** The local webhook, for `--local` only. */
  webhookUrl?: string;
}

/** Variables of the functions' configuration that override the local stack's defaults when set. */
const LOCAL_OVERRIDABLE = [
  'JOIN_QUEUE',
  'TRANSFER_QUEUE',
  'ENRICH_QUEUE',
  'DEAD_LETTER_QUEUE',
  'LEAVE_QUEUE',
  'RECONCILE_SOURCE',
  'RECONCILE_FILE',
  'RECONCILE_MAX_LEAVES',
  'RECONCILE_MAX_LEAVE_PERCENT',
  'SITES_FILE',
  'SITES_JSON',
  'HR_WEBHOOK_SECRET',
  'DINGTALK_API_ENDPOINT',
  'WECOM_API_ENDPOINT',
  'FEISHU_API_ENDPOINT',
  ...Object.keys(LOCAL_SOURCES),
];

/** The local stack (`npm start`) on its ports, with its keys. */
export function localTarget(env: NodeJS.ProcessEnv): Target {
  const host = env.HOST || '127.0.0.1';
  const url = (port: number | undefined) => `http://${host}:${port}`;
  // Only the port variables go to the emulators' option readers (they also validate their other variables).
  const mns = url(mnsOptionsFromEnv({ MNS_EMULATOR_PORT: env.MNS_EMULATOR_PORT }).port);
  const hr = url(hrOptionsFromEnv({ HR_EMULATOR_PORT: env.HR_EMULATOR_PORT }).port);
  const webhookPort = env.WEBHOOK_PORT ? Number(env.WEBHOOK_PORT) : LOCAL_WEBHOOK_PORT;
  const defaults: NodeJS.ProcessEnv = {
    ...LOCAL_SOURCES,
    HR_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
    DINGTALK_API_ENDPOINT: hr,
    WECOM_API_ENDPOINT: hr,
    FEISHU_API_ENDPOINT: hr,
    SITES_FILE: fileURLToPath(new URL('../config/sites.sample.json', import.meta.url)),
    TABLESTORE_INSTANCE: 'hr-sag-sync',
    TABLESTORE_ENDPOINT: url(tablestoreOptionsFromEnv({ TABLESTORE_EMULATOR_PORT: env.TABLESTORE_EMULATOR_PORT }).port),
  };
  const overrides = Object.fromEntries(LOCAL_OVERRIDABLE.filter((k) => env[k]).map((k) => [k, env[k]]));
  if (overrides.SITES_JSON) delete defaults.SITES_FILE;
  return {
    kind: 'local',
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    credentials: { ...LOCAL_CREDENTIALS },
    credentialSource: 'local stack',
    mnsEndpoint: mns,
    mnsOpenEndpoint: mns,
    sagEndpoint: url(sagOptionsFromEnv({ SAG_EMULATOR_PORT: env.SAG_EMULATOR_PORT }).port),
    fcEndpoint: url(env.FC_EMULATOR_PORT ? Number(env.FC_EMULATOR_PORT) : FC_DEFAULT_PORT),
    env: { ...defaults, ...overrides, REGION: LOCAL_REGION },
    webhookUrl: url(webhookPort),
  };
}

const REGION = /^[a-z]{2}-[a-z0-9-]+$/;
const ENDPOINT = /^https?:\/\/[^/]+$/;

function endpointFlag(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !ENDPOINT.test(value)) throw new UsageError(`${flag} must be http(s)://host[:port] (got "${value}")`);
  return value;
}

/** The account id of the credentials (STS GetCallerIdentity, which needs no permission). */
async function callerAccountId(credentials: Credentials): Promise<string> {
  const sts = new RPCClient({ endpoint: 'https://sts.aliyuncs.com', apiVersion: '2015-04-01', ...credentials });
  const res = await sts.request<{ AccountId?: string }>('GetCallerIdentity', {}, { method: 'POST', timeout: 10_000 });
  if (!res.AccountId) throw new Error('STS GetCallerIdentity answered without AccountId');
  return res.AccountId;
}

/** Resolves the target of a command (see the file comment). Throws UsageError on missing or bad input. */
export async function resolveTarget(io: Io, flags: TargetFlags): Promise<Target> {
  if (flags.local) return localTarget(io.env);
  const creds = resolveOperatorCredentials(io.env, io.home, flags.profile);
  const region = flags.region ?? (io.env.REGION || creds.profileRegion);
  if (!region || !REGION.test(region))
    throw new UsageError(`a region is needed: --region, REGION or the profile's region (e.g. cn-shanghai)${region ? `; got "${region}"` : ''}`);
  let accountId = flags.accountId ?? (io.env.ALIBABA_CLOUD_ACCOUNT_ID || undefined);
  if (accountId !== undefined && !/^\d+$/.test(accountId)) throw new UsageError(`the account id is numeric (got "${accountId}")`);
  // Unverified against the cloud in this repository's tests (the emulators have no STS); pass --account-id to skip it.
  accountId ??= await callerAccountId(creds.credentials);
  return {
    kind: 'cloud',
    region,
    accountId,
    credentials: creds.credentials,
    credentialSource: creds.source,
    mnsEndpoint: endpointFlag('--mns-endpoint', flags.mnsEndpoint) ?? `https://${accountId}.mns.${region}.aliyuncs.com`,
    mnsOpenEndpoint: `https://mns-open.${region}.aliyuncs.com`,
    sagEndpoint: endpointFlag('--sag-endpoint', flags.sagEndpoint) ?? `https://smartag.${region}.aliyuncs.com`,
    fcEndpoint: `https://${accountId}.${region}.fc.aliyuncs.com`,
    env: { ...io.env, REGION: region },
  };
}
