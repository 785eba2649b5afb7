/** The official SDK clients for a target: MNS (data plane), mns-open (queue attributes with DlqPolicy) and SAG. */
import type MNSClient from '@alicloud/mns/lib/client.js';
import { clientsFor, type RpcApi } from '../deploy/setup.js';
import type { Target } from './target.js';
import { SagClient, createMnsClient, createSagFlow, loadConfig } from '../shared/index.js';

/** Per-call timeout of the operator's calls: longer than the functions' (a laptop on a slow link). */
export const OPERATOR_CALL_TIMEOUT_MS = 15_000;
/** Per ledger (Tablestore) call of a command (status, setup). */
export const OPERATOR_LEDGER_TIMEOUT_MS = 10_000;

export function mnsFor(t: Target): MNSClient {
  return createMnsClient({
    accountId: t.accountId,
    region: t.region,
    endpoint: t.mnsEndpoint,
    credentials: t.credentials,
    timeoutMs: OPERATOR_CALL_TIMEOUT_MS,
  });
}

/** The mns-open client `setup` uses (its API version in one place: deploy/setup.ts). */
export function mnsOpenFor(t: Target): RpcApi {
  return clientsFor({ accountId: t.accountId, endpoint: t.mnsEndpoint, mnsOpenEndpoint: t.mnsOpenEndpoint, credentials: t.credentials }).mnsOpen;
}

export function sagFor(t: Target): SagClient {
  // The operator's calls pace themselves like a worker instance's (adaptive, throttling waited out, breaker), with
  // the default knobs: the functions' configuration may be the very thing `doctor` reports as invalid.
  return new SagClient({
    endpoint: t.sagEndpoint,
    credentials: t.credentials,
    timeoutMs: OPERATOR_CALL_TIMEOUT_MS,
    flow: createSagFlow(loadConfig({ LOG_LEVEL: 'error' })),
  });
}
