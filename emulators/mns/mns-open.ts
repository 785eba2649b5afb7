/**
 * The mns-open 2022-01-19 management RPC API (https://www.alibabacloud.com/help/en/mns/developer-reference/api-mns-open-2022-01-19-createqueue), the only API that carries a queue's dead-letter
 * policy: CreateQueue, SetQueueAttributes, GetQueueAttributes (with `DlqPolicy` as a JSON string such as
 * `{"Enabled":true,"DeadLetterTargetQueue":"dlq","MaxReceiveCount":3}`), DeleteQueue and ListQueue, on the same
 * store as the data plane. `@alicloud/pop-core` talks to it with `endpoint: emulator.url, apiVersion: '2022-01-19'`.
 *
 * Protocol work (parameters, signature v1.0, Timestamp, nonce, error envelope) is the shared POP RPC layer's
 * (emulators/common/pop-rpc.ts). Successes use the management envelope
 * `{RequestId, Code: 200, Status: "Success", Message, Success: true, Data}` — which the shared layer's
 * `sendSuccess` cannot write (it drops `Code`), so it is written here.
 */
import type http from 'node:http';
import { PopRpcError, PopRpcProtocol, missingParameter, type PopCredential, type PopRpcRequest } from '../common/pop-rpc.js';
import { mnsError } from './errors.js';
import { validateAttributes, validateQueueName, type DlqPolicy, type Queue, type QueueAttributes, type QueueStore } from './queue-store.js';

export const MNS_OPEN_VERSION = '2022-01-19';
export const MNS_OPEN_ACTIONS = ['CreateQueue', 'SetQueueAttributes', 'GetQueueAttributes', 'DeleteQueue', 'ListQueue'] as const;

/** The POP RPC protocol object for mns-open on this emulator. */
export function mnsOpenProtocol(region: string, credentials: readonly PopCredential[], now?: () => number): PopRpcProtocol {
  return new PopRpcProtocol({
    apiVersion: MNS_OPEN_VERSION,
    hostId: `mns-open.${region}.aliyuncs.com`,
    actions: MNS_OPEN_ACTIONS,
    credentials,
    product: 'Mns-open',
    now,
  });
}

/** Writes the management success envelope around `data`. */
export function sendMnsOpenSuccess(res: http.ServerResponse, requestId: string, data: unknown): void {
  const body = JSON.stringify({ RequestId: requestId, Code: 200, Status: 'Success', Message: 'operation success', Success: true, Data: data });
  res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-acs-request-id': requestId });
  res.end(body);
}

const badPolicy = (message: string) => new PopRpcError('InvalidParameter', 400, message);

/**
 * Parses the `DlqPolicy` parameter: `null` for a policy switched off (`"Enabled": false`), a policy otherwise
 * (its MaxReceiveCount range and target are checked by the store). InvalidParameter when it is not a JSON object
 * with usable fields.
 */
export function parseDlqPolicy(raw: string): DlqPolicy | null {
  let j: unknown;
  try {
    j = JSON.parse(raw);
  } catch {
    throw badPolicy('DlqPolicy is not valid JSON.');
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j))
    throw badPolicy('DlqPolicy should be a JSON object such as {"Enabled":true,"DeadLetterTargetQueue":"dlq","MaxReceiveCount":3}.');
  const p = j as Record<string, unknown>;
  const enabled =
    p.Enabled === undefined ? true : p.Enabled === true || p.Enabled === 'true' ? true : p.Enabled === false || p.Enabled === 'false' ? false : undefined;
  if (enabled === undefined) throw badPolicy('DlqPolicy.Enabled should be true or false.');
  if (!enabled) return null;
  const target = p.DeadLetterTargetQueue;
  if (typeof target !== 'string' || !target) throw badPolicy('DlqPolicy.DeadLetterTargetQueue should be a queue name.');
  const max = typeof p.MaxReceiveCount === 'string' && p.MaxReceiveCount.trim() !== '' ? Number(p.MaxReceiveCount) : p.MaxReceiveCount;
  if (typeof max !== 'number' || Number.isNaN(max)) throw badPolicy('DlqPolicy.MaxReceiveCount should be a number.');
  return { enabled: true, deadLetterTargetQueue: target, maxReceiveCount: max };
}

