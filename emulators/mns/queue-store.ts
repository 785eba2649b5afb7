/**
 * The Simple Message Queue (MNS) domain, pure (no HTTP, no timers), with an injectable clock: queues with their
 * attributes, and messages moving Delayed → Active → Inactive (received) → Active again at NextVisibleTime unless
 * deleted, removed after MessageRetentionPeriod whatever their state (https://www.alibabacloud.com/help/doc-detail/27477.htm). A dead-letter
 * policy moves a message to its target queue when a receive would take its DequeueCount past MaxReceiveCount (§2.7).
 *
 * Receives take the highest priority first (1 highest), oldest first within a priority. Nothing scans a queue:
 * active messages sit in one FIFO per priority, delayed and invisible ones in a min-heap by NextVisibleTime, every
 * message in a min-heap by EnqueueTime for retention; receipt handles map to their message in a hash map. Stale heap
 * and FIFO entries are recognised by a generation number and skipped (deleted ones are dropped when they reach the
 * top, so a consumer that deletes what it receives keeps the heaps small).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mnsError } from './errors.js';
import { Fifo, MinHeap } from './structures.js';

export { MnsApiError } from './errors.js';

/** The queue attributes of the 2015-06-06 API (CreateQueue / SetQueueAttributes / GetQueueAttributes). */
export interface QueueAttributes {
  DelaySeconds: number;
  MaximumMessageSize: number;
  MessageRetentionPeriod: number;
  VisibilityTimeout: number;
  PollingWaitSeconds: number;
  LoggingEnabled: boolean;
}

export const DEFAULT_ATTRIBUTES: Readonly<QueueAttributes> = Object.freeze({
  DelaySeconds: 0,
  MaximumMessageSize: 65536,
  MessageRetentionPeriod: 345600,
  VisibilityTimeout: 30,
  PollingWaitSeconds: 0,
  LoggingEnabled: false,
});

/** Documented ranges (CreateQueue, https://www.alibabacloud.com/help/en/doc-detail/35129.htm). */
export const ATTRIBUTE_RANGES: Readonly<Record<Exclude<keyof QueueAttributes, 'LoggingEnabled'>, readonly [number, number]>> = Object.freeze({
  DelaySeconds: [0, 604800],
  MaximumMessageSize: [1024, 65536],
  MessageRetentionPeriod: [60, 604800],
  VisibilityTimeout: [1, 43200],
  PollingWaitSeconds: [0, 30],
});

/** Per-message limits. */
export const MESSAGE_LIMITS = Object.freeze({
  delaySeconds: [0, 604800] as const,
  priority: [1, 16] as const,
  defaultPriority: 8,
  maxReceiveCount: [1, 1000] as const,
});

/** The dead-letter policy of a queue (the management API's `DlqPolicy`). */
export interface DlqPolicy {
  enabled: boolean;
  deadLetterTargetQueue: string;
  maxReceiveCount: number;
}

export type MessageState = 'delayed' | 'active' | 'inactive';

/** A message as stored. Read it; change it only through {@link Queue}'s methods. */
export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  /** Upper-case hex MD5 of the body (UTF-8) as stored. */
  readonly md5: string;
  readonly priority: number;
  /** ms epoch. Kept when a message moves to a dead-letter queue (retention is not reset). */
  readonly enqueueTime: number;
  /** ms epoch of the first receive; 0 before it. */
  firstDequeueTime: number;
  dequeueCount: number;
  /** When the message is (delayed/inactive) or became (active) visible, ms epoch: NextVisibleTime. */
  visibleAt: number;
  /** The receipt handle of the current receive (inactive messages only). */
  handle: string | undefined;
  state: MessageState;
  /** Bumped on every state change: heap and FIFO entries of an older generation are stale. */
  gen: number;
  deleted: boolean;
  /** Set on messages moved by a dead-letter policy: DLQMessageType, DLQSourceArn, DLQOriginMessageId. */
  readonly systemProperties?: Readonly<Record<string, string>>;
}

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const MAX_QUEUE_NAME = 120;
const MAX_QUEUES = 1000;

/**
 * Throws InvalidQueueName for a name the service would refuse: 1–120 letters, digits and hyphens, starting with a
 * letter or digit. (The service also documents QueueNameLengthError; the emulator answers InvalidQueueName for
 * length too.)
 */
