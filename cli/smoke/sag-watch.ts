/**
 * The SAG calls of `smoke`: Describe to watch the synthetic account, the probes, and the cleanup. They go through
 * the official pop-core client directly rather than the workers' paced client, so that every answer is seen as the
 * service sent it: a throttled answer is recorded (with its `x-acs-retry-after` header, if any) and waited out here.
 */
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { OPERATOR_CALL_TIMEOUT_MS } from '../clients.js';
import type { Target } from '../target.js';
import { SAG_API_VERSION, classifySagError, type SagCallError } from '../../shared/index.js';

/** Throttled answers waited out per call before it fails. */
const THROTTLED_TRIES = 5;
/** The wait after a throttled answer without `x-acs-retry-after`, and the longest one with it. */
const THROTTLED_WAIT_MS = 1000;
const THROTTLED_MAX_WAIT_MS = 5000;

/** What the smoke's own SAG calls saw of throttling. */
export interface ThrottleSeen {
  /** Throttled answers received. */
  throttled: number;
  /** Of those, how many carried `x-acs-retry-after`. */
  withRetryAfter: number;
}

/** The synthetic account on one instance: absent, or present with SAG's State (0 enabled, 1 disabled). */
export type AccountSeen = { present: false } | { present: true; state: number };

export class SmokeSag {
  private readonly rpc: RPCClient;
  readonly throttle: ThrottleSeen = { throttled: 0, withRetryAfter: 0 };

  constructor(target: Target) {
    this.rpc = new RPCClient({ endpoint: target.sagEndpoint, apiVersion: SAG_API_VERSION, ...target.credentials });
  }

  /** One call; throttled answers are counted and waited out; any other failure is thrown as a SagCallError. */
  async call<T extends object>(action: string, params: Record<string, string | number>): Promise<T & { RequestId?: string }> {
    for (let i = 1; ; i++) {
      try {
        return await this.rpc.request<T & { RequestId?: string }>(action, params, { method: 'POST', timeout: OPERATOR_CALL_TIMEOUT_MS });
      } catch (err) {
        const e: SagCallError = classifySagError(err);
        if (!e.throttled || i >= THROTTLED_TRIES) throw e;
        this.throttle.throttled++;
        if (e.retryAfterMs !== undefined) this.throttle.withRetryAfter++;
        await new Promise((r) => setTimeout(r, Math.min(e.retryAfterMs ?? THROTTLED_WAIT_MS, THROTTLED_MAX_WAIT_MS)));
      }
    }
  }

  /** Describe filtered by `userName`: the users SAG lists (the filter may or may not be exact). */
  async describe(regionId: string, smartAGId: string, userName: string): Promise<Array<{ UserName?: string; State?: number }>> {
    const res = await this.call<{ Users?: { User?: Array<{ UserName?: string; State?: number }> } }>('DescribeSmartAccessGatewayClientUsers', {
      RegionId: regionId,
      SmartAGId: smartAGId,
      UserName: userName,
      PageNumber: 1,
      PageSize: 50,
    });
    return res.Users?.User ?? [];
  }

  /** The account named exactly `userName` on an instance. */
  async account(regionId: string, smartAGId: string, userName: string): Promise<AccountSeen> {
    const user = (await this.describe(regionId, smartAGId, userName)).find((u) => u.UserName === userName);
    return user ? { present: true, state: Number(user.State ?? 0) } : { present: false };
  }
}
