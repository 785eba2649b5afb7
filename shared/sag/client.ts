/**
 * The Smart Access Gateway client-user API (smartag 2018-03-13), through the official `@alicloud/pop-core`.
 * Every call goes through the function instance's flow control ({@link SagFlow}: shared/sag/flow.ts):
 * - the breaker first: a call in an open scope (the account, or an instance the directory names) fails fast with
 *   SystemicError, except one probe at growing intervals;
 * - then the adaptive pacer (shared/sag/pacer.ts): a token and a concurrency slot;
 * - a throttled answer is pacing, not failure: the call waits for its next turn and is sent again, as long as the
 *   caller's deadline allows; after that it throws ThrottledError with the expected wait;
 * - a systemic answer opens the breaker and throws SystemicError; every other failure is thrown as a
 *   {@link SagCallError} (see errors.ts).
 */
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import type { Admission } from '../breaker.js';
import type { Credentials } from '../credentials.js';
import { ThrottledError } from '../errors.js';
import { classifySagError, systemicFix, type SagCallError } from './errors.js';
import { PacingDeferred } from './pacer.js';
import type { SagFlow } from './flow.js';

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
  /** The instance's pacer and breaker (shared by every client of one function instance). */
  flow: SagFlow;
  /**
   * Whether an instance id is one the site directory names (then `SAG.InstanceNoFound` opens that instance's
   * breaker). Default: every instance a call names, because events carry the site the directory gave when they
   * were routed.
   */
  knownInstance?: (smartAGId: string) => boolean;
}

/** How long a throttled call may keep waiting when the caller gives no deadline, in ms. */
export const DEFAULT_PACING_WAIT_MS = 20_000;

/** The breaker scope of every SAG call of the account. */
export const SAG_ACCOUNT_SCOPE = 'sag:account';

/** Breaker scopes a call names: the account, each instance, and for a roam its route. */
function scopesOf(params: Record<string, string | number>): { all: string[]; instance: string } {
  const ids = [params.SmartAGId, params.OriginSmartAGId, params.TargetSmartAGId].filter((v): v is string => typeof v === 'string' && v !== '');
  const all = [SAG_ACCOUNT_SCOPE, ...ids.map((id) => `sag:instance:${id}`)];
  // Roam's SAG.InstanceNoFound does not say which of its two instances is missing: it pauses the route only.
  const instance = ids.length > 1 ? `sag:route:${params.OriginSmartAGId}>${params.TargetSmartAGId}` : `sag:instance:${ids[0] ?? 'unknown'}`;
  if (ids.length > 1) all.push(instance);
  return { all, instance };
}

interface RawUser {
  UserName?: string;
  UserMail?: string;
  Bandwidth?: number;
  ClientIp?: string;
  State?: number;
}

export class SagClient {
  private readonly rpc: RPCClient;
  /** Epoch ms until which throttled calls wait (undefined: DEFAULT_PACING_WAIT_MS from each call). */
  private deadline: number | undefined;

  constructor(private readonly opts: SagClientOptions) {
    this.rpc = new RPCClient({
      endpoint: opts.endpoint,
      apiVersion: SAG_API_VERSION,
      accessKeyId: opts.credentials.accessKeyId,
      accessKeySecret: opts.credentials.accessKeySecret,
      securityToken: opts.credentials.securityToken,
    });
  }

  /** This client for one invocation: throttled calls wait and retry until `deadline` (epoch ms). */
  withDeadline(deadline: number | undefined): SagClient {
    const view = Object.create(this) as SagClient;
    view.deadline = deadline;
    return view;
  }

  /**
   * One API call: breaker, pacing, POST (form body), throttled answers retried until the deadline, every failure
   * classified. Throws ThrottledError, SystemicError or SagCallError.
   */
  async call<T extends object = Record<string, unknown>>(
    action: string,
    params: Record<string, string | number | undefined>,
  ): Promise<T & { RequestId?: string }> {
    const clean: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(params)) if (v !== undefined) clean[k] = v;
    const scopes = scopesOf(clean);
    const deadline = this.deadline ?? Date.now() + DEFAULT_PACING_WAIT_MS;
    for (;;) {
      const answer = await this.attempt<T>(action, clean, scopes.all, deadline);
      if (answer.ok) return answer.value;
      const e = answer.error;
      if (e.throttled) continue;
      if (e.kind === 'systemic') throw this.trip(e, e.systemicScope === 'account' ? SAG_ACCOUNT_SCOPE : scopes.instance, answer.admission);
      throw e;
    }
  }

  /** One try: admitted by the breaker and the pacer, then sent; feedback goes back to both. */
  private async attempt<T>(
    action: string,
    params: Record<string, string | number>,
    scopes: string[],
    deadline: number,
  ): Promise<{ ok: true; value: T & { RequestId?: string } } | { ok: false; error: SagCallError; admission: Admission }> {
    const { pacer, breaker } = this.opts.flow;
    const admission = breaker.admit(scopes);
    let paced: Awaited<ReturnType<typeof pacer.acquire>>;
    try {
      paced = await pacer.acquire(deadline);
    } catch (err) {
      breaker.released(scopes);
      if (!(err instanceof PacingDeferred)) throw err;
      throw new ThrottledError('sag.throttled', `${action}: SAG rate limit reached; ${err.message}`, err.retryAfterMs);
    }
    try {
      const value = await this.rpc.request<T & { RequestId?: string }>(action, params, { method: 'POST', timeout: this.opts.timeoutMs });
      paced.done('ok');
      breaker.succeeded(scopes);
      return { ok: true, value };
    } catch (err) {
      const error = classifySagError(err, { namesKnownInstance: this.namesKnownInstance(params) });
      paced.done(error.throttled ? 'throttled' : 'failed', error.retryAfterMs);
      // Any answer from SAG that is not systemic proves the credentials and the instances work.
      if (error.kind !== 'systemic' && error.requestId && !error.throttled) breaker.succeeded(scopes);
      else if (error.kind !== 'systemic') breaker.released(scopes);
      return { ok: false, error, admission };
    }
  }

  private namesKnownInstance(params: Record<string, string | number>): boolean {
    const ids = [params.SmartAGId, params.OriginSmartAGId, params.TargetSmartAGId].filter((v): v is string => typeof v === 'string');
    const known = this.opts.knownInstance ?? (() => true);
    return ids.length > 0 && ids.every(known);
  }

  private trip(e: SagCallError, scope: string, admission: Admission) {
    return this.opts.flow.breaker.trip(
      scope,
      { reason: e.reason, message: `${e.sagCode}: ${e.message}`, fix: systemicFix(e.sagCode), requestId: e.requestId, upstreamCode: e.sagCode },
      admission,
    );
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

  /**
   * One page of every client user of an instance (DescribeSmartAccessGatewayClientUsers without filters), 1-based,
   * with the instance's total.
   */
  async listUsers(regionId: string, smartAGId: string, pageNumber: number, pageSize: number): Promise<{ users: SagUser[]; totalCount: number }> {
    const res = await this.call<{ TotalCount?: number; Users?: { User?: RawUser[] } }>('DescribeSmartAccessGatewayClientUsers', {
      RegionId: regionId,
      SmartAGId: smartAGId,
      PageNumber: pageNumber,
      PageSize: pageSize,
    });
    const users = (res.Users?.User ?? []).map((u) => ({
      userName: u.UserName ?? '',
      userMail: u.UserMail ?? '',
      bandwidth: u.Bandwidth,
      clientIp: u.ClientIp,
      state: u.State,
    }));
    return { users, totalCount: Number(res.TotalCount ?? 0) };
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
