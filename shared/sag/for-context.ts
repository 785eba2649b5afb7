/**
 * The SAG client for one invocation: the invocation's credentials, the configured endpoint and timeout, the
 * handler's flow control (flow.ts), and the invocation's soft deadline (until then throttled calls wait and retry).
 */
import type { WorkerContext } from '../worker-runtime.js';
import type { SagClient } from './client.js';
import { flowFor } from './flow.js';

/** `deadline`: epoch ms of the invocation's soft deadline, when the runtime provides it. */
export function sagFor(ctx: Pick<WorkerContext, 'config' | 'credentials'> & { deadline?: number }): SagClient {
  return flowFor(ctx.config)
    .client({ endpoint: ctx.config.sagEndpoint, credentials: ctx.credentials, timeoutMs: ctx.config.sagTimeoutMs })
    .withDeadline(ctx.deadline);
}
