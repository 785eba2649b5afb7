/**
 * The MNS emulator's HTTP layer, one request listener for three APIs on one port:
 * - `/__admin/*`: the admin API (emulators/common/admin.ts plus admin-routes.ts);
 * - `/` (parameters in the query, or a form-encoded POST body): the mns-open 2022-01-19 management RPC API
 *   (mns-open.ts), authenticated by the shared POP RPC layer;
 * - everything else: the 2015-06-06 XML data plane (rest-api.ts), authenticated by auth.ts.
 * Each routed request calls `faults.decide(operation, queue)` once and honours the decision (fault-effects.ts).
 * Every request is answered (or deliberately reset); no request can crash the server.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { handleAdmin, isAdminPath, type AdminOptions } from '../common/admin.js';
import { FaultInjector, type FaultErrorSpec } from '../common/faults.js';
import { BodyTooLargeError, readBody } from '../common/http.js';
import { commonError, isApiErrorLike, type PopRpcRequest } from '../common/pop-rpc.js';
import { adminRoutes, snapshotOf, type MnsSnapshot } from './admin-routes.js';
import { MnsAuthenticator, MNS_API_VERSION, type MnsCredential } from './auth.js';
import { MnsApiError, messageForCode, mnsError } from './errors.js';
import { resetSocket, serveWithFaults, writeReply, type Reply } from './fault-effects.js';
import { LongPoll } from './long-poll.js';
import { applyMnsOpen, mnsOpenProtocol, sendMnsOpenSuccess } from './mns-open.js';
import { QueueStore } from './queue-store.js';
import { applyOperation, parseQuery, route, type RestContext, type RestResult, type RoutedRequest } from './rest-api.js';
import { errorXml } from './xml.js';

/** What a rate-limit fault rule without a code answers: 429 TooManyRequests (https://www.alibabacloud.com/help/en/mns/developer-reference/flow-limiting-policy). */
export const MNS_THROTTLE_ERROR: Readonly<FaultErrorSpec> = Object.freeze({
  code: 'TooManyRequests',
  httpStatus: 429,
  message: 'The request is denied by cluster flow limiter for too many requests.',
});

/** Largest request body read (bigger ones are drained unbuffered and refused with InvalidArgument 400). */
export const MNS_MAX_BODY_BYTES = 1024 * 1024;

export interface MnsServerOptions {
  accountId: string;
  region: string;
  credentials: readonly MnsCredential[];
  /** Allowed Date skew, seconds. */
  maxDateSkewSeconds: number;
  seed?: number;
  /** The store's clock (default Date.now). */
  now?: () => number;
  /** The public URL, for QueueURL, Location and HostId (known once listening). */
  url: () => string;
  maxBodyBytes?: number;
  /** Errors that are not API errors (answered as InternalError 500). Default: written to stderr. */
  onInternalError?: (err: unknown) => void;
}

export interface MnsServer {
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  store: QueueStore;
  faults: FaultInjector;
  longPoll: LongPoll;
  snapshot(): MnsSnapshot;
  /** Queues, messages, waits, nonces and fault rules cleared. */
  reset(): void;
  /** Ends the waits (call before closing the HTTP server). */
  close(): void;
}

