/**
 * The flow control of one function instance: its SAG {@link Pacer} and its {@link Breaker}, shared by every
 * message and every SagClient the instance uses.
 *
 * It belongs to the worker handler, not to the module: {@link flowFor} keys it on the handler's Config object,
 * which the runtime builds once per handler (cold start). On FC one process runs one handler, so this is the
 * instance's flow control; the local stack builds one handler per emulated instance (WORKER_INSTANCES), so each
 * emulated instance paces and breaks on its own, as separate FC instances do.
 */
import { Breaker } from '../breaker.js';
import { keyedCache } from '../client-cache.js';
import type { Config } from '../config.js';
import { credentialsKey } from '../credentials.js';
import { createLogger } from '../logger.js';
import { SagClient, type SagClientOptions } from './client.js';
import { Pacer } from './pacer.js';

export interface SagFlow {
  pacer: Pacer;
  breaker: Breaker;
  /** One SagClient per endpoint, timeout and credential set (FC rotates the STS credentials per invocation). */
  client(o: Omit<SagClientOptions, 'flow'>): SagClient;
}

/** The knobs flow control reads. */
export type FlowConfig = Pick<Config, 'sagMaxCallsPerSecond' | 'breaker' | 'retry' | 'logLevel'>;

/** A new pacer and breaker from the configuration. */
export function createSagFlow(config: FlowConfig, now: () => number = Date.now): SagFlow {
  const flow: SagFlow = {
    pacer: new Pacer({ ceiling: config.sagMaxCallsPerSecond, now }),
    breaker: new Breaker({
      log: createLogger({ component: 'breaker' }, config.logLevel),
      now,
      baseSeconds: config.breaker.baseSeconds,
      maxSeconds: config.breaker.maxSeconds,
      scale: config.retry.delayScale,
    }),
    client: keyedCache(
      (o: Omit<SagClientOptions, 'flow'>) => `${o.endpoint}\n${o.timeoutMs}\n${credentialsKey(o.credentials)}`,
      (o: Omit<SagClientOptions, 'flow'>) => new SagClient({ ...o, flow }),
    ),
  };
  return flow;
}

const flows = new WeakMap<object, SagFlow>();

/** The flow control of the handler that owns `config`. */
export function flowFor(config: Config): SagFlow {
  let flow = flows.get(config);
  if (!flow) {
    flow = createSagFlow(config);
    flows.set(config, flow);
  }
  return flow;
}
