/**
 * The Simple Message Queue (MNS) domain, pure (no HTTP), with an injectable clock: queues with their attributes,
 * and messages moving Delayed → Active → Inactive (received) → Active again at NextVisibleTime unless deleted,
 * expiring after MessageRetentionPeriod (alicloud-apis.md §2.2–2.4). Dead-letter policies move a message to the
 * target queue when a receive would take its DequeueCount past MaxReceiveCount (§2.7).
 *
 * Receives pick the highest priority first (1 highest), oldest first within a priority. Structures: one FIFO per
 * priority for active messages, and a min-heap by time for delayed/inactive ones, so that neither a send nor a
 * receive scans the queue.
 */
import { createHash, randomBytes } from 'node:crypto';

export class MnsApiError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

export interface QueueAttributes {
  DelaySeconds: number;
  MaximumMessageSize: number;
  MessageRetentionPeriod: number;
  VisibilityTimeout: number;
  PollingWaitSeconds: number;
  LoggingEnabled: boolean;
}

export const DEFAULT_ATTRIBUTES: QueueAttributes = Object.freeze({
  DelaySeconds: 0,
  MaximumMessageSize: 65536,
  MessageRetentionPeriod: 345600,
  VisibilityTimeout: 30,
  PollingWaitSeconds: 0,
  LoggingEnabled: false,
});

const RANGES: Record<Exclude<keyof QueueAttributes, 'LoggingEnabled'>, [number, number]> = {
  DelaySeconds: [0, 604800],
  MaximumMessageSize: [1024, 65536],
  MessageRetentionPeriod: [60, 604800],
  VisibilityTimeout: [1, 43200],
  PollingWaitSeconds: [0, 30],
};

export interface DlqPolicy {
  enabled: boolean;
  deadLetterTargetQueue: string;
  maxReceiveCount: number;
}

export interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  priority: number;
  enqueueTime: number;
  firstDequeueTime: number;
  dequeueCount: number;
  /** When the message is (or becomes again) visible. */
  visibleAt: number;
  handle?: string;
  state: 'delayed' | 'active' | 'inactive';
  /** Bumped on every state change, so stale heap/list entries are skipped. */
  gen: number;
  systemProperties?: Record<string, string>;
}

/** Validates attribute input (numbers as numbers or strings). Throws InvalidArgument. */
export function validateAttributes(input: Record<string, unknown>): Partial<QueueAttributes> {
  const out: Partial<QueueAttributes> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || v === '') continue;
    if (k === 'LoggingEnabled') {
      const s = String(v).toLowerCase();
      if (s !== 'true' && s !== 'false') throw new MnsApiError('InvalidArgument', 400, 'The value of LoggingEnabled should be True or False.');
      out.LoggingEnabled = s === 'true';
      continue;
    }
    const range = RANGES[k as keyof typeof RANGES];
    if (!range) continue;
    const n = Number(v);
    if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
      throw new MnsApiError('InvalidArgument', 400, `The value of ${k} should between ${range[0]} and ${range[1]}.`);
    }
    (out as Record<string, number>)[k] = n;
  }
  return out;
}

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,119}$/;

class MinHeap {
  private a: Array<{ at: number; id: string; gen: number }> = [];
  get size() {
    return this.a.length;
  }
  peek() {
    return this.a[0];
  }
  push(x: { at: number; id: string; gen: number }) {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as { at: number }).at <= x.at) break;
      a[i] = a[p] as typeof x;
      i = p;
    }
    a[i] = x;
  }
  pop() {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as { at: number; id: string; gen: number };
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && (a[l] as typeof last).at < (a[m] as typeof last).at) m = l;
        if (r < a.length && (a[r] as typeof last).at < (a[m] as typeof last).at) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as typeof last, a[i] as typeof last];
        i = m;
      }
    }
    return top;
  }
}

/** A FIFO of message ids with O(1) shift (an array with a moving head, compacted now and then). */
class Fifo {
  private items: Array<{ id: string; gen: number }> = [];
  private head = 0;
  push(x: { id: string; gen: number }) {
    this.items.push(x);
  }
  shift() {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  unshift(x: { id: string; gen: number }) {
    if (this.head > 0) this.items[--this.head] = x;
    else this.items.unshift(x);
  }
}

export class Queue {
  attributes: QueueAttributes;
  readonly createTime: number;
  lastModifyTime: number;
  dlq?: DlqPolicy;
  readonly messages = new Map<string, StoredMessage>();
  private readonly active: Fifo[] = Array.from({ length: 17 }, () => new Fifo());
  private readonly timed = new MinHeap();
  private seq = 0;