export function validateQueueName(name: string): void {
  if (name.length === 0 || name.length > MAX_QUEUE_NAME || !QUEUE_NAME.test(name)) throw mnsError('InvalidQueueName');
}

/**
 * Validates attribute input: numbers given as numbers or numeric strings, LoggingEnabled as a boolean or
 * `True`/`False` (any case). Unknown keys and empty values are ignored. Throws InvalidArgument.
 */
export function validateAttributes(input: Readonly<Record<string, unknown>>): Partial<QueueAttributes> {
  const out: Partial<QueueAttributes> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || v === null || v === '') continue;
    if (k === 'LoggingEnabled') {
      const s = String(v).toLowerCase();
      if (s !== 'true' && s !== 'false') throw mnsError('InvalidArgument', 'The value of LoggingEnabled should be True or False.');
      out.LoggingEnabled = s === 'true';
      continue;
    }
    const range = ATTRIBUTE_RANGES[k as keyof typeof ATTRIBUTE_RANGES];
    if (!range) continue;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
      throw mnsError('InvalidArgument', `The value of ${k} should between ${range[0]} and ${range[1]}.`);
    }
    (out as Record<string, number>)[k] = n;
  }
  return out;
}

const hex8 = (n: number) => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');

/** Mints message ids and receipt handles, unique within one store. */
class Ids {
  private seq = 0;
  private lease = 0;
  private readonly prefix = randomBytes(4).toString('hex').toUpperCase();

  /** `XXXXXXXX-XXXXXXXX-XXXXXXXX` (upper-case hex): emulator prefix, sequence, a scrambled sequence. */
  messageId(): string {
    const n = ++this.seq;
    return `${this.prefix}-${hex8(n)}-${hex8(Math.imul(n, 0x9e3779b1) ^ 0x5bd1e995)}`;
  }

  /** A receipt handle: URL-safe (base64url, no padding), new on every receive and visibility change. */
  handle(messageId: string): string {
    return Buffer.from(`${(++this.lease).toString(36)}:${messageId}`, 'latin1').toString('base64url');
  }
}

/** One queue: its attributes, dead-letter policy and messages. */
export class Queue {
  attributes: QueueAttributes;
  readonly createTime: number;
  lastModifyTime: number;
  dlq: DlqPolicy | undefined;
  /** Every message, by id, whatever its state. */
  readonly messages = new Map<string, StoredMessage>();
  private readonly handles = new Map<string, StoredMessage>();
  private readonly active: Array<Fifo<StoredMessage>> = Array.from({ length: MESSAGE_LIMITS.priority[1] + 1 }, () => new Fifo<StoredMessage>());
  /** Delayed and inactive messages by NextVisibleTime. */
  private readonly timed = new MinHeap<StoredMessage>();
  /** Every message by EnqueueTime (retention). */
  private readonly expiry = new MinHeap<StoredMessage>();
  private readonly count = { active: 0, inactive: 0, delayed: 0 };

  /** @internal Created by {@link QueueStore.create}. */
  constructor(
    readonly name: string,
    attrs: Partial<QueueAttributes>,
    private readonly now: () => number,
    private readonly ids: Ids,
  ) {
    this.attributes = { ...DEFAULT_ATTRIBUTES, ...attrs };
    this.createTime = this.lastModifyTime = now();
  }

  /** Messages in the queue, whatever their state (expired ones are dropped first). */
  get depth(): number {
    this.tick();
    return this.messages.size;
  }

  /** Numbers of active, inactive (received, invisible) and delayed messages. */
  counts(): { active: number; inactive: number; delayed: number } {
    this.tick();
    return { ...this.count };
  }

  /** When the next delayed/inactive message becomes visible (ms epoch), if any: for long-poll wake-ups. */
  nextVisibleAt(): number | undefined {
    this.tick();
    for (;;) {
      const top = this.timed.peek();
      if (!top) return undefined;
      if (!top.item.deleted && top.item.gen === top.gen) return top.at;
      this.timed.pop();
    }
  }