/** Request ids shaped like the service's (24 upper-case hex digits), cheap to mint. */
function requestIds(): () => string {
  const prefix = randomBytes(4).toString('hex').toUpperCase();
  let n = 0;
  return () => prefix + (++n).toString(16).toUpperCase().padStart(16, '0');
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** `/` is the management API's path (the data plane has nothing there): any request to it is an RPC request. */
function isRpcRequest(url: string): boolean {
  return pathOf(url) === '/';
}

/** What one emulator's handlers share: its options, state, authenticators and helpers. */
interface Parts {
  o: MnsServerOptions;
  store: QueueStore;
  faults: FaultInjector;
  auth: MnsAuthenticator;
  longPoll: LongPoll;
  protocol: ReturnType<typeof mnsOpenProtocol>;
  nextRequestId: () => string;
  maxBody: number;
  onInternal: (err: unknown) => void;
  ctx: RestContext;
}

function createParts(o: MnsServerOptions): Parts {
  const store = new QueueStore(o.accountId, o.region, o.now ?? Date.now);
  const longPoll = new LongPoll(store);
  store.onAvailable = (queue) => longPoll.notify(queue);
  return {
    o,
    store,
    faults: new FaultInjector(MNS_THROTTLE_ERROR, o.seed),
    // Request Dates and Timestamps are written from the client's wall clock: they are checked against the wall
    // clock, not against the queues' clock (a test that moves `now` days ahead must still be able to call).
    auth: new MnsAuthenticator(o.credentials, o.maxDateSkewSeconds * 1000),
    longPoll,
    protocol: mnsOpenProtocol(o.region, o.credentials),
    nextRequestId: requestIds(),
    maxBody: o.maxBodyBytes ?? MNS_MAX_BODY_BYTES,
    onInternal: o.onInternalError ?? ((err: unknown) => process.stderr.write(`MNS emulator internal error: ${(err as Error)?.stack ?? String(err)}\n`)),
    ctx: { store, longPoll, url: o.url },
  };
}

// ---- XML data plane ------------------------------------------------------------------------------------------

const xmlReply =
  (requestId: string, status: number, xml?: string, headers?: Record<string, string>): Reply =>
  (res) => {
    const h: Record<string, string | number> = { 'x-mns-request-id': requestId, 'x-mns-version': MNS_API_VERSION, ...headers };
    if (xml) {
      h['content-type'] = 'text/xml;charset=utf-8';
      h['content-length'] = Buffer.byteLength(xml);
    } else h['content-length'] = 0;
    res.writeHead(status, h);
    res.end(xml);
  };

const errorReply = (p: Parts, requestId: string, err: MnsApiError): Reply =>
  xmlReply(requestId, err.httpStatus, errorXml(err.code, err.message, requestId, p.o.url()));

/** An API error as its XML answer; anything else is reported and answered InternalError. */
function failure(p: Parts, requestId: string, err: unknown): Reply {
  if (err instanceof MnsApiError) return errorReply(p, requestId, err);
  p.onInternal(err);
  return errorReply(p, requestId, mnsError('InternalError'));
}

/** The request body, or undefined once the request has been answered (too large) or dropped (client gone). */
async function readRestBody(p: Parts, req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<string | undefined> {
  try {
    return (await readBody(req, p.maxBody)).toString('utf8');
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      writeReply(res, errorReply(p, requestId, mnsError('InvalidArgument', `The request body should not be larger than ${p.maxBody} bytes.`)));
      return undefined;
    }
    // The client left mid-body: nobody is left to answer, and it is not the emulator's failure.
    if (!res.destroyed) res.destroy();
    return undefined;
  }
}

/** Authenticates and routes a data-plane request, or throws the API error that answers it. */
function routeRest(p: Parts, req: http.IncomingMessage, body: string): { routed: RoutedRequest; query: Map<string, string> } {
  const url = req.url ?? '/';
  p.auth.authenticate(req, Date.now());
  const query = parseQuery(url);
  return { routed: route(req.method ?? 'GET', pathOf(url), query, body), query };
}

async function serveRest(p: Parts, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const requestId = p.nextRequestId();
  const body = await readRestBody(p, req, res, requestId);
  if (body === undefined) return;
  let routed: ReturnType<typeof routeRest>;
  try {
    routed = routeRest(p, req, body);
  } catch (err) {
    return writeReply(res, failure(p, requestId, err));
  }
  const { routed: op, query } = routed;
  await serveWithFaults(req, res, p.faults.decide(op.op, op.queue), {
    apply: () =>
      applyOperation(p.ctx, op, { headers: req.headers, query, body, onGone: (cb) => res.once('close', cb) }).then(
        (r: RestResult) => xmlReply(requestId, r.status, r.xml, r.headers),
        (err: unknown) => failure(p, requestId, err),
      ),
    fault: (spec) => errorReply(p, requestId, new MnsApiError(spec.code, spec.httpStatus, messageForCode(spec.code, spec.message))),
  });
}

// ---- mns-open management RPC ---------------------------------------------------------------------------------

function rpcFailure(p: Parts, requestId: string, err: unknown): Reply {
  if (isApiErrorLike(err)) return (res) => p.protocol.sendError(res, requestId, err);
  p.onInternal(err);
  return (res) => p.protocol.sendError(res, requestId, commonError('InternalError'));
}

/** Applies one management action (a deleted queue also ends its long polls). */
function applyRpc(p: Parts, request: PopRpcRequest, requestId: string): Reply {
  try {
    const data = applyMnsOpen(p.store, request);
    if (request.action === 'DeleteQueue' && request.params.QueueName) p.longPoll.endQueue(request.params.QueueName);
    return (r: http.ServerResponse) => sendMnsOpenSuccess(r, requestId, data);
  } catch (err) {
    return rpcFailure(p, requestId, err);
  }
}

async function serveRpc(p: Parts, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const requestId = p.protocol.newRequestId();
  let request: PopRpcRequest;
  try {
    request = await p.protocol.receive(req, requestId);
  } catch (err) {
    return writeReply(res, rpcFailure(p, requestId, err));
  }
  await serveWithFaults(req, res, p.faults.decide(request.action, request.params.QueueName), {
    apply: async () => applyRpc(p, request, requestId),
    fault: (spec) => (r) => p.protocol.sendError(r, requestId, p.protocol.faultError(spec)),
  });
}

// ---- admin and dispatch --------------------------------------------------------------------------------------

/** Queues, messages, waits and nonces cleared (fault rules are kept: the admin reset clears them itself). */
function resetState(p: Parts): void {
  p.longPoll.cancelAll();
  p.store.clear();
  p.protocol.resetNonces();
}

/** A failure that escaped a handler: answered InternalError if nothing was sent yet, else the socket is reset. */
function answerEscaped(p: Parts, req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  try {
    p.onInternal(err);
    if (!res.headersSent && !res.destroyed) errorReply(p, p.nextRequestId(), mnsError('InternalError'))(res);
    else if (!res.writableEnded) resetSocket(req, res);
  } catch {
    // the connection is gone; nothing left to answer
  }
}

/** Routes each request to the admin API, the management RPC API or the XML data plane. */
function listenerFor(p: Parts, admin: AdminOptions): MnsServer['listener'] {
  return (req, res) => {
    const url = req.url ?? '/';
    let served: Promise<void>;
    try {
      if (isAdminPath(url)) served = handleAdmin(req, res, admin);
      else if (isRpcRequest(url)) served = serveRpc(p, req, res);
      else served = serveRest(p, req, res);
    } catch (err) {
      served = Promise.reject(err);
    }
    served.catch((err: unknown) => answerEscaped(p, req, res, err));
  };
}

/** Creates the store, fault injector and request listener of one emulator. */
export function createMnsServer(o: MnsServerOptions): MnsServer {
  const p = createParts(o);
  const admin: AdminOptions = {
    faults: p.faults,
    state: () => snapshotOf(p.store),
    reset: () => resetState(p),
    extra: adminRoutes(p.store, (name) => p.longPoll.endQueue(name)),
  };
  return {
    listener: listenerFor(p, admin),
    store: p.store,
    faults: p.faults,
    longPoll: p.longPoll,
    snapshot: () => snapshotOf(p.store),
    reset: () => {
      resetState(p);
      p.faults.clear();
    },
    close: () => p.longPoll.cancelAll(),
  };
}
