/**
 * A minimal Function Compute 3.0 API emulator (2023-03-30): only `GetFunction`
 * (`GET /2023-03-30/functions/{functionName}`, https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-getfunction),
 * which `hr-sag-sync doctor --deployed` calls through the unmodified `@alicloud/fc20230330` client to compare the
 * deployed functions' variables with the local configuration. Signature V3 (`ACS3-HMAC-SHA256`), nonces, dates and
 * faults are the POP plumbing of ../common/pop-rpc.ts; an unknown function answers `FunctionNotFound` (404).
 *
 * @example
 * ```ts
 * const fc = await startFcEmulator({ functions: [{ functionName: 'hr-sag-sync-webhook', environmentVariables: { REGION: 'cn-shanghai' } }] });
 * const client = new FC({ accessKeyId: 'local-ak', accessKeySecret: 'local-sk', endpoint: fc.host + ':' + fc.port, protocol: 'http', regionId: 'cn-shanghai' });
 * (await client.getFunction('hr-sag-sync-webhook', new GetFunctionRequest({}))).body?.environmentVariables;
 * await fc.close();
 * ```
 */
import http from 'node:http';
import { FaultInjector } from '../common/faults.js';
import { listen } from '../common/http.js';
import { PopRpcError, PopRpcProtocol, createPopRpcHandler, type PopCredential, type PopRpcRequest } from '../common/pop-rpc.js';

export const FC_API_VERSION = '2023-03-30';
/** `npm run emulators`' port for FC. */
export const FC_DEFAULT_PORT = 9500;

export interface FcFunction {
  functionName: string;
  environmentVariables: Record<string, string>;
  runtime?: string;
  handler?: string;
}

export interface FcEmulatorOptions {
  host?: string;
  /** 0 (ephemeral) by default. */
  port?: number;
  region?: string;
  credentials?: PopCredential[];
  functions?: FcFunction[];
}

export interface FcEmulator {
  url: string;
  host: string;
  port: number;
  faults: FaultInjector;
  /** Adds or replaces a function. */
  setFunction(fn: FcFunction): void;
  deleteFunction(name: string): void;
  getFunction(name: string): FcFunction | undefined;
  close(): Promise<void>;
}

const FUNCTION_PATH = new RegExp(`^/${FC_API_VERSION}/functions/([^/]+)$`);

function getFunction(functions: Map<string, FcFunction>, region: string, request: PopRpcRequest): object {
  const m = FUNCTION_PATH.exec(request.path ?? '');
  const name = m ? decodeURIComponent(m[1] as string) : undefined;
  const fn = name === undefined ? undefined : functions.get(name);
  if (!fn) throw new PopRpcError('FunctionNotFound', 404, `function '${name ?? request.path}' does not exist`);
  return {
    functionName: fn.functionName,
    functionArn: `acs:fc:${region}:${request.accessKeyId}:functions/${fn.functionName}`,
    runtime: fn.runtime ?? 'nodejs20',
    handler: fn.handler ?? 'index.handler',
    environmentVariables: { ...fn.environmentVariables },
  };
}

/** Starts the emulator on `host:port` (127.0.0.1, ephemeral by default). */
export async function startFcEmulator(options: FcEmulatorOptions = {}): Promise<FcEmulator> {
  const region = options.region ?? 'cn-shanghai';
  const functions = new Map((options.functions ?? []).map((f) => [f.functionName, f]));
  const faults = new FaultInjector({ code: 'TooManyRequests', httpStatus: 429, message: 'Reached limit' });
  const protocol = new PopRpcProtocol({
    apiVersion: FC_API_VERSION,
    hostId: `fc.${region}.aliyuncs.com`,
    actions: ['GetFunction'],
    credentials: options.credentials ?? [{ accessKeyId: 'local-ak', accessKeySecret: 'local-sk' }],
    product: 'FC',
  });
  const handler = createPopRpcHandler({
    protocol,
    faults,
    dispatch: (request) => getFunction(functions, region, request),
    admin: { state: () => ({ functions: [...functions.values()] }), reset: () => functions.clear() },
  });
  const running = await listen(http.createServer(handler), options.host ?? '127.0.0.1', options.port ?? 0);
  return {
    ...running,
    faults,
    setFunction: (fn) => void functions.set(fn.functionName, { ...fn, environmentVariables: { ...fn.environmentVariables } }),
    deleteFunction: (name) => void functions.delete(name),
    getFunction: (name) => functions.get(name),
  };
}
