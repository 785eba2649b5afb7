/**
 * The Smart Access Gateway client-user API (smartag 2018-03-13), through the official `@alicloud/pop-core`.
 * Every failure is thrown as a {@link SagCallError} (see errors.ts). Calls are spread by an optional
 * per-process rate limit shared by every client instance (an FC instance handles one invocation at a time).
 */
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { keyedCache } from '../client-cache.js';
import { credentialsKey, type Credentials } from '../credentials.js';
import { RateLimiter } from '../rate-limiter.js';
import { classifySagError } from './errors.js';

export const SAG_API_VERSION = '2018-03-13';

export interface SagUser {
  userName: string;
  userMail: string;
  bandwidth?: number;
  clientIp?: string;
  state?: number;
}

export interface CreateUserInput {
  regionId: string;
  smartAGId: string;
  userMail: string;
  bandwidth: number;
  userName?: string;
  password?: string;
}

export interface RoamInput {
  regionId: string;
  targetSmartAGId: string;
  originRegionId: string;
  originSmartAGId: string;
  userName: string;
}

export interface SagClientOptions {
  endpoint: string;
  credentials: Credentials;
  timeoutMs: number;
  maxCallsPerSecond?: number;
}

interface RawUser {
  UserName?: string;
  UserMail?: string;
  Bandwidth?: number;
  ClientIp?: string;
  State?: number;
}

let sharedLimiter = new RateLimiter(0);

export class SagClient {
  private readonly rpc: RPCClient;
  private readonly limiter: RateLimiter;

  constructor(private readonly opts: SagClientOptions) {
    this.rpc = new RPCClient({
      endpoint: opts.endpoint,
      apiVersion: SAG_API_VERSION,
      accessKeyId: opts.credentials.accessKeyId,
      accessKeySecret: opts.credentials.accessKeySecret,
      securityToken: opts.credentials.securityToken,
    });
    const rate = opts.maxCallsPerSecond ?? 0;
    if (sharedLimiter.ratePerSecond !== rate) sharedLimiter = new RateLimiter(rate);
    this.limiter = sharedLimiter;
  }

  /** One API call: rate-limited, POST (form body), every failure classified. */
  async call<T extends object = Record<string, unknown>>(action: string, params: Record<string, string | number | undefined>): Promise<T & { RequestId?: string }> {
    const clean: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) clean[k] = v;
    await this.limiter.acquire();
    try {
      return await this.rpc.request<T & { RequestId?: string }>(action, clean, { method: 'POST', timeout: this.opts.timeoutMs });
    } catch (err) {
      throw classifySagError(err);
    }
  }

  /** CreateSmartAccessGatewayClientUser. UserName and Password go together or not at all. */
  async createClientUser(input: CreateUserInput): Promise<{ requestId?: string; userName: string }> {
    const res = await this.call<{ UserName?: string }>('CreateSmartAccessGatewayClientUser', {
      RegionId: input.regionId,
      SmartAGId: input.smartAGId,
      UserMail: input.userMail,
      Bandwidth: input.bandwidth,
      UserName: input.userName,
      Password: input.password,
    });
    return { requestId: res.RequestId, userName: res.UserName ?? input.userName ?? input.userMail };
  }

  /**
   * The user named `userName` on an instance, or undefined. Filters by UserName and then matches exactly
   * (whether the API's filter is exact or fuzzy is undocumented), walking the pages if the filter is fuzzy.
   */
  async findUser(regionId: string, smartAGId: string, userName: string): Promise<{ user?: SagUser; requestId?: string }> {
    const pageSize = 50;
    for (let page = 1; page <= 40; page++) {
      const res = await this.call<{ TotalCount?: number; Users?: { User?: RawUser[] } }>('DescribeSmartAccessGatewayClientUsers', {
        RegionId: regionId,
        SmartAGId: smartAGId,
        UserName: userName,
        PageNumber: page,
        PageSize: pageSize,
      });
      const users = res.Users?.User ?? [];
      const hit = users.find((u) => u.UserName === userName);
      if (hit) {
        return {
          requestId: res.RequestId,
          user: { userName: hit.UserName as string, userMail: hit.UserMail ?? '', bandwidth: hit.Bandwidth, clientIp: hit.ClientIp, state: hit.State },
        };
      }
      if (users.length < pageSize || page * pageSize >= Number(res.TotalCount ?? 0)) return { requestId: res.RequestId };
    }
    return {};
  }

  /** RoamClientUser: makes the origin instance's user usable on the target instance. */
  async roamClientUser(input: RoamInput): Promise<{ requestId?: string }> {
    const res = await this.call('RoamClientUser', {
      RegionId: input.regionId,
      TargetSmartAGId: input.targetSmartAGId,
      OriginRegionId: input.originRegionId,
      OriginSmartAGId: input.originSmartAGId,
      UserName: input.userName,
    });
    return { requestId: res.RequestId };
  }
}

/** One SagClient per endpoint and credential set (FC rotates the STS credentials it hands to each invocation). */
export const cachedSagClient = keyedCache(
  (o: SagClientOptions) => `${o.endpoint}\n${o.timeoutMs}\n${o.maxCallsPerSecond ?? 0}\n${credentialsKey(o.credentials)}`,
  (o: SagClientOptions) => new SagClient(o),
);