  /** Adds a message. Throws InvalidArgument for an empty or too large body, or a bad delay/priority. */
  send(body: string, delaySeconds?: number, priority?: number): StoredMessage {
    if (typeof body !== 'string' || body.length === 0) throw mnsError('InvalidArgument', 'The MessageBody should not be empty.');
    const size = body.length <= this.attributes.MaximumMessageSize / 3 ? body.length : Buffer.byteLength(body, 'utf8');
    if (size > this.attributes.MaximumMessageSize) {
      throw mnsError('InvalidArgument', `The length of message should not be larger than MaximumMessageSize (${this.attributes.MaximumMessageSize}).`);
    }
    const delay = delaySeconds ?? this.attributes.DelaySeconds;
    checkInt('DelaySeconds', delay, MESSAGE_LIMITS.delaySeconds);
    const prio = priority ?? MESSAGE_LIMITS.defaultPriority;
    checkInt('Priority', prio, MESSAGE_LIMITS.priority);
    this.tick();
    const now = this.now();
    const m: StoredMessage = {
      id: this.ids.messageId(),
      body,
      md5: createHash('md5').update(body, 'utf8').digest('hex').toUpperCase(),
      priority: prio,
      enqueueTime: now,
      firstDequeueTime: 0,
      dequeueCount: 0,
      visibleAt: now + delay * 1000,
      handle: undefined,
      state: 'delayed',
      gen: 0,
      deleted: false,
    };
    this.insert(m, delay > 0 ? 'delayed' : 'active');
    return m;
  }

  /**
   * Receives up to `n` visible messages: each becomes inactive for VisibilityTimeout with a new receipt handle and
   * DequeueCount + 1. A message whose count would pass the enabled dead-letter policy's MaxReceiveCount is removed
   * and handed to `deadLetter` instead (which returns false if it could not take it; the message is then received).
   */
  receive(n: number, deadLetter?: (m: StoredMessage, policy: DlqPolicy) => boolean): StoredMessage[] {
    this.tick();
    const now = this.now();
    const out: StoredMessage[] = [];
    const policy = this.dlq?.enabled ? this.dlq : undefined;
    for (let p = 1; p < this.active.length && out.length < n; p++) {
      const fifo = this.active[p] as Fifo<StoredMessage>;
      while (out.length < n) {
        const m = fifo.shift();
        if (m === undefined) break;
        if (m.deleted || m.gen !== fifo.lastGen || m.state !== 'active') continue;
        if (policy && deadLetter && m.dequeueCount >= policy.maxReceiveCount) {
          this.remove(m);
          if (deadLetter(m, policy)) continue;
          this.restore(m);
        }
        m.dequeueCount++;
        if (m.firstDequeueTime === 0) m.firstDequeueTime = now;
        this.setState(m, 'inactive');
        m.visibleAt = now + this.attributes.VisibilityTimeout * 1000;
        this.lease(m);
        this.timed.push(m.visibleAt, m, m.gen);
        out.push(m);
      }
    }
    return out;
  }

  /** Up to `n` visible messages in receive order, unchanged. */
  peek(n: number): StoredMessage[] {
    this.tick();
    const out: StoredMessage[] = [];
    for (let p = 1; p < this.active.length && out.length < n; p++) {
      (this.active[p] as Fifo<StoredMessage>).scan((m, gen) => {
        if (!m.deleted && m.gen === gen && m.state === 'active') out.push(m);
        return out.length >= n;
      });
    }
    return out;
  }

  /** Deletes the message received with `handle`. Throws ReceiptHandleError for a stale, foreign or unknown handle. */
  delete(handle: string): void {
    this.remove(this.byHandle(handle));
  }

  /** Makes the message received with `handle` invisible for `seconds` from now, under a new handle (the old one dies). */
  changeVisibility(handle: string, seconds: number): StoredMessage {
    checkInt('VisibilityTimeout', seconds, ATTRIBUTE_RANGES.VisibilityTimeout);
    const m = this.byHandle(handle);
    m.visibleAt = this.now() + seconds * 1000;
    m.gen++;
    this.lease(m);
    this.timed.push(m.visibleAt, m, m.gen);
    return m;
  }

  /**
   * Takes a message moved here by another queue's dead-letter policy: same MessageId, body and EnqueueTime (retention
   * is not reset), DequeueCount 0, visible now, with the system properties DLQMessageType, DLQSourceArn and
   * DLQOriginMessageId.
   */
  adopt(original: StoredMessage, sourceArn: string): StoredMessage {
    this.tick();
    const now = this.now();
    const m: StoredMessage = {
      id: original.id,
      body: original.body,
      md5: original.md5,
      priority: original.priority,
      enqueueTime: original.enqueueTime,
      firstDequeueTime: 0,
      dequeueCount: 0,
      visibleAt: now,
      handle: undefined,
      state: 'delayed',
      gen: 0,
      deleted: false,
      systemProperties: { DLQMessageType: 'DLQ', DLQSourceArn: sourceArn, DLQOriginMessageId: original.id },
    };
    this.insert(m, 'active');
    return m;
  }

