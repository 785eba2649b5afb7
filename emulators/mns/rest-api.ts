/**
 * The 2015-06-06 data-plane operations (https://help.aliyun.com/en/mns/developer-reference/sendmessage and its sibling pages): routing a request to its operation name
 * (the name fault rules use) and applying it to the store. HTTP-agnostic: an operation returns a status, an XML body
 * and headers, or throws an {@link MnsApiError}.
 */
import type http from 'node:http';
import { MnsApiError, mnsError } from './errors.js';
import type { LongPoll } from './long-poll.js';
import { MESSAGE_LIMITS, validateAttributes, validateQueueName, type QueueStore, type StoredMessage } from './queue-store.js';
import { childTexts, doc, esc, fastSendMessage, messageEntry, messagesXml, parseRequest, queueXml, type MessageEntry } from './xml.js';

/** Every data-plane operation, as named in fault rules. */
export const MNS_OPERATIONS = [
  'CreateQueue',
  'DeleteQueue',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'ListQueue',
  'SendMessage',
  'BatchSendMessage',
  'ReceiveMessage',
  'BatchReceiveMessage',
  'PeekMessage',
  'BatchPeekMessage',
  'DeleteMessage',
  'BatchDeleteMessage',
  'ChangeMessageVisibility',
] as const;

export type MnsOperation = (typeof MNS_OPERATIONS)[number];

/** Batch limits (https://www.alibabacloud.com/help/en/mns/developer-reference/batchsendmessage, https://www.alibabacloud.com/help/doc-detail/128343.htm). */
export const BATCH_LIMITS = Object.freeze({ messages: 16, totalBodyBytes: 65536, handles: 16, receive: 16 });

/** Longest long poll, seconds. */
export const MAX_WAIT_SECONDS = 30;

export interface RoutedRequest {
  op: MnsOperation;
  queue?: string;
}

/** An operation's answer. */
export interface RestResult {
  status: number;
  /** An XML document, or nothing (204). */
  xml?: string;
  headers?: Record<string, string>;
}

/**
 * Query parameters with their names lower-cased (ReceiptHandle/receiptHandle alike). Values are percent-decoded but
 * `+` stays `+`: receipt handles are sent raw and must not turn into spaces.
 */
