/**
 * The MNS emulator's HTTP layer: the 2015-06-06 data-plane REST/XML API under `/queues`, the mns-open 2022-01-19
 * management RPC API (CreateQueue/SetQueueAttributes/GetQueueAttributes with DlqPolicy) at `/` when an `Action`
 * parameter is present, and the `/__admin` API. Every request is answered; none can crash the server.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { handleAdmin, isAdminPath, AdminInputError } from '../common/admin.js';
import { FaultInjector, type FaultDecision } from '../common/faults.js';
import { BodyTooLargeError, readBody, sendHtml502, sleep } from '../common/http.js';
import { PopRpcProtocol, createPopRpcHandler, type PopCredential, type PopRpcRequest } from '../common/pop-rpc.js';
import { authenticate, type MnsCredential } from './auth.js';
import { MnsApiError, QueueStore, validateAttributes, type DlqPolicy, type StoredMessage } from './queue-store.js';
import { doc, errorXml, esc, messageFields, parseRequest, queueXml } from './xml.js';

export const MNS_THROTTLE_ERROR = Object.freeze({ code: 'TooManyRequests', httpStatus: 429, message: 'The request is denied by cluster flow limiter for too many requests.' });
const MAX_BODY = 1024 * 1024;

export interface MnsServerOptions {
  accountId: string;
  region: string;
  credentials: readonly MnsCredential[];
  maxDateSkewSeconds: number;
  seed?: number;
  now?: () => number;
  /** The public URL, for Location headers (set once listening). */
  url: () => string;
}

interface Waiter {
  n: number;
  resolve: (m: StoredMessage[]) => void;
  timer: NodeJS.Timeout;
}

/** Raw query parsing: `+` stays `+` (receipt handles are sent unencoded), keys are matched case-insensitively. */
function parseQuery(url: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = url.indexOf('?');
  if (q < 0) return out;
  for (const part of url.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    let dv = v;
    try {
      dv = decodeURIComponent(v);
    } catch {
      /* keep raw */
    }
    out.set(k.toLowerCase(), dv);
  }
  return out;
}

function intParam(q: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const v = q.get(name.toLowerCase());
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new MnsApiError('InvalidArgument', 400, `The value of ${name} should between ${min} and ${max}.`);
  return n;
}

