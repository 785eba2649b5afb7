/**
 * Where API credentials come from. In Function Compute: the FC context's STS credentials of the function's role
 * (`context.credentials`), refreshed by the platform; they win whenever present. Locally (no context credentials):
 * `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN`.
 */
import { ConfigError } from './errors.js';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** The part of the FC 3.0 context object this project reads. */
export interface FcContext {
  requestId?: string;
  accountId?: string;
  region?: string;
  credentials?: Partial<Credentials>;
  function?: { name?: string; timeout?: number; memory?: number };
}

export function resolveCredentials(context: FcContext | undefined, env: NodeJS.ProcessEnv = process.env): Credentials {
  const c = context?.credentials;
  if (c?.accessKeyId && c.accessKeySecret) {
    return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken || undefined };
  }
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (id && secret) return { accessKeyId: id, accessKeySecret: secret, securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined };
  throw new ConfigError('no credentials: the FC context has none and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET are unset (local mode only)');
}

/** A stable key for caching clients per credential set (the secret itself is not kept in the key). */
export function credentialsKey(c: Credentials): string {
  return `${c.accessKeyId}\n${c.securityToken ?? ''}`;
}
