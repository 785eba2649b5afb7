/**
 * The Tablestore emulator's HTTP layer: `/__admin/*` is the admin API (emulators/common/admin.ts); everything else is
 * the data API, `POST /{Operation}` with a protobuf body. Each request is authenticated (auth.ts), decoded
 * (wire.ts), then calls `faults.decide(operation, table)` once and honours the decision (the shared fault effects),
 * then is applied (operations.ts). Every request is answered with a protobuf body (or deliberately reset); none
 * can crash the server.
 */
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { handleAdmin, isAdminPath, type AdminOptions, AdminInputError } from '../common/admin.js';
import { FaultInjector, type FaultErrorSpec } from '../common/faults.js';
import { BodyTooLargeError, readBody } from '../common/http.js';
import { resetSocket, serveWithFaults, writeReply, type Reply } from '../mns/fault-effects.js';
import { OtsAuthenticator, type OtsCredential } from './auth.js';
import { OtsError, messageForCode, otsError } from './errors.js';
import { HANDLERS, TABLESTORE_OPERATIONS, tableOf, type TablestoreOperation } from './operations.js';
import { TableStoreState, type TableSnapshot } from './table-store.js';
import { decodeMessage, encodeMessage, type Message } from './wire.js';

/** What a rate-limit fault rule without a code answers: 503 OTSServerBusy (retried by the SDKs' policies). */
export const TABLESTORE_THROTTLE_ERROR: Readonly<FaultErrorSpec> = Object.freeze({ code: 'OTSServerBusy', httpStatus: 503, message: 'Server is busy.' });

/** Largest request body read: 5 MB (larger ones are answered 413 OTSRequestBodyTooLarge). */
export const TABLESTORE_MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface TablestoreServerOptions {
  instanceName: string;
  credentials: readonly OtsCredential[];
  maxDateSkewSeconds: number;
  seed?: number;
  /** The tables' clock (TTL, cell timestamps). */
  now: () => number;
  onInternalError?: (err: unknown) => void;
}

export interface TablestoreSnapshot {
  instanceName: string;
  /** The tables' clock now (ms), including any offset set through `/__admin/clock`. */
  now: number;
  tables: TableSnapshot[];
}

export interface TablestoreServer {
  listener: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  state: TableStoreState;
  faults: FaultInjector;
  snapshot(): TablestoreSnapshot;
  /** Moves the tables' clock forward (ms) — TTL without waiting. */
  advanceClock(ms: number): void;
  reset(): void;
}