function attributesOf(params: Readonly<Record<string, string>>): Partial<QueueAttributes> {
  return validateAttributes({
    DelaySeconds: params.DelaySeconds,
    MaximumMessageSize: params.MaximumMessageSize,
    MessageRetentionPeriod: params.MessageRetentionPeriod,
    VisibilityTimeout: params.VisibilityTimeout,
    PollingWaitSeconds: params.PollingWaitSeconds,
    LoggingEnabled: params.EnableLogging,
  });
}

/** GetQueueAttributes' `Data` (ListQueue's page entries too). */
function queueData(q: Queue): Record<string, unknown> {
  const c = q.counts();
  const a = q.attributes;
  return {
    QueueName: q.name,
    CreateTime: Math.floor(q.createTime / 1000),
    LastModifyTime: Math.floor(q.lastModifyTime / 1000),
    DelaySeconds: a.DelaySeconds,
    MaximumMessageSize: a.MaximumMessageSize,
    MessageRetentionPeriod: a.MessageRetentionPeriod,
    VisibilityTimeout: a.VisibilityTimeout,
    PollingWaitSeconds: a.PollingWaitSeconds,
    ActiveMessages: c.active,
    InactiveMessages: c.inactive,
    DelayMessages: c.delayed,
    LoggingEnabled: a.LoggingEnabled,
    Tags: [],
    // The SDK's response model types MaxReceiveCount as a string; the emulator answers the number it was given.
    DlqPolicy: q.dlq
      ? { Enabled: q.dlq.enabled, DeadLetterTargetQueue: q.dlq.deadLetterTargetQueue, MaxReceiveCount: q.dlq.maxReceiveCount }
      : { Enabled: false },
  };
}

/** `Data` of CreateQueue / SetQueueAttributes / DeleteQueue: the model's {Code, Message, Success}, plus QueueName. */
const okData = (queueName: string) => ({ Code: 200, Message: 'operation success', Success: true, QueueName: queueName });

/** Applies one authenticated mns-open request; returns `Data`. Throws API errors (MnsApiError / PopRpcError). */
export function applyMnsOpen(store: QueueStore, r: PopRpcRequest): unknown {
  if (r.action === 'ListQueue') {
    const pageNum = Math.min(100_000_000, Math.max(1, Math.trunc(Number(r.params.PageNum ?? 1)) || 1));
    const pageSize = Math.min(50, Math.max(10, Math.trunc(Number(r.params.PageSize ?? 20)) || 20));
    const filter = r.params.QueueName ?? '';
    const names = store
      .names()
      .filter((n) => n.includes(filter))
      .sort();
    const page = names.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((n) => queueData(store.get(n)));
    return { PageNum: pageNum, PageSize: pageSize, Pages: Math.ceil(names.length / pageSize), Size: page.length, Total: names.length, PageData: page };
  }
  const name = r.params.QueueName;
  if (!name) throw missingParameter('QueueName');
  switch (r.action) {
    case 'CreateQueue': {
      validateQueueName(name);
      const attrs = attributesOf(r.params);
      const dlq = r.params.DlqPolicy !== undefined ? parseDlqPolicy(r.params.DlqPolicy) : undefined;
      // Check the policy before creating anything: a refused policy leaves no half-made queue behind.
      if (dlq) checkTarget(store, name, dlq);
      const existed = store.has(name);
      store.create(name, attrs);
      try {
        if (dlq !== undefined) store.setDlqPolicy(name, dlq ?? undefined);
      } catch (err) {
        if (!existed) store.delete(name);
        throw err;
      }
      return okData(name);
    }
    case 'SetQueueAttributes': {
      store.get(name);
      const attrs = attributesOf(r.params);
      const dlq = r.params.DlqPolicy !== undefined ? parseDlqPolicy(r.params.DlqPolicy) : undefined;
      if (dlq !== undefined) store.setDlqPolicy(name, dlq ?? undefined);
      store.setAttributes(name, attrs);
      return okData(name);
    }
    case 'GetQueueAttributes':
      return queueData(store.get(name));
    case 'DeleteQueue':
      store.delete(name);
      return okData(name);
    default:
      throw mnsError('InvalidArgument', `The action ${r.action} is not emulated.`);
  }
}

function checkTarget(store: QueueStore, name: string, dlq: DlqPolicy): void {
  if (dlq.deadLetterTargetQueue === name) throw mnsError('InvalidArgument', 'A queue cannot be its own dead-letter queue.');
  if (!store.has(dlq.deadLetterTargetQueue)) throw mnsError('QueueNotExist');
}