  constructor(
    readonly name: string,
    attrs: Partial<QueueAttributes>,
    private readonly now: () => number,
    private readonly idPrefix: string,
  ) {
    this.attributes = { ...DEFAULT_ATTRIBUTES, ...attrs };
    this.createTime = this.lastModifyTime = now();
  }

  private activate(m: StoredMessage, front = false) {
    m.state = 'active';
    m.gen++;
    const entry = { id: m.id, gen: m.gen };
    if (front) (this.active[m.priority] as Fifo).unshift(entry);
    else (this.active[m.priority] as Fifo).push(entry);
  }

  private schedule(m: StoredMessage) {
    m.gen++;
    this.timed.push({ at: m.visibleAt, id: m.id, gen: m.gen });
  }

  /** Moves due delayed/inactive messages to active and drops expired ones. */
  tick(): void {
    const now = this.now();
    while (this.timed.size > 0 && (this.timed.peek() as { at: number }).at <= now) {
      const e = this.timed.pop() as { id: string; gen: number };
      const m = this.messages.get(e.id);
      if (!m || m.gen !== e.gen || m.state === 'active') continue;
      m.handle = undefined;
      this.activate(m);
    }
  }

  /** When the next delayed/inactive message becomes visible (for long-poll wake-ups), or undefined. */
  nextVisibleAt(): number | undefined {
    return this.timed.peek()?.at;
  }

  send(body: string, delaySeconds: number | undefined, priority: number | undefined): StoredMessage {
    if (Buffer.byteLength(body, 'utf8') > this.attributes.MaximumMessageSize) {
      throw new MnsApiError('InvalidArgument', 400, `The length of message should not be larger than MaximumMessageSize (${this.attributes.MaximumMessageSize}).`);
    }
    const now = this.now();
    const delay = delaySeconds ?? this.attributes.DelaySeconds;
    const m: StoredMessage = {
      id: `${this.idPrefix}-${(++this.seq).toString(16).toUpperCase().padStart(8, '0')}-${randomBytes(4).toString('hex').toUpperCase()}`,
      body,
      md5: createHash('md5').update(body, 'utf8').digest('hex').toUpperCase(),
      priority: priority ?? 8,
      enqueueTime: now,
      firstDequeueTime: 0,
      dequeueCount: 0,
      visibleAt: now + delay * 1000,
      state: 'delayed',
      gen: 0,
    };
    this.messages.set(m.id, m);
    if (delay > 0) this.schedule(m);
    else this.activate(m);
    return m;
  }

  private expired(m: StoredMessage, now: number): boolean {
    return now - m.enqueueTime >= this.attributes.MessageRetentionPeriod * 1000;
  }

  /**
   * Takes up to `n` visible messages. `moveToDlq` is called for messages whose receive count would pass the
   * dead-letter policy's maximum (they are removed here and not returned).
   */
  receive(n: number, moveToDlq: (m: StoredMessage) => void): StoredMessage[] {
    this.tick();
    const now = this.now();
    const out: StoredMessage[] = [];
    for (let p = 1; p <= 16 && out.length < n; p++) {
      const fifo = this.active[p] as Fifo;
      while (out.length < n) {
        const e = fifo.shift();
        if (!e) break;
        const m = this.messages.get(e.id);
        if (!m || m.gen !== e.gen || m.state !== 'active') continue;
        if (this.expired(m, now)) {
          this.messages.delete(m.id);
          continue;
        }
        if (this.dlq?.enabled && m.dequeueCount >= this.dlq.maxReceiveCount) {
          this.messages.delete(m.id);
          moveToDlq(m);
          continue;
        }
        m.dequeueCount++;
        if (!m.firstDequeueTime) m.firstDequeueTime = now;
        m.state = 'inactive';
        m.visibleAt = now + this.attributes.VisibilityTimeout * 1000;
        m.handle = mintHandle(m);
        this.schedule(m);
        out.push(m);
      }
    }
    return out;
  }

  /** Up to `n` visible messages, unchanged. */
  peek(n: number): StoredMessage[] {
    this.tick();
    const now = this.now();
    const out: StoredMessage[] = [];
    const visible = [...this.messages.values()].filter((m) => m.state === 'active' && !this.expired(m, now));
    visible.sort((a, b) => a.priority - b.priority || a.enqueueTime - b.enqueueTime);
    for (const m of visible.slice(0, n)) out.push(m);
    return out;
  }

  private byHandle(handle: string): StoredMessage {
    const id = idFromHandle(handle);
    const m = id === undefined ? undefined : this.messages.get(id);
    if (!m || m.state !== 'inactive' || m.handle !== handle || m.visibleAt <= this.now()) {
      throw new MnsApiError('ReceiptHandleError', 400, 'The receipt handle you provide is not valid.');
    }
    return m;
  }

