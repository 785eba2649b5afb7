/**
 * The SAG emulator's HTTP layer: the POP RPC protocol (common/pop-rpc.ts) for smartag 2018-03-13 in front of a
 * {@link SagStore}, fault injection, and the `/__admin` API with the SAG routes of admin-routes.ts.
 */
import http from 'node:http';
import { FaultInjector, type FaultErrorSpec } from '../common/faults.js';
import { PopRpcProtocol, createPopRpcHandler, type PopCredential } from '../common/pop-rpc.js';
import { SAG_ACTIONS, SAG_API_VERSION, dispatchSagAction } from './actions.js';
import { sagAdminRoutes } from './admin-routes.js';
import { BillingClock } from './billing-cycle.js';
import { DEFAULT_CREDENTIALS, loadInstancesFile, type SagEmulatorOptions } from './config.js';
import { SAG_ERROR_MESSAGES } from './errors.js';
import { SagStore } from './sag-store.js';

/** What a `ratePerSecond` fault rule answers unless it names a code. */
export const SAG_THROTTLE_ERROR: FaultErrorSpec = Object.freeze({
  code: 'Throttling.User',
  httpStatus: 429,
  message: 'Request was denied due to user flow control.',
});

/** The parts of a SAG emulator before it listens. */
export interface SagServer {
  server: http.Server;
  store: SagStore;
  faults: FaultInjector;
  protocol: PopRpcProtocol;
  /** The billing cycle's clock (admin `/__admin/billing-clock`). */
  billingClock: BillingClock;
  region: string;
  credentials: readonly PopCredential[];
  /** Store back to the initial instances, nonces forgotten, clocks and retry-after as configured, no faults. */
  reset(): void;
}

/** Builds (but does not start) the emulator's HTTP server. Throws SagConfigError on bad options. */
export function createSagServer(options: SagEmulatorOptions = {}): SagServer {
  const region = options.region ?? 'cn-shanghai';
  const credentials = options.credentials?.length ? options.credentials : DEFAULT_CREDENTIALS;
  const instances = [...(options.instances ?? []), ...(options.instancesFile ? loadInstancesFile(options.instancesFile) : [])];
  const billingClock = new BillingClock(options.billingNow ?? options.now ?? Date.now);
  const store = new SagStore({
    regionId: region,
    maxBandwidthKbps: options.maxBandwidthKbps,
    initialInstances: instances,
    now: options.now,
    billingNow: billingClock.now,
  });
  const faults = new FaultInjector(SAG_THROTTLE_ERROR, options.seed);
  const protocol = new PopRpcProtocol({
    apiVersion: SAG_API_VERSION,
    hostId: `smartag.${region}.aliyuncs.com`,
    actions: SAG_ACTIONS,
    credentials,
    product: 'Smartag',
    messages: SAG_ERROR_MESSAGES,
    maxBodyBytes: options.maxBodyBytes,
    now: options.now,
    retryAfterMs: options.retryAfterMs,
  });
  const resetState = () => {
    store.reset();
    protocol.resetNonces();
    billingClock.set({});
    protocol.retryAfterMs = options.retryAfterMs;
  };
  const handler = createPopRpcHandler({
    protocol,
    faults,
    dispatch: (request) => dispatchSagAction(store, request.action, request.params),
    admin: { state: () => store.snapshot(), reset: resetState, extra: sagAdminRoutes({ store, protocol, billingClock, region }) },
    onInternalError: options.onInternalError ?? reportInternalError,
  });
  const server = http.createServer(handler);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  const reset = () => {
    resetState();
    faults.clear();
  };
  return { server, store, faults, protocol, billingClock, region, credentials, reset };
}

function reportInternalError(err: unknown): void {
  process.stderr.write(`[sag-emulator] unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}