  /** Applies the clock: due delayed/inactive messages become active, expired ones (retention) are removed. */
  tick(): void {
    const now = this.now();
    for (;;) {
      const top = this.timed.peek();
      if (!top || top.at > now) break;
      this.timed.pop();
      const m = top.item;
      if (m.deleted || m.gen !== top.gen || m.state === 'active') continue;
      this.unlease(m);
      this.activate(m);
    }
    const retentionMs = this.attributes.MessageRetentionPeriod * 1000;
    for (;;) {
      const top = this.expiry.peek();
      if (!top) break;
      if (!top.item.deleted) {
        if (top.at + retentionMs > now) break;
        this.remove(top.item);
      }
      this.expiry.pop();
    }
  }

  /** Removes every message. */
  purge(): void {
    for (const m of this.messages.values()) m.deleted = true;
    this.messages.clear();
    this.handles.clear();
    for (const f of this.active) f.clear();
    this.timed.clear();
    this.expiry.clear();
    this.count.active = this.count.inactive = this.count.delayed = 0;
  }

  private insert(m: StoredMessage, state: 'active' | 'delayed'): void {
    this.messages.set(m.id, m);
    this.expiry.push(m.enqueueTime, m, 0);
    this.count[state]++;
    m.state = state;
    if (state === 'active') (this.active[m.priority] as Fifo<StoredMessage>).push(m, m.gen);
    else this.timed.push(m.visibleAt, m, m.gen);
  }

  /** Puts back a message that {@link remove} took out (a dead-letter move that could not happen). */
  private restore(m: StoredMessage): void {
    m.deleted = false;
    this.messages.set(m.id, m);
    this.expiry.push(m.enqueueTime, m, 0);
    this.count[m.state]++;
  }

  private activate(m: StoredMessage): void {
    this.setState(m, 'active');
    (this.active[m.priority] as Fifo<StoredMessage>).push(m, m.gen);
  }

  private setState(m: StoredMessage, state: MessageState): void {
    this.count[m.state]--;
    this.count[state]++;
    m.state = state;
    m.gen++;
  }

  private lease(m: StoredMessage): void {
    this.unlease(m);
    m.handle = this.ids.handle(m.id);
    this.handles.set(m.handle, m);
  }

  private unlease(m: StoredMessage): void {
    if (m.handle !== undefined) this.handles.delete(m.handle);
    m.handle = undefined;
  }

  private remove(m: StoredMessage): void {
    if (m.deleted) return;
    m.deleted = true;
    this.messages.delete(m.id);
    this.unlease(m);
    this.count[m.state]--;
  }

  private byHandle(handle: string): StoredMessage {
    const m = this.handles.get(handle);
    if (m === undefined || m.deleted || m.state !== 'inactive' || m.visibleAt <= this.now()) {
      throw mnsError('ReceiptHandleError', 'The receipt handle you provide is not valid.');
    }
    return m;
  }
}

function checkInt(name: string, value: number, [min, max]: readonly [number, number]): void {
  if (!Number.isInteger(value) || value < min || value > max) throw mnsError('InvalidArgument', `The value of ${name} should between ${min} and ${max}.`);
}

/** All queues of one account in one region. */
export class QueueStore {
  private readonly byName = new Map<string, Queue>();
  private readonly ids = new Ids();
  /**
   * Called (synchronously) when a queue may have a message visible now, or sooner than before: after a send, a
   * dead-letter move into it, or a visibility change. The server wakes that queue's long polls with it.
   */
  onAvailable: ((queue: string) => void) | undefined;

  constructor(
    readonly accountId: string,
    readonly region: string,
    readonly now: () => number = Date.now,
  ) {}

  /** `acs:mns:<region>:<account>:/queues/<name>`, the form of DLQSourceArn. */
  arn(name: string): string {
    return `acs:mns:${this.region}:${this.accountId}:/queues/${name}`;
  }