/** Request ids shaped like the service's (`0005f993-cc9b-8765-e7e8-6f0b05a3e772`). */
function requestIds(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return () => {
    const hex = prefix + (++n).toString(16).padStart(24, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  };
}

function isOperation(name: string): name is TablestoreOperation {
  return (TABLESTORE_OPERATIONS as readonly string[]).includes(name);
}

/** Writes protobuf answers with the service's headers (and, on success, the response signature). */
function protobufReply(auth: OtsAuthenticator, requestId: string, status: number, body: Buffer, signer?: { accessKeyId: string; path: string }): Reply {
  return (res) => {
    const headers: Record<string, string> = {
      'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
      'x-ots-requestid': requestId,
      'x-ots-contenttype': 'protocol buffer',
      'x-ots-date': new Date().toISOString(),
    };
    if (signer) headers.authorization = auth.responseAuthorization(signer.accessKeyId, headers, signer.path);
    res.writeHead(status, { ...headers, 'content-type': 'application/x-protobuf', 'content-length': String(body.length) });
    res.end(body);
  };
}

/** A request that passed authentication and decoding. */
interface Admitted {
  op: TablestoreOperation;
  request: Message;
  signer: { accessKeyId: string; path: string };
}

/** The data API: admission (method, body, signature, operation, protobuf), faults, then the operation. */
class TablestoreApi {
  private readonly nextRequestId = requestIds();

  constructor(
    private readonly state: TableStoreState,
    private readonly faults: FaultInjector,
    private readonly auth: OtsAuthenticator,
    private readonly onInternal: (err: unknown) => void,
  ) {}

  errorReply(requestId: string, err: OtsError): Reply {
    return protobufReply(this.auth, requestId, err.httpStatus, encodeMessage('Error', { code: err.code, message: err.message }));
  }

  /** An API error as itself; anything else is reported and answered OTSInternalServerError 500. */
  failure(requestId: string, err: unknown): Reply {
    if (err instanceof OtsError) return this.errorReply(requestId, err);
    this.onInternal(err);
    return this.errorReply(requestId, otsError('OTSInternalServerError'));
  }

  newRequestId(): string {
    return this.nextRequestId();
  }

  async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = this.nextRequestId();
    const admitted = await this.admit(req, res, requestId);
    if (!admitted) return;
    const { op, request, signer } = admitted;
    await serveWithFaults(req, res, this.faults.decide(op, tableOf(request)), {
      apply: async () => {
        try {
          return protobufReply(this.auth, requestId, 200, encodeMessage(`${op}Response`, HANDLERS[op](this.state, request)), signer);
        } catch (err) {
          return this.failure(requestId, err);
        }
      },
      fault: (spec) => this.errorReply(requestId, new OtsError(spec.code, spec.httpStatus, messageForCode(spec.code, spec.message))),
    });
  }

  /** Answers a refused request itself and returns undefined; else the decoded request. */
  private async admit(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<Admitted | undefined> {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method !== 'POST') return void writeReply(res, this.errorReply(requestId, otsError('OTSMethodNotAllowed')));
    let body: Buffer;
    try {
      body = await readBody(req, TABLESTORE_MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return void writeReply(res, this.errorReply(requestId, otsError('OTSRequestBodyTooLarge')));
      if (!res.destroyed) res.destroy(); // the client left mid-body
      return undefined;
    }
    try {
      const accessKeyId = this.auth.authenticate(path, req.headers, body, Date.now());
      const name = path.slice(1);
      if (!isOperation(name)) throw otsError('OTSUnsupportOperation', `Unsupported operation: '${name}'.`);
      return { op: name, request: decodeMessage(`${name}Request`, body), signer: { accessKeyId, path } };
    } catch (err) {
      return void writeReply(res, this.failure(requestId, err));
    }
  }
}

/** Creates the state, fault injector and request listener of one emulator. */
export function createTablestoreServer(o: TablestoreServerOptions): TablestoreServer {
  let offset = 0;
  const now = () => o.now() + offset;
  const state = new TableStoreState(now);
  const faults = new FaultInjector(TABLESTORE_THROTTLE_ERROR, o.seed);
  const auth = new OtsAuthenticator(o.credentials, o.instanceName, o.maxDateSkewSeconds * 1000);
  const onInternal =
    o.onInternalError ?? ((err: unknown) => process.stderr.write(`Tablestore emulator internal error: ${(err as Error)?.stack ?? String(err)}\n`));
  const api = new TablestoreApi(state, faults, auth, onInternal);
  const snapshot = (): TablestoreSnapshot => ({ instanceName: o.instanceName, now: now(), tables: state.snapshot() });
  const advanceClock = (ms: number) => {
    offset += ms;
  };
  const resetState = () => {
    state.clear();
    offset = 0;
  };
  const admin: AdminOptions = { faults, state: snapshot, reset: resetState, extra: { 'POST /clock': (body) => clockRoute(body, advanceClock, now) } };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let served: Promise<void>;
    try {
      served = isAdminPath(req.url) ? handleAdmin(req, res, admin) : api.serve(req, res);
    } catch (err) {
      served = Promise.reject(err);
    }
    served.catch((err: unknown) => {
      try {
        if (!res.headersSent && !res.destroyed) api.failure(api.newRequestId(), err)(res);
        else {
          onInternal(err);
          if (!res.writableEnded) resetSocket(req, res);
        }
      } catch {
        // the connection is gone; nothing left to answer
      }
    });
  };

  return {
    listener,
    state,
    faults,
    snapshot,
    advanceClock,
    reset: () => {
      resetState();
      faults.clear();
    },
  };
}

/** `POST /__admin/clock {"advanceMs": n}`: moves the tables' clock forward. */
function clockRoute(body: unknown, advance: (ms: number) => void, now: () => number): { now: number } {
  const ms = (body as { advanceMs?: unknown } | undefined)?.advanceMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new AdminInputError('advanceMs must be a non-negative number of milliseconds');
  advance(ms);
  return { now: now() };
}
