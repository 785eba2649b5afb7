/**
 * The MNS emulator's part of the `/__admin` API (emulators/common/admin.ts serves faults, state and reset):
 * the state snapshot, and the `extra` routes
 * - `POST /__admin/dlq-policy` `{"queue","deadLetterTargetQueue","maxReceiveCount","enabled"}` (enabled:false or
 *   no target removes the policy);
 * - `POST /__admin/queues` `{"name","attributes"?}` creates a queue (attributes as in CreateQueue);
 * - `DELETE /__admin/queues` `{"name"}` deletes one.
 */
import { AdminInputError, type AdminRoute } from '../common/admin.js';
import { MnsApiError } from './errors.js';
import { validateAttributes, type DlqPolicy, type MessageState, type QueueAttributes, type QueueStore, type StoredMessage } from './queue-store.js';

/** One message in a snapshot. */
export interface MessageSnapshot {
  id: string;
  state: MessageState;
  priority: number;
  dequeueCount: number;
  enqueueTime: number;
  firstDequeueTime: number;
  /** NextVisibleTime (ms epoch). */
  visibleAt: number;
  md5: string;
  /** The body decoded when it is base64 of JSON (how the product sends), else the body as stored. */
  body: unknown;
  /** The body as stored, given when `body` is the decoded form. */
  rawBody?: string;
  systemProperties?: Readonly<Record<string, string>>;
}

export interface QueueSnapshot {
  name: string;
  attributes: QueueAttributes;
  dlqPolicy: DlqPolicy | null;
  active: number;
  inactive: number;
  delayed: number;
  messages: MessageSnapshot[];
}

export interface MnsSnapshot {
  accountId: string;
  region: string;
  queues: QueueSnapshot[];
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes base64 JSON bodies (the product's format); undefined when the body is not that. */
export function decodeBase64Json(body: string): unknown {
  if (body.length % 4 !== 0 || !BASE64.test(body)) return undefined;
  try {
    const text = Buffer.from(body, 'base64').toString('utf8');
    const first = text.trimStart()[0];
    if (first !== '{' && first !== '[') return undefined;
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function messageSnapshot(m: StoredMessage): MessageSnapshot {
  const decoded = decodeBase64Json(m.body);
  const out: MessageSnapshot = {
    id: m.id,
    state: m.state,
    priority: m.priority,
    dequeueCount: m.dequeueCount,
    enqueueTime: m.enqueueTime,
    firstDequeueTime: m.firstDequeueTime,
    visibleAt: m.visibleAt,
    md5: m.md5,
    body: decoded === undefined ? m.body : decoded,
  };
  if (decoded !== undefined) out.rawBody = m.body;
  if (m.systemProperties) out.systemProperties = m.systemProperties;
  return out;
}

/** Every queue (by name) with its attributes, policy, counts and messages (in id order). */
export function snapshotOf(store: QueueStore): MnsSnapshot {
  return {
    accountId: store.accountId,
    region: store.region,
    queues: store
      .names()
      .sort()
      .map((name) => {
        const q = store.get(name);
        const c = q.counts();
        return {
          name,
          attributes: { ...q.attributes },
          dlqPolicy: q.dlq ? { ...q.dlq } : null,
          ...c,
          messages: [...q.messages.values()].map(messageSnapshot),
        };
      }),
  };
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AdminInputError('a JSON object body is required');
  return body as Record<string, unknown>;
}

/** Runs `f`, turning the store's API errors into 400 answers of the admin API. */
function input<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof MnsApiError) throw new AdminInputError(`${err.code}: ${err.message}`);
    throw err;
  }
}

/** The `extra` routes for emulators/common/admin.ts. */
export function adminRoutes(store: QueueStore, onQueueDeleted: (name: string) => void): Record<string, AdminRoute> {
  return {
    'POST /dlq-policy': (body) => {
      const b = asObject(body);
      if (typeof b.queue !== 'string' || !b.queue) throw new AdminInputError('queue (a queue name) is required');
      const queue = b.queue;
      const off = b.enabled === false || b.deadLetterTargetQueue === undefined || b.deadLetterTargetQueue === null;
      if (b.enabled !== undefined && typeof b.enabled !== 'boolean') throw new AdminInputError('enabled must be a boolean');
      if (!off && typeof b.deadLetterTargetQueue !== 'string') throw new AdminInputError('deadLetterTargetQueue must be a queue name');
      if (!off && (typeof b.maxReceiveCount !== 'number' || !Number.isInteger(b.maxReceiveCount)))
        throw new AdminInputError('maxReceiveCount must be an integer');
      input(() =>
        store.setDlqPolicy(
          queue,
          off ? undefined : { enabled: true, deadLetterTargetQueue: b.deadLetterTargetQueue as string, maxReceiveCount: b.maxReceiveCount as number },
        ),
      );
      return { queue, dlqPolicy: store.get(queue).dlq ?? null };
    },
    'POST /queues': (body) => {
      const b = asObject(body);
      if (typeof b.name !== 'string') throw new AdminInputError('name (a queue name) is required');
      const name = b.name;
      const attributes = b.attributes === undefined ? {} : asObject(b.attributes);
      const result = input(() => store.create(name, validateAttributes(attributes)));
      return { name, result, attributes: store.get(name).attributes };
    },
    'DELETE /queues': (body) => {
      const b = asObject(body);
      if (typeof b.name !== 'string') throw new AdminInputError('name (a queue name) is required');
      const deleted = store.delete(b.name);
      if (deleted) onQueueDeleted(b.name);
      return { name: b.name, deleted };
    },
  };
}