  get size(): number {
    return this.byName.size;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The queue, or QueueNotExist (404). */
  get(name: string): Queue {
    const q = this.byName.get(name);
    if (!q) throw mnsError('QueueNotExist');
    return q;
  }

  find(name: string): Queue | undefined {
    return this.byName.get(name);
  }

  /**
   * Creates a queue: 'created' (201), 'unchanged' when it exists with the same attributes (204), QueueAlreadyExist
   * (409) when it exists with others. Attributes not given take their defaults, for the comparison too.
   */
  create(name: string, attrs: Partial<QueueAttributes> = {}): 'created' | 'unchanged' {
    validateQueueName(name);
    const existing = this.byName.get(name);
    if (existing) {
      const wanted: QueueAttributes = { ...DEFAULT_ATTRIBUTES, ...attrs };
      const same = (Object.keys(wanted) as Array<keyof QueueAttributes>).every((k) => wanted[k] === existing.attributes[k]);
      if (same) return 'unchanged';
      throw mnsError('QueueAlreadyExist');
    }
    if (this.byName.size >= MAX_QUEUES) throw mnsError('InvalidArgument', `The number of queues reaches the limit (${MAX_QUEUES}).`);
    this.byName.set(name, new Queue(name, attrs, this.now, this.ids));
    return 'created';
  }

  /** Changes the given attributes only. */
  setAttributes(name: string, attrs: Partial<QueueAttributes>): void {
    const q = this.get(name);
    q.attributes = { ...q.attributes, ...attrs };
    q.lastModifyTime = this.now();
  }

  /** Deletes a queue and its messages; false if there was none. */
  delete(name: string): boolean {
    const q = this.byName.get(name);
    if (!q) return false;
    q.purge();
    this.byName.delete(name);
    return true;
  }

  /**
   * Sets (or with `undefined` removes) a queue's dead-letter policy. An enabled policy needs an existing target
   * other than the queue itself and MaxReceiveCount 1–1000 (InvalidArgument / QueueNotExist otherwise).
   */
  setDlqPolicy(name: string, policy: DlqPolicy | undefined): void {
    const q = this.get(name);
    if (policy?.enabled) {
      if (!policy.deadLetterTargetQueue) throw mnsError('InvalidArgument', 'The DeadLetterTargetQueue should not be empty.');
      if (policy.deadLetterTargetQueue === name) throw mnsError('InvalidArgument', 'A queue cannot be its own dead-letter queue.');
      const [min, max] = MESSAGE_LIMITS.maxReceiveCount;
      const n = policy.maxReceiveCount;
      if (!Number.isInteger(n) || n < min || n > max) throw mnsError('InvalidArgument', `MaxReceiveCount should be between ${min} and ${max}.`);
      if (!this.byName.has(policy.deadLetterTargetQueue)) throw mnsError('QueueNotExist');
    }
    q.dlq = policy ? { ...policy } : undefined;
    q.lastModifyTime = this.now();
  }

  /** Receives from a queue, applying its dead-letter policy (a move into a queue that is gone does not happen). */
  receive(name: string, n: number): StoredMessage[] {
    const q = this.get(name);
    return q.receive(n, (m, policy) => {
      const target = this.byName.get(policy.deadLetterTargetQueue);
      if (!target) return false;
      target.adopt(m, this.arn(name));
      this.onAvailable?.(target.name);
      return true;
    });
  }

  /** Sends to a queue (see {@link Queue.send}) and tells {@link onAvailable}. */
  send(name: string, body: string, delaySeconds?: number, priority?: number): StoredMessage {
    const m = this.get(name).send(body, delaySeconds, priority);
    this.onAvailable?.(name);
    return m;
  }

  /** Changes a received message's visibility (see {@link Queue.changeVisibility}) and tells {@link onAvailable}. */
  changeVisibility(name: string, handle: string, seconds: number): StoredMessage {
    const m = this.get(name).changeVisibility(handle, seconds);
    this.onAvailable?.(name);
    return m;
  }

  /** Queue names in order, after `marker`, starting with `prefix`, at most `limit`; `nextMarker` when more follow. */
  list(prefix: string, marker: string, limit: number): { names: string[]; nextMarker?: string } {
    const all = [...this.byName.keys()].filter((n) => n.startsWith(prefix) && n > marker).sort();
    const names = all.slice(0, limit);
    return all.length > limit ? { names, nextMarker: names[names.length - 1] as string } : { names };
  }

  /** Removes every queue. */
  clear(): void {
    for (const q of this.byName.values()) q.purge();
    this.byName.clear();
  }
}
