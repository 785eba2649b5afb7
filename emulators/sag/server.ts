/**
 * The SAG emulator's HTTP layer: the POP RPC protocol (common/pop-rpc.ts) for smartag 2018-03-13 in front of a
 * {@link SagStore}, fault injection, and the `/__admin` API with SAG routes:
 * - `GET /__admin/instances`                 the instances
 * - `POST /__admin/instances`                add instances: one object, an array, or `{"instances": [...]}`
 * - `GET /__admin/users?smartAGId=sag-…`     the users of one instance
 * - `POST /__admin/users`                    seed one user: `{"smartAGId": "sag-…", "userMail": …, …}`
 */
import http from 'node:http';
import { AdminInputError, type AdminRoute } from '../common/admin.js';
import { FaultInjector, type FaultErrorSpec } from '../common/faults.js';
import { PopRpcProtocol, createPopRpcHandler, type PopCredential } from '../common/pop-rpc.js';
import { SAG_ACTIONS, SAG_API_VERSION, dispatchSagAction } from './actions.js';
import { DEFAULT_CREDENTIALS, instancesFromJson, loadInstancesFile, type SagEmulatorOptions } from './config.js';
import { SAG_ERROR_MESSAGES, SagConfigError } from './errors.js';
import { SagStore, type SagUserSeed } from './sag-store.js';

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
  region: string;
  credentials: readonly PopCredential[];
  /** Store back to the initial instances, nonces forgotten, fault rules cleared. */
  reset(): void;
}

/** Runs a seeding function, turning SagConfigError into the admin API's 400. */
function adminInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SagConfigError) throw new AdminInputError(err.message);
    throw err;
  }
}

/** Builds (but does not start) the emulator's HTTP server. Throws SagConfigError on bad options. */
export function createSagServer(options: SagEmulatorOptions = {}): SagServer {
  const region = options.region ?? 'cn-shanghai';
  const credentials = options.credentials?.length ? options.credentials : DEFAULT_CREDENTIALS;
  const instances = [...(options.instances ?? []), ...(options.instancesFile ? loadInstancesFile(options.instancesFile) : [])];
  const store = new SagStore({ regionId: region, maxBandwidthKbps: options.maxBandwidthKbps, initialInstances: instances, now: options.now });
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
  });
  const reset = () => {
    store.reset();
    protocol.resetNonces();
    faults.clear();
  };
  const extra: Record<string, AdminRoute> = {
    'GET /instances': () => ({ instances: store.listInstances() }),
    'POST /instances': (body) =>
      adminInput(() => {
        const list = instancesFromJson(body, 'POST /__admin/instances');
        // All or nothing: validate on a scratch store first.
        const scratch = new SagStore({ regionId: region, maxBandwidthKbps: store.maxBandwidthKbps });
        for (const existing of store.listInstances()) scratch.addInstance(existing);
        for (const input of list) scratch.addInstance(structuredClone(input));
        return { instances: list.map((input) => store.addInstance(input)) };
      }),
    'GET /users': (_body, req) =>
      adminInput(() => {
        const query = new URL(req.url ?? '/', 'http://x').searchParams;
        const id = query.get('smartAGId') ?? query.get('instanceId') ?? '';
        const users = store.listUsers(id);
        if (!users) throw new SagConfigError(`no instance "${id}" (pass ?smartAGId=…)`);
        return { smartAGId: id, users };
      }),
    'POST /users': (body) =>
      adminInput(() => {
        if (body === null || typeof body !== 'object') throw new SagConfigError('expected {"smartAGId": "sag-…", "userMail": "…", …}');
        const { smartAGId, ...seed } = body as { smartAGId?: unknown } & Record<string, unknown>;
        if (typeof smartAGId !== 'string') throw new SagConfigError('smartAGId is required');
        return { user: store.seedUser(smartAGId, seed as unknown as SagUserSeed) };
      }),
  };
  const onInternalError =
    options.onInternalError ??
    ((err: unknown) => {
      process.stderr.write(`[sag-emulator] unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    });
  const handler = createPopRpcHandler({
    protocol,
    faults,
    dispatch: (request) => dispatchSagAction(store, request.action, request.params),
    admin: { state: () => store.snapshot(), reset: () => {
      store.reset();
      protocol.resetNonces();
    }, extra },
    onInternalError,
  });
  const server = http.createServer(handler);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return { server, store, faults, protocol, region, credentials, reset };
}