export function parseQuery(url: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = url.indexOf('?');
  if (q < 0) return out;
  for (const part of url.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const raw = eq < 0 ? '' : part.slice(eq + 1);
    let value = raw;
    if (raw.includes('%')) {
      try {
        value = decodeURIComponent(raw);
      } catch {
        throw mnsError('InvalidQueryString', `The query string parameter ${key} is not well percent-encoded.`);
      }
    }
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

const BATCH_SEND = /^\s*(?:<\?[^>]*\?>\s*)?<Messages[\s>/]/;

/** The operation of a request, or InvalidRequestURL (400). `body` tells SendMessage from BatchSendMessage. */
export function route(method: string, path: string, query: Map<string, string>, body: string): RoutedRequest {
  const parts = path.split('/');
  // parts[0] is '' (the path starts with '/'); no empty segment is accepted after it.
  if (parts[0] !== '' || parts[1] !== 'queues' || parts.length > 4 || parts.slice(1).some((p) => p === '')) {
    const what = parts[1] === 'topics' ? 'Topics are not emulated' : `The request URL ${path} is invalid`;
    throw mnsError('InvalidRequestURL', `${what}.`);
  }
  const queue = parts[2];
  if (queue === undefined) {
    if (method === 'GET') return { op: 'ListQueue' };
  } else if (parts.length === 3) {
    if (method === 'PUT') return { op: query.get('metaoverride') === 'true' ? 'SetQueueAttributes' : 'CreateQueue', queue };
    if (method === 'GET') return { op: 'GetQueueAttributes', queue };
    if (method === 'DELETE') return { op: 'DeleteQueue', queue };
  } else if (parts[3] === 'messages') {
    if (method === 'POST') return { op: BATCH_SEND.test(body) ? 'BatchSendMessage' : 'SendMessage', queue };
    if (method === 'GET') {
      const batch = query.has('numofmessages');
      if (query.get('peekonly') === 'true') return { op: batch ? 'BatchPeekMessage' : 'PeekMessage', queue };
      return { op: batch ? 'BatchReceiveMessage' : 'ReceiveMessage', queue };
    }
    if (method === 'DELETE') return { op: query.has('receipthandle') ? 'DeleteMessage' : 'BatchDeleteMessage', queue };
    if (method === 'PUT') return { op: 'ChangeMessageVisibility', queue };
  } else {
    throw mnsError('InvalidRequestURL', `The request URL ${path} is invalid.`);
  }
  throw mnsError('InvalidRequestURL', `${method} ${path} is not a supported operation.`);
}

function intParam(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw mnsError('InvalidArgument', `The value of ${name} should between ${min} and ${max}.`);
  return n;
}

const QUEUE_ELEMENTS: ReadonlySet<string> = new Set([
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'VisibilityTimeout',
  'PollingWaitSeconds',
  'LoggingEnabled',
]);

function queueAttributesOf(body: string) {
  if (!body.trim()) return {};
  return validateAttributes(Object.fromEntries(childTexts(parseRequest(body, 'Queue'), QUEUE_ELEMENTS)));
}

/** A message entry's body and numbers, checked. */
function entryArgs(e: MessageEntry): { body: string; delay?: number; priority?: number } {
  if (e.body === undefined || e.body === '') throw mnsError('InvalidArgument', 'The MessageBody should not be empty.');
  const [dMin, dMax] = MESSAGE_LIMITS.delaySeconds;
  const [pMin, pMax] = MESSAGE_LIMITS.priority;
  return { body: e.body, delay: intParam(e.delaySeconds, 'DelaySeconds', dMin, dMax), priority: intParam(e.priority, 'Priority', pMin, pMax) };
}

/** numOfMessages of a batch receive or peek: required, 1–16. */
function batchSize(query: Map<string, string>): number {
  const n = intParam(query.get('numofmessages'), 'numOfMessages', 1, BATCH_LIMITS.receive);
  if (n === undefined) throw mnsError('InvalidArgument', `The value of numOfMessages should between 1 and ${BATCH_LIMITS.receive}.`);
  return n;
}

export interface RestContext {
  store: QueueStore;
  longPoll: LongPoll;
  /** The emulator's URL (QueueURL, Location). */
  url(): string;
}

export interface RestRequest {
  headers: http.IncomingHttpHeaders;
  query: Map<string, string>;
  body: string;
  /** Registers a callback for a client that leaves before its answer (ends a long poll). */
  onGone(cb: () => void): void;
}

/** One data-plane operation on queue `name` (undefined for ListQueue). Throws MnsApiError. */
type Operation = (ctx: RestContext, name: string, r: RestRequest, op: MnsOperation) => RestResult | Promise<RestResult>;

const header = (r: RestRequest, k: string): string | undefined => {
  const v = r.headers[k];
  return Array.isArray(v) ? v[0] : v;
};

const listQueue: Operation = (ctx, _name, r) => {
  const limit = intParam(header(r, 'x-mns-ret-number'), 'x-mns-ret-number', 1, 1000) ?? 1000;
  const { names, nextMarker } = ctx.store.list(header(r, 'x-mns-prefix') ?? '', header(r, 'x-mns-marker') ?? '', limit);
  let inner = '';
  for (const n of names) inner += `<Queue><QueueURL>${esc(`${ctx.url()}/queues/${n}`)}</QueueURL></Queue>`;
  if (nextMarker !== undefined) inner += `<NextMarker>${esc(nextMarker)}</NextMarker>`;
  return { status: 200, xml: doc('Queues', inner) };
};

const createQueue: Operation = (ctx, name, r) => {
  validateQueueName(name);
  const created = ctx.store.create(name, queueAttributesOf(r.body));
  return { status: created === 'created' ? 201 : 204, headers: { location: `${ctx.url()}/queues/${name}` } };
};

const setQueueAttributes: Operation = ({ store }, name, r) => {
  store.get(name);
  store.setAttributes(name, queueAttributesOf(r.body));
  return { status: 204 };
};

const getQueueAttributes: Operation = ({ store }, name) => ({ status: 200, xml: queueXml(store.get(name)) });

const deleteQueue: Operation = (ctx, name) => {
  ctx.store.delete(name);
  ctx.longPoll.endQueue(name);
  return { status: 204 };
};

const sendMessage: Operation = ({ store }, name, r) => {
  store.get(name);
  const entry = fastSendMessage(r.body) ?? messageEntry(parseRequest(r.body, 'Message'));
  const a = entryArgs(entry);
  const m = store.send(name, a.body, a.delay, a.priority);
  return { status: 201, xml: doc('Message', `<MessageId>${m.id}</MessageId><MessageBodyMD5>${m.md5}</MessageBodyMD5>`) };
};

/** The entries of a batch send, each parsed or its error; the batch itself refused when too many or too large. */
function batchEntries(body: string): Array<MessageEntry | MnsApiError> {
  const entries = parseRequest(body, 'Messages').children.filter((c) => c.name === 'Message');
  if (entries.length < 1 || entries.length > BATCH_LIMITS.messages) {
    throw mnsError('InvalidArgument', `The count of message should be between 1 and ${BATCH_LIMITS.messages}.`);
  }
  const parsed = entries.map((e) => {
    try {
      return messageEntry(e);
    } catch (err) {
      return err as MnsApiError;
    }
  });
  let total = 0;
  for (const p of parsed) if (!(p instanceof Error) && p.body) total += Buffer.byteLength(p.body, 'utf8');
  if (total > BATCH_LIMITS.totalBodyBytes) {
    throw mnsError('InvalidArgument', `The total size of the messages should not be larger than ${BATCH_LIMITS.totalBodyBytes} bytes.`);
  }
  return parsed;
}

/** Sends each valid entry; any failed entry makes the answer a 500 listing every entry's result. */
const batchSendMessage: Operation = ({ store }, name, r) => {
  store.get(name);
  let failed = false;
  let inner = '';
  for (const p of batchEntries(r.body)) {
    try {
      if (p instanceof Error) throw p;
      const a = entryArgs(p);
      const m = store.send(name, a.body, a.delay, a.priority);
      inner += `<Message><MessageId>${m.id}</MessageId><MessageBodyMD5>${m.md5}</MessageBodyMD5></Message>`;
    } catch (err) {
      if (!(err instanceof MnsApiError)) throw err;
      failed = true;
      inner += `<Message><ErrorCode>${esc(err.code)}</ErrorCode><ErrorMessage>${esc(err.message)}</ErrorMessage></Message>`;
    }
  }
  return { status: failed ? 500 : 201, xml: doc('Messages', inner) };
};

const receiveMessage: Operation = async (ctx, name, r, op) => {
  const q = ctx.store.get(name);
  const batch = op === 'BatchReceiveMessage';
  const n = batch ? batchSize(r.query) : 1;
  const wait = intParam(r.query.get('waitseconds'), 'waitseconds', 0, MAX_WAIT_SECONDS) ?? q.attributes.PollingWaitSeconds;
  const got = await ctx.longPoll.receive(name, n, wait * 1000, r.onGone);
  if (got.length === 0) {
    if (!ctx.store.has(name)) throw mnsError('QueueNotExist');
    throw mnsError('MessageNotExist');
  }
  return { status: 200, xml: messagesXml(got, batch, true) };
};

const peekMessage: Operation = ({ store }, name, r, op) => {
  const q = store.get(name);
  const batch = op === 'BatchPeekMessage';
  const got: StoredMessage[] = q.peek(batch ? batchSize(r.query) : 1);
  if (got.length === 0) throw mnsError('MessageNotExist');
  return { status: 200, xml: messagesXml(got, batch, false) };
};

const deleteMessage: Operation = ({ store }, name, r) => {
  const q = store.get(name);
  const handle = r.query.get('receipthandle');
  if (!handle) throw mnsError('MissingReceiptHandle');
  q.delete(handle);
  return { status: 204 };
};

/** Deletes each handle; the ones that fail are listed in a 404 answer. */
const batchDeleteMessage: Operation = ({ store }, name, r) => {
  const q = store.get(name);
  const handles = parseRequest(r.body, 'ReceiptHandles').children.filter((c) => c.name === 'ReceiptHandle');
  if (handles.length < 1 || handles.length > BATCH_LIMITS.handles) {
    throw mnsError('InvalidArgument', `The count of receipt handles should be between 1 and ${BATCH_LIMITS.handles}.`);
  }
  let errors = '';
  for (const h of handles) {
    try {
      q.delete(h.text);
    } catch (err) {
      if (!(err instanceof MnsApiError)) throw err;
      errors += `<Error><ErrorCode>${esc(err.code)}</ErrorCode><ErrorMessage>${esc(err.message)}</ErrorMessage><ReceiptHandle>${esc(h.text)}</ReceiptHandle></Error>`;
    }
  }
  return errors ? { status: 404, xml: doc('Errors', errors) } : { status: 204 };
};

const changeMessageVisibility: Operation = ({ store }, name, r) => {
  store.get(name);
  const handle = r.query.get('receipthandle');
  if (!handle) throw mnsError('MissingReceiptHandle');
  const raw = r.query.get('visibilitytimeout');
  if (raw === undefined || raw === '') throw mnsError('MissingVisibilityTimeout');
  const seconds = intParam(raw, 'visibilityTimeout', 1, 43200) as number;
  const m = store.changeVisibility(name, handle, seconds);
  return { status: 200, xml: doc('ChangeVisibility', `<ReceiptHandle>${m.handle}</ReceiptHandle><NextVisibleTime>${m.visibleAt}</NextVisibleTime>`) };
};

/** Every operation's implementation. */
const OPERATIONS: Record<MnsOperation, Operation> = {
  ListQueue: listQueue,
  CreateQueue: createQueue,
  SetQueueAttributes: setQueueAttributes,
  GetQueueAttributes: getQueueAttributes,
  DeleteQueue: deleteQueue,
  SendMessage: sendMessage,
  BatchSendMessage: batchSendMessage,
  ReceiveMessage: receiveMessage,
  BatchReceiveMessage: receiveMessage,
  PeekMessage: peekMessage,
  BatchPeekMessage: peekMessage,
  DeleteMessage: deleteMessage,
  BatchDeleteMessage: batchDeleteMessage,
  ChangeMessageVisibility: changeMessageVisibility,
};

/** Applies one routed operation. Throws MnsApiError. */
export async function applyOperation(ctx: RestContext, { op, queue }: RoutedRequest, r: RestRequest): Promise<RestResult> {
  return OPERATIONS[op](ctx, queue as string, r, op);
}
