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

/** What a rate-limit fault rule without a code answers: 429 TooManyRequests (alicloud-apis.md §2.5, §2.6). */
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

/** Creates the store, fault injector and request listener of one emulator. */
export function createMnsServer(o: MnsServerOptions): MnsServer {
  const now = o.now ?? Date.now;
  const store = new QueueStore(o.accountId, o.region, now);
  const faults = new FaultInjector(MNS_THROTTLE_ERROR, o.seed);
  const auth = new MnsAuthenticator(o.credentials, o.maxDateSkewSeconds * 1000);
  const longPoll = new LongPoll(store);
  store.onAvailable = (queue) => longPoll.notify(queue);
  // Request Dates and Timestamps are written from the client's wall clock: they are checked against the wall clock,
  // not against the queues' clock (a test that moves `now` days ahead must still be able to call).
  const protocol = mnsOpenProtocol(o.region, o.credentials);
  const nextRequestId = requestIds();
  const maxBody = o.maxBodyBytes ?? MNS_MAX_BODY_BYTES;
  const onInternal = o.onInternalError ?? ((err: unknown) => process.stderr.write(`MNS emulator internal error: ${(err as Error)?.stack ?? String(err)}\n`));
  const ctx: RestContext = { store, longPoll, url: o.url };

  // ---- XML data plane ----------------------------------------------------------------------------------------

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

  const errorReply = (requestId: string, err: MnsApiError): Reply => xmlReply(requestId, err.httpStatus, errorXml(err.code, err.message, requestId, o.url()));

  const failure = (requestId: string, err: unknown): Reply => {
    if (err instanceof MnsApiError) return errorReply(requestId, err);
    onInternal(err);
    return errorReply(requestId, mnsError('InternalError'));
  };

  const resultReply = (requestId: string, r: RestResult): Reply => xmlReply(requestId, r.status, r.xml, r.headers);

  async function serveRest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = nextRequestId();
    let body: string;
    try {
      body = (await readBody(req, maxBody)).toString('utf8');
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        return writeReply(res, errorReply(requestId, mnsError('InvalidArgument', `The request body should not be larger than ${maxBody} bytes.`)));
      }
      // The client left mid-body: nobody is left to answer, and it is not the emulator's failure.
      if (!res.destroyed) res.destroy();
      return;
    }
    const url = req.url ?? '/';
    let routed: RoutedRequest;
    let query: Map<string, string>;
    try {
      auth.authenticate(req, Date.now());
      query = parseQuery(url);
      routed = route(req.method ?? 'GET', pathOf(url), query, body);
    } catch (err) {
      return writeReply(res, failure(requestId, err));
    }
    const decision = faults.decide(routed.op, routed.queue);
    await serveWithFaults(req, res, decision, {
      apply: () =>
        applyOperation(ctx, routed, { headers: req.headers, query, body, onGone: (cb) => res.once('close', cb) }).then(
          (r) => resultReply(requestId, r),
          (err: unknown) => failure(requestId, err),
        ),
      fault: (spec) => errorReply(requestId, new MnsApiError(spec.code, spec.httpStatus, messageForCode(spec.code, spec.message))),
    });
  }

  // ---- mns-open management RPC -------------------------------------------------------------------------------

  const rpcFailure = (requestId: string, err: unknown): Reply => {
    if (isApiErrorLike(err)) return (res) => protocol.sendError(res, requestId, err);
    onInternal(err);
    return (res) => protocol.sendError(res, requestId, commonError('InternalError'));
  };

  async function serveRpc(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = protocol.newRequestId();
    let request: PopRpcRequest;
    try {
      request = await protocol.receive(req, requestId);
    } catch (err) {
      return writeReply(res, rpcFailure(requestId, err));
    }
    const decision = faults.decide(request.action, request.params.QueueName);
    await serveWithFaults(req, res, decision, {
      apply: async () => {
        try {
          const data = applyMnsOpen(store, request);
          if (request.action === 'DeleteQueue' && request.params.QueueName) longPoll.endQueue(request.params.QueueName);
          return (r: http.ServerResponse) => sendMnsOpenSuccess(r, requestId, data);
        } catch (err) {
          return rpcFailure(requestId, err);
        }
      },
      fault: (spec) => (r) => protocol.sendError(r, requestId, protocol.faultError(spec)),
    });
  }

  // ---- admin -------------------------------------------------------------------------------------------------

  const resetState = () => {
    longPoll.cancelAll();
    store.clear();
    protocol.resetNonces();
  };

  const admin: AdminOptions = {
    faults,
    state: () => snapshotOf(store),
    reset: resetState,
    extra: adminRoutes(store, (name) => longPoll.endQueue(name)),
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? '/';
    let served: Promise<void>;
    try {
      if (isAdminPath(url)) served = handleAdmin(req, res, admin);
      else if (isRpcRequest(url)) served = serveRpc(req, res);
      else served = serveRest(req, res);
    } catch (err) {
      served = Promise.reject(err);
    }
    served.catch((err: unknown) => {
      try {
        onInternal(err);
        if (!res.headersSent && !res.destroyed) {
          const requestId = nextRequestId();
          errorReply(requestId, mnsError('InternalError'))(res);
        } else if (!res.writableEnded) resetSocket(req, res);
      } catch {
        // the connection is gone; nothing left to answer
      }
    });
  };

  return {
    listener,
    store,
    faults,
    longPoll,
    snapshot: () => snapshotOf(store),
    reset: () => {
      resetState();
      faults.clear();
    },
    close: () => longPoll.cancelAll(),
  };
}
