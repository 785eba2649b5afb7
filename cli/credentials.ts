/**
 * The operator's credentials, from the standard Alibaba Cloud chain
 * (https://www.alibabacloud.com/help/en/sdk/developer-reference/v2-manage-node-js-access-credentials):
 *
 * 1. `--profile NAME`: that profile of the aliyun CLI's file `~/.aliyun/config.json`
 *    (https://www.alibabacloud.com/help/en/cli/configure-credentials), when the flag is given;
 * 2. `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (/ `ALIBABA_CLOUD_SECURITY_TOKEN`);
 * 3. the profile named by `ALIBABA_CLOUD_PROFILE`, else the file's `current` profile.
 *
 * Profiles of mode `AK` and `StsToken` are read; other modes (RamRoleArn, EcsRamRole, …) need the aliyun CLI to
 * mint a token: the error says so. The secret never leaves this module in a message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './exit-codes.js';
import type { Credentials } from '../shared/index.js';

interface AliyunProfile {
  name?: string;
  mode?: string;
  access_key_id?: string;
  access_key_secret?: string;
  sts_token?: string;
  region_id?: string;
}

export interface ResolvedCredentials {
  credentials: Credentials;
  /** Where they came from: `environment`, `profile <name>`. */
  source: string;
  /** The profile's region, when a profile was used. */
  profileRegion?: string;
}

/** The aliyun CLI's configuration file under `home`. */
export const aliyunConfigPath = (home: string) => join(home, '.aliyun', 'config.json');

function readProfiles(home: string): { current?: string; profiles: AliyunProfile[] } | undefined {
  let text: string;
  try {
    text = readFileSync(aliyunConfigPath(home), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const doc = JSON.parse(text) as { current?: string; profiles?: AliyunProfile[] };
    return { current: doc.current, profiles: Array.isArray(doc.profiles) ? doc.profiles : [] };
  } catch {
    throw new UsageError(`${aliyunConfigPath(home)} is not valid JSON: run \`aliyun configure\` again`);
  }
}

function fromProfile(home: string, name: string | undefined, explicit: boolean): ResolvedCredentials | undefined {
  const file = readProfiles(home);
  if (!file) {
    if (explicit) throw new UsageError(`--profile ${name}: ${aliyunConfigPath(home)} does not exist (run \`aliyun configure --profile ${name}\`)`);
    return undefined;
  }
  const wanted = name ?? file.current ?? 'default';
  const p = file.profiles.find((x) => x.name === wanted);
  if (!p) {
    if (explicit)
      throw new UsageError(`profile "${wanted}" is not in ${aliyunConfigPath(home)} (profiles: ${file.profiles.map((x) => x.name).join(', ') || 'none'})`);
    return undefined;
  }
  const mode = p.mode ?? 'AK';
  if (mode !== 'AK' && mode !== 'StsToken') {
    throw new UsageError(
      `profile "${wanted}" has mode ${mode}; only AK and StsToken profiles are read: export ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET/SECURITY_TOKEN instead`,
    );
  }
  if (!p.access_key_id || !p.access_key_secret) throw new UsageError(`profile "${wanted}" has no AccessKey: run \`aliyun configure --profile ${wanted}\``);
  return {
    credentials: {
      accessKeyId: p.access_key_id,
      accessKeySecret: p.access_key_secret,
      securityToken: mode === 'StsToken' ? p.sts_token || undefined : undefined,
    },
    source: `profile ${wanted}`,
    profileRegion: p.region_id || undefined,
  };
}

/** The first credentials of the chain (see the file comment). Throws UsageError when there are none. */
export function resolveOperatorCredentials(env: NodeJS.ProcessEnv, home: string, profile?: string): ResolvedCredentials {
  if (profile) return fromProfile(home, profile, true) as ResolvedCredentials;
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (id && secret)
    return { credentials: { accessKeyId: id, accessKeySecret: secret, securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined }, source: 'environment' };
  const fromFile = fromProfile(home, env.ALIBABA_CLOUD_PROFILE || undefined, !!env.ALIBABA_CLOUD_PROFILE);
  if (fromFile) return fromFile;
  throw new UsageError(
    'no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, run `aliyun configure` (then --profile NAME), or use --local for the local stack',
  );
}