export function createMnsServer(o: MnsServerOptions) {
  const now = o.now ?? Date.now;
  const store = new QueueStore(o.accountId, o.region, now);
  const faults = new FaultInjector(MNS_THROTTLE_ERROR, o.seed);
  const keys = new Map(o.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));
  const waiters = new Map<string, Set<Waiter>>();
  const timers = new Map<string, NodeJS.Timeout>();
  const hostId = () => o.url();

  function wake(name: string): void {
    const set = waiters.get(name);
    if (!set || set.size === 0 || !store.queues.has(name)) return;
    for (const w of [...set]) {
      const got = store.receive(name, w.n);
      if (got.length === 0) break;
      set.delete(w);
      clearTimeout(w.timer);
      w.resolve(got);
    }
    arm(name);
  }

  /** Wakes waiters when the next delayed/inactive message of a queue becomes visible. */
  function arm(name: string): void {
    clearTimeout(timers.get(name));
    timers.delete(name);
    if (!waiters.get(name)?.size) return;
    const at = store.queues.get(name)?.nextVisibleAt();
    if (at === undefined) return;
    timers.set(name, setTimeout(() => wake(name), Math.max(0, at - now()) + 1));
  }

  function receive(name: string, n: number, waitMs: number, res: http.ServerResponse): Promise<StoredMessage[]> {
    const got = store.receive(name, n);
    if (got.length > 0 || waitMs <= 0) return Promise.resolve(got);
    return new Promise((resolve) => {
      let set = waiters.get(name);
      if (!set) waiters.set(name, (set = new Set()));
      const w: Waiter = {
        n,
        resolve,
        timer: setTimeout(() => {
          set.delete(w);
          resolve(store.queues.has(name) ? store.receive(name, n) : []);
        }, waitMs),
      };
      set.add(w);
      res.once('close', () => {
        if (set.delete(w)) {
          clearTimeout(w.timer);
          resolve([]);
        }
      });
      arm(name);
    });
  }

  function send(res: http.ServerResponse, status: number, requestId: string, body = '', headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const h: Record<string, string | number> = { 'x-mns-request-id': requestId, 'x-mns-version': '2015-06-06', ...headers };
    if (body) {
      h['content-type'] = 'text/xml;charset=utf-8';
      h['content-length'] = Buffer.byteLength(body);
    } else h['content-length'] = 0;
    res.writeHead(status, h);
    res.end(body);
  }

  function sendError(res: http.ServerResponse, requestId: string, err: MnsApiError): void {
    send(res, err.httpStatus, requestId, errorXml(err.code, err.message, requestId, hostId()));
  }

  /** Operation name (for faults) and the work, per route. */
  function route(method: string, path: string, q: Map<string, string>): { op: string; queue?: string } {
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'queues' || parts.length > 3 || (parts.length === 3 && parts[2] !== 'messages')) {
      throw new MnsApiError('InvalidRequestURL', 400, `The request URL ${path} is invalid.`);
    }
    const queue = parts[1];
    if (parts.length === 1) {
      if (method === 'GET') return { op: 'ListQueue' };
    } else if (parts.length === 2) {
      if (method === 'PUT') return { op: q.get('metaoverride') === 'true' ? 'SetQueueAttributes' : 'CreateQueue', queue };
      if (method === 'GET') return { op: 'GetQueueAttributes', queue };
      if (method === 'DELETE') return { op: 'DeleteQueue', queue };
    } else {
      if (method === 'POST') return { op: 'SendMessage', queue };
      if (method === 'GET') {
        const peek = q.get('peekonly') === 'true';
        const batch = q.has('numofmessages');
        return { op: peek ? (batch ? 'BatchPeekMessage' : 'PeekMessage') : batch ? 'BatchReceiveMessage' : 'ReceiveMessage', queue };
      }
      if (method === 'DELETE') return { op: q.has('receipthandle') ? 'DeleteMessage' : 'BatchDeleteMessage', queue };
      if (method === 'PUT') return { op: 'ChangeMessageVisibility', queue };
    }
    throw new MnsApiError('InvalidRequestURL', 400, `${method} ${path} is not supported.`);
  }

  async function apply(op: string, queue: string | undefined, q: Map<string, string>, body: string, requestId: string, res: http.ServerResponse): Promise<void> {
    const name = queue as string;
    switch (op) {
      case 'ListQueue': {
        const prefix = String((res.req.headers['x-mns-prefix'] as string | undefined) ?? '');
        const marker = String((res.req.headers['x-mns-marker'] as string | undefined) ?? '');
        const limit = Math.min(1000, Math.max(1, Number(res.req.headers['x-mns-ret-number'] ?? 1000) || 1000));
        const names = [...store.queues.keys()].filter((n) => n.startsWith(prefix) && n > marker).sort();
        const page = names.slice(0, limit);
        const next = names.length > limit ? `<NextMarker>${esc(page[page.length - 1] as string)}</NextMarker>` : '';
        return send(res, 200, requestId, doc('Queues', page.map((n) => `<Queue><QueueURL>${esc(`${o.url()}/queues/${n}`)}</QueueURL></Queue>`).join('') + next));
      }
      case 'CreateQueue': {
        const attrs = validateAttributes(body.trim() ? parseRequest(body, 'Queue') : {});
        const r = store.create(name, attrs);
        return send(res, r === 'created' ? 201 : 204, requestId, '', { location: `${o.url()}/queues/${name}` });
      }
      case 'SetQueueAttributes':
        store.setAttributes(name, validateAttributes(body.trim() ? parseRequest(body, 'Queue') : {}));
        return send(res, 204, requestId);
      case 'GetQueueAttributes':
        return send(res, 200, requestId, queueXml(store.get(name)));
      case 'DeleteQueue':
        store.delete(name);
        return send(res, 204, requestId);
      case 'SendMessage': {
        const qq = store.get(name);
        const isBatch = /<Messages[\s>]/.test(body.slice(0, 200));
        if (!isBatch) {
          const m = parseRequest(body, 'Message');
          const entry = entryOf(m);
          const msg = qq.send(entry.body, entry.delay, entry.priority);
          wake(name);
          return send(res, 201, requestId, doc('Message', `<MessageId>${msg.id}</MessageId><MessageBodyMD5>${msg.md5}</MessageBodyMD5>`));
        }
        if (Buffer.byteLength(body) > 65536 + 4096) throw new MnsApiError('InvalidArgument', 400, 'The total size of the messages should not be larger than 65536 bytes.');
        const list = (parseRequest(body, 'Messages').Message as unknown[] | undefined) ?? [];
        if (list.length < 1 || list.length > 16) throw new MnsApiError('InvalidArgument', 400, 'The count of message should be between 1 and 16.');
        let failed = false;
        const out = list.map((raw) => {
          try {
            const e = entryOf(raw as Record<string, unknown>);
            const msg = qq.send(e.body, e.delay, e.priority);
            return `<Message><MessageId>${msg.id}</MessageId><MessageBodyMD5>${msg.md5}</MessageBodyMD5></Message>`;
          } catch (err) {
            failed = true;
            const e = err instanceof MnsApiError ? err : new MnsApiError('InvalidArgument', 400, 'invalid message');
            return `<Message><ErrorCode>${e.code}</ErrorCode><ErrorMessage>${esc(e.message)}</ErrorMessage></Message>`;
          }
        });
        wake(name);
        return send(res, failed ? 500 : 201, requestId, doc('Messages', out.join('')));
      }
      case 'ReceiveMessage':
      case 'BatchReceiveMessage': {
        const qq = store.get(name);
        const n = op === 'BatchReceiveMessage' ? (intParam(q, 'numOfMessages', 1, 16) as number) : 1;
        const wait = intParam(q, 'waitseconds', 0, 30) ?? qq.attributes.PollingWaitSeconds;
        const got = await receive(name, n, wait * 1000, res);
        if (got.length === 0) throw new MnsApiError('MessageNotExist', 404, 'Message not exist.');
        if (op === 'ReceiveMessage') return send(res, 200, requestId, doc('Message', messageFields(got[0] as StoredMessage, true)));
        return send(res, 200, requestId, doc('Messages', got.map((m) => `<Message>${messageFields(m, true)}</Message>`).join('')));
      }
      case 'PeekMessage':
      case 'BatchPeekMessage': {
        const n = op === 'BatchPeekMessage' ? (intParam(q, 'numOfMessages', 1, 16) as number) : 1;
        const got = store.get(name).peek(n);
        if (got.length === 0) throw new MnsApiError('MessageNotExist', 404, 'Message not exist.');
        if (op === 'PeekMessage') return send(res, 200, requestId, doc('Message', messageFields(got[0] as StoredMessage, false)));
        return send(res, 200, requestId, doc('Messages', got.map((m) => `<Message>${messageFields(m, false)}</Message>`).join('')));
      }
      case 'DeleteMessage': {
        const handle = q.get('receipthandle');
        if (!handle) throw new MnsApiError('MissingReceiptHandle', 400, 'The receipt handle you provided is missing.');
        store.get(name).delete(handle);
        return send(res, 204, requestId);
      }
      case 'BatchDeleteMessage': {
        const qq = store.get(name);
        const handles = ((parseRequest(body, 'ReceiptHandles').ReceiptHandle as unknown[] | undefined) ?? []).map(String);
        if (handles.length < 1 || handles.length > 16) throw new MnsApiError('InvalidArgument', 400, 'The count of receipt handles should be between 1 and 16.');
        const errors: string[] = [];
        for (const h of handles) {
          try {
            qq.delete(h);
          } catch (err) {
            const e = err as MnsApiError;
            errors.push(`<Error><ErrorCode>${e.code}</ErrorCode><ErrorMessage>${esc(e.message)}</ErrorMessage><ReceiptHandle>${esc(h)}</ReceiptHandle></Error>`);
          }
        }
        if (errors.length === 0) return send(res, 204, requestId);
        return send(res, 404, requestId, doc('Errors', errors.join('')));
      }
      case 'ChangeMessageVisibility': {
        const handle = q.get('receipthandle');
        if (!handle) throw new MnsApiError('MissingReceiptHandle', 400, 'The receipt handle you provided is missing.');
        const vt = intParam(q, 'visibilityTimeout', 1, 43200);
        if (vt === undefined) throw new MnsApiError('MissingVisibilityTimeout', 400, 'The visibility timeout you provided is missing.');
        const m = store.get(name).changeVisibility(handle, vt);
        arm(name);
        return send(res, 200, requestId, doc('ChangeVisibility', `<ReceiptHandle>${m.handle}</ReceiptHandle><NextVisibleTime>${m.visibleAt}</NextVisibleTime>`));
      }
    }
  }

  function entryOf(m: Record<string, unknown>): { body: string; delay?: number; priority?: number } {
    const body = m.MessageBody;
    if (typeof body !== 'string' || body.length === 0) throw new MnsApiError('InvalidArgument', 400, 'The MessageBody should not be empty.');
    const num = (k: string, min: number, max: number) => {
      if (m[k] === undefined || m[k] === '') return undefined;
      const n = Number(m[k]);
      if (!Number.isInteger(n) || n < min || n > max) throw new MnsApiError('InvalidArgument', 400, `The value of ${k} should between ${min} and ${max}.`);
      return n;
    };
    return { body, delay: num('DelaySeconds', 0, 604800), priority: num('Priority', 1, 16) };
  }

  async function serveRest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    let body = '';
    try {
      try {
        body = (await readBody(req, MAX_BODY)).toString('utf8');
      } catch (err) {
        if (err instanceof BodyTooLargeError) throw new MnsApiError('InvalidArgument', 400, `The request body is larger than ${MAX_BODY} bytes.`);
        throw err;
      }
      authenticate(req, keys, o.maxDateSkewSeconds * 1000, now());
      const url = req.url ?? '/';
      const path = url.split('?')[0] as string;
      const q = parseQuery(url);
      const { op, queue } = route(req.method ?? 'GET', path, q);
      const decision: FaultDecision = faults.decide(op, queue);
      if (decision.delayMs > 0) await sleep(decision.delayMs);
      if (decision.reset === 'before') return resetSocket(req, res);
      if (decision.html502) return sendHtml502(res);
      if (decision.error) return sendError(res, requestId, new MnsApiError(decision.error.code, decision.error.httpStatus, decision.error.message ?? decision.error.code));
      if (decision.reset === 'after' || decision.delayAfterMs > 0) {
        // Apply, but capture the answer: then reset or hold it.
        const captured = captureResponse(res);
        await apply(op, queue, q, body, requestId, captured.res).catch((err) => (err instanceof MnsApiError ? sendError(captured.res, requestId, err) : undefined));
        if (decision.reset === 'after') return resetSocket(req, res);
        await sleep(decision.delayAfterMs);
        return captured.flush();
      }
      await apply(op, queue, q, body, requestId, res);
    } catch (err) {
      if (err instanceof MnsApiError) return sendError(res, requestId, err);
      onInternal(err);
      sendError(res, requestId, new MnsApiError('InternalError', 500, 'Interal error.'));
    }
  }

  // mns-open 2022-01-19 (management RPC, for DlqPolicy).
  const rpcCreds: PopCredential[] = o.credentials.map((c) => ({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret }));
  const protocol = new PopRpcProtocol({ apiVersion: '2022-01-19', hostId: `mns-open.${o.region}.aliyuncs.com`, actions: ['CreateQueue', 'SetQueueAttributes', 'GetQueueAttributes', 'DeleteQueue'], credentials: rpcCreds, product: 'Mns-open' });
  const rpc = createPopRpcHandler({ protocol, faults, dispatch: (r) => mnsOpen(r), onInternalError: (e) => onInternal(e) });

  function mnsOpen(r: PopRpcRequest): object {
    const name = r.params.QueueName;
    if (!name) throw new MnsApiError('MissingParameter', 400, 'QueueName is mandatory for this action.');
    const envelope = (data: unknown) => ({ Code: 200, Status: 'Success', Success: true, Message: 'operation success', Data: data });
    {
      const attrs = validateAttributes({
        DelaySeconds: r.params.DelaySeconds,
        MaximumMessageSize: r.params.MaximumMessageSize,
        MessageRetentionPeriod: r.params.MessageRetentionPeriod,
        VisibilityTimeout: r.params.VisibilityTimeout,
        PollingWaitSeconds: r.params.PollingWaitSeconds,
        LoggingEnabled: r.params.EnableLogging,
      });
      const dlq = r.params.DlqPolicy ? parseDlq(r.params.DlqPolicy) : undefined;
      switch (r.action) {
        case 'CreateQueue':
          if (!store.queues.has(name)) store.create(name, attrs);
          else store.setAttributes(name, attrs);
          if (dlq !== undefined) store.setDlqPolicy(name, dlq ?? undefined);
          return envelope({ QueueName: name });
        case 'SetQueueAttributes':
          store.setAttributes(name, attrs);
          if (dlq !== undefined) store.setDlqPolicy(name, dlq ?? undefined);
          return envelope({ QueueName: name });
        case 'DeleteQueue':
          store.delete(name);
          return envelope({ QueueName: name });
        default: {
          const qq = store.get(name);
          const p = qq.dlq;
          return envelope({
            QueueName: name,
            ...qq.attributes,
            DlqPolicy: p ? { Enabled: p.enabled, DeadLetterTargetQueue: p.deadLetterTargetQueue, MaxReceiveCount: p.maxReceiveCount } : { Enabled: false },
          });
        }
      }
    }
  }

  function parseDlq(raw: string): DlqPolicy | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new MnsApiError('InvalidParameter', 400, 'DlqPolicy is not valid JSON.');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MnsApiError('InvalidParameter', 400, 'DlqPolicy must be a JSON object.');
    const j = parsed as { Enabled?: unknown; DeadLetterTargetQueue?: unknown; MaxReceiveCount?: unknown };
    if (j.Enabled === false || j.Enabled === 'false') return null;
    return { enabled: true, deadLetterTargetQueue: String(j.DeadLetterTargetQueue ?? ''), maxReceiveCount: Number(j.MaxReceiveCount ?? 0) };
  }

  let onInternal: (err: unknown) => void = (err) => process.stderr.write(`mns emulator internal error: ${(err as Error)?.stack ?? String(err)}\n`);

  const admin = {
    faults,
    state: () => snapshot(),
    reset: () => {
      for (const set of waiters.values()) for (const w of set) clearTimeout(w.timer);
      waiters.clear();
      store.queues.clear();
    },
    extra: {
      'POST /dlq-policy': (body: unknown) => {
        const b = (body ?? {}) as { queue?: string; deadLetterTargetQueue?: string; maxReceiveCount?: number; enabled?: boolean };
        if (!b.queue) throw new AdminInputError('queue is required');
        try {
          store.setDlqPolicy(b.queue, b.enabled === false ? undefined : { enabled: true, deadLetterTargetQueue: String(b.deadLetterTargetQueue ?? ''), maxReceiveCount: Number(b.maxReceiveCount) });
        } catch (err) {
          throw new AdminInputError((err as Error).message);
        }
        return { queue: b.queue, dlqPolicy: store.queues.get(b.queue)?.dlq ?? null };
      },
    },
  };

  function snapshot() {
    return {
      accountId: o.accountId,
      region: o.region,
      queues: [...store.queues.values()].map((q) => ({
        name: q.name,
        attributes: q.attributes,
        dlqPolicy: q.dlq ?? null,
        ...q.counts(),
        messages: [...q.messages.values()].map((m) => ({ id: m.id, state: m.state, priority: m.priority, dequeueCount: m.dequeueCount, enqueueTime: m.enqueueTime, visibleAt: m.visibleAt, body: decodeBody(m.body), systemProperties: m.systemProperties })),
      })),
    };
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (isAdminPath(req.url)) {
      void handleAdmin(req, res, admin);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '') {
      rpc(req, res);
      return;
    }
    void serveRest(req, res);
  };

  return {
    listener,
    store,
    faults,
    snapshot,
    reset: admin.reset,
    setOnInternalError: (f: (err: unknown) => void) => (onInternal = f),
    close: () => {
      for (const t of timers.values()) clearTimeout(t);
      admin.reset();
    },
    wake,
  };
}

function decodeBody(body: string): unknown {
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0) {
    try {
      return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
    } catch {
      /* not base64 JSON */
    }
  }
  return body;
}

function resetSocket(req: http.IncomingMessage, res: http.ServerResponse): void {
  const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
  if (!res.destroyed) res.destroy();
}

/** A stand-in response that records writeHead/end, to be flushed to the real one later (delayAfterMs). */
function captureResponse(real: http.ServerResponse) {
  let status = 200;
  let headers: Record<string, string | number> = {};
  let body: string | Buffer = '';
  let ended = false;
  const res = {
    req: real.req,
    get headersSent() {
      return ended;
    },
    get destroyed() {
      return real.destroyed;
    },
    writeHead(s: number, h: Record<string, string | number>) {
      status = s;
      headers = h;
      return res;
    },
    end(b?: string | Buffer) {
      body = b ?? '';
      ended = true;
    },
    once: (ev: string, fn: () => void) => real.once(ev, fn),
  } as unknown as http.ServerResponse;
  return {
    res,
    flush: () => {
      if (real.destroyed || real.headersSent) return;
      real.writeHead(status, headers);
      real.end(body);
    },
  };
}
