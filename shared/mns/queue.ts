/**
 * Sending to Simple Message Queue (MNS) through the official `@alicloud/mns` client.
 *
 * Bodies are base64 of UTF-8 JSON: the SDK interpolates bodies into XML unescaped, so raw JSON would break on
 * `<` or `&` (https://github.com/aliyun/mns-nodejs-sdk, lib/client.js). The worker runtime accepts both encodings, so the trigger's IsBase64Decode
 * may be on or off. Every failure (thrown SDK error, or a non-2xx answer the SDK resolves without throwing) becomes
 * a TransientError `queue.send-failed`: the caller decides (webhook: 503; worker: dead-letter or throw).
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import { keyedCache } from '../client-cache.js';
import type { Config } from '../config.js';
import { credentialsKey, type Credentials, type FcContext } from '../credentials.js';
import { ConfigError, PermanentError, TransientError } from '../errors.js';
import { MNS_CALL_TIMEOUT_MS } from '../limits.js';

/** The largest message MNS accepts (the queue's MaximumMessageSize upper bound). */
export const MAX_MESSAGE_BYTES = 65_536;

export interface SendOptions {
  /** 0..604800; whole seconds (MNS has no finer delay). */
  delaySeconds?: number;
}

export interface QueueSender {
  send(queue: string, message: unknown, options?: SendOptions): Promise<{ messageId: string }>;
}

/** base64(UTF-8 JSON), the wire form of every message. */
export function encodeMessage(message: unknown): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export interface MnsQueueOptions {
  accountId: string;
  region: string;
  /** http(s)://host[:port]; default: the region's internal endpoint. */
  endpoint?: string;
  credentials: Credentials;
  timeoutMs?: number;
}

/** The MNS endpoint for an account and region (FC reaches the internal one). */
export function defaultMnsEndpoint(accountId: string, region: string): string {
  return `http://${accountId}.mns.${region}-internal.aliyuncs.com`;
}

const CODE = /^MNS(.+)Error$/;

/** The official MNS client for an account, region (or endpoint) and credentials. */
export function createMnsClient(opts: MnsQueueOptions): MNSClient {
  if (!opts.accountId) throw new ConfigError('MNS account id is unknown: set MNS_ACCOUNT_ID (FC provides it in the context)');
  return new MNSClient(opts.accountId, {
    accessKeyId: opts.credentials.accessKeyId,
    accessKeySecret: opts.credentials.accessKeySecret,
    securityToken: opts.credentials.securityToken,
    endpoint: opts.endpoint ?? defaultMnsEndpoint(opts.accountId, opts.region),
    readTimeout: opts.timeoutMs ?? MNS_CALL_TIMEOUT_MS,
    connectTimeout: opts.timeoutMs ?? MNS_CALL_TIMEOUT_MS,
  });
}

export class MnsQueue implements QueueSender {
  private readonly client: MNSClient;

  constructor(opts: MnsQueueOptions) {
    this.client = createMnsClient(opts);
  }

  async send(queue: string, message: unknown, options: SendOptions = {}): Promise<{ messageId: string }> {
    const body = encodeMessage(message);
    if (body.length > MAX_MESSAGE_BYTES) {
      throw new PermanentError('message.too-large', `message is ${body.length} bytes encoded, over ${MAX_MESSAGE_BYTES}`);
    }
    const delaySeconds = Math.max(0, Math.min(604_800, Math.round(options.delaySeconds ?? 0)));
    let res;
    try {
      res = await this.client.sendMessage(queue, { MessageBody: body, DelaySeconds: delaySeconds, Priority: 8 });
    } catch (err) {
      const e = err as Error;
      const code = CODE.exec(e.name ?? '')?.[1] ?? (e as { code?: string }).code ?? e.name ?? 'Error';
      throw new TransientError('queue.send-failed', `send to ${queue} failed: ${code}`, { upstreamCode: code }, { cause: err });
    }
    const messageId = (res.body as { MessageId?: string } | undefined)?.MessageId;
    if (res.code < 200 || res.code > 299 || !messageId) {
      throw new TransientError('queue.send-failed', `send to ${queue} failed with HTTP ${res.code}`, { upstreamCode: `HTTP${res.code}` });
    }
    return { messageId };
  }
}

/** One MnsQueue per endpoint and credential set (FC rotates the STS credentials it hands to each invocation). */
export const cachedMnsQueue = keyedCache(
  (o: MnsQueueOptions) => `${o.endpoint ?? ''}\n${o.accountId}\n${credentialsKey(o.credentials)}`,
  (o: MnsQueueOptions) => new MnsQueue(o),
);

/** Supplies the queue sender of one invocation (tests and the local stack pass their own). */
export type QueueFactory = (config: Config, credentials: Credentials, context: FcContext) => QueueSender;

/** The default: MNS with the invocation's credentials, on the account from the configuration or the FC context. */
export const invocationQueue: QueueFactory = (config, credentials, context) =>
  cachedMnsQueue({ accountId: config.accountId ?? context.accountId ?? '', region: config.region, endpoint: config.mnsEndpoint, credentials });