  delete(handle: string): void {
    const m = this.byHandle(handle);
    this.messages.delete(m.id);
  }

  changeVisibility(handle: string, seconds: number): StoredMessage {
    const m = this.byHandle(handle);
    m.visibleAt = this.now() + seconds * 1000;
    m.handle = mintHandle(m);
    if (seconds === 0) {
      m.handle = undefined;
      this.activate(m, true);
    } else this.schedule(m);
    return m;
  }

  /** Adds a message moved from another queue's dead-letter policy (body and counters kept, visible now). */
  adopt(m: StoredMessage, sourceArn: string): void {
    const moved: StoredMessage = { ...m, state: 'delayed', gen: 0, handle: undefined, visibleAt: this.now(), systemProperties: { DLQMessageType: 'DLQ', DLQSourceArn: sourceArn, DLQOriginMessageId: m.id } };
    this.messages.set(moved.id, moved);
    this.activate(moved);
  }

  counts(): { active: number; inactive: number; delayed: number } {
    this.tick();
    let active = 0;
    let inactive = 0;
    let delayed = 0;
    for (const m of this.messages.values()) {
      if (m.state === 'active') active++;
      else if (m.state === 'inactive') inactive++;
      else delayed++;
    }
    return { active, inactive, delayed };
  }
}

/** Handles are `<id>.<random>` in base64url: URL-safe, never decoded wrongly, and tied to one receive. */
function mintHandle(m: StoredMessage): string {
  return Buffer.from(`${m.id}.${randomBytes(9).toString('hex')}`).toString('base64url');
}

function idFromHandle(handle: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{8,200}$/.test(handle)) return undefined;
  const raw = Buffer.from(handle, 'base64url').toString('utf8');
  const dot = raw.lastIndexOf('.');
  return dot > 0 ? raw.slice(0, dot) : undefined;
}

export class QueueStore {
  readonly queues = new Map<string, Queue>();
  private readonly idPrefix = randomBytes(4).toString('hex').toUpperCase();

  constructor(
    readonly accountId: string,
    readonly region: string,
    readonly now: () => number = Date.now,
  ) {}

  arn(name: string): string {
    return `acs:mns:${this.region}:${this.accountId}:/queues/${name}`;
  }

  get(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw new MnsApiError('QueueNotExist', 404, 'The queue name you provided is not exist.');
    return q;
  }

  /** 'created' (201), 'unchanged' (204, same attributes), or QueueAlreadyExist (409, other attributes). */
  create(name: string, attrs: Partial<QueueAttributes>): 'created' | 'unchanged' {
    if (!QUEUE_NAME.test(name)) throw new MnsApiError('InvalidQueueName', 400, 'The queue name you provided is invalid.');
    const existing = this.queues.get(name);
    if (existing) {
      const wanted = { ...DEFAULT_ATTRIBUTES, ...attrs };
      const same = (Object.keys(wanted) as Array<keyof QueueAttributes>).every((k) => wanted[k] === existing.attributes[k]);
      if (same) return 'unchanged';
      throw new MnsApiError('QueueAlreadyExist', 409, 'The queue you want to create already exists.');
    }
    if (this.queues.size >= 1000) throw new MnsApiError('InvalidArgument', 400, 'The number of queues reaches the limit (1000).');
    this.queues.set(name, new Queue(name, attrs, this.now, this.idPrefix));
    return 'created';
  }

  setAttributes(name: string, attrs: Partial<QueueAttributes>): void {
    const q = this.get(name);
    q.attributes = { ...q.attributes, ...attrs };
    q.lastModifyTime = this.now();
  }

  delete(name: string): void {
    this.queues.delete(name);
  }

  setDlqPolicy(name: string, policy: DlqPolicy | undefined): void {
    const q = this.get(name);
    if (policy) {
      if (policy.deadLetterTargetQueue === name) throw new MnsApiError('InvalidArgument', 400, 'A queue cannot be its own dead-letter queue.');
      if (!Number.isInteger(policy.maxReceiveCount) || policy.maxReceiveCount < 1 || policy.maxReceiveCount > 1000) {
        throw new MnsApiError('InvalidArgument', 400, 'MaxReceiveCount should be between 1 and 1000.');
      }
      this.get(policy.deadLetterTargetQueue);
    }
    q.dlq = policy;
  }

  receive(name: string, n: number): StoredMessage[] {
    const q = this.get(name);
    return q.receive(n, (m) => {
      const target = q.dlq ? this.queues.get(q.dlq.deadLetterTargetQueue) : undefined;
      target?.adopt(m, this.arn(name));
    });
  }
}
