/** The SAG client for one invocation: the invocation's credentials, the configured endpoint, timeout and rate. */
import type { WorkerContext } from '../worker-runtime.js';
import { cachedSagClient, type SagClient } from './client.js';

export function sagFor(ctx: Pick<WorkerContext, 'config' | 'credentials'>): SagClient {
  return cachedSagClient({
    endpoint: ctx.config.sagEndpoint,
    credentials: ctx.credentials,
    timeoutMs: ctx.config.sagTimeoutMs,
    maxCallsPerSecond: ctx.config.sagMaxCallsPerSecond,
  });
}
