/**
 * Sending to Simple Message Queue (MNS) through the official `@alicloud/mns` client.
 *
 * Bodies are base64 of UTF-8 JSON: the SDK interpolates bodies into XML unescaped, so raw JSON would break on
 * `<` or `&`. The worker runtime accepts both encodings, so the trigger's IsBase64Decode may be on or off.
 *
 * A send that fails for a reason retrying can fix (a 5xx or 429 answer, `TooManyRequests`, a timeout, a
 * connection error; see mns/errors.ts) is tried again, up to {@link MNS_SEND_RETRY}`.tries` times in all, with
 * full-jitter backoff, as long as a new try starts within `budgetMs` of the first (so a caller with a short
 * deadline, like the webhook, is not held by a string of timeouts). A retry after a timeout may store the message
 * twice; every consumer is idempotent by reconciliation, so a duplicate is harmless and a loss is not.
 * What still fails becomes a TransientError `queue.send-failed` naming the code: the caller decides (webhook:
 * 503; worker: the message is lost for this invocation, which throws so that the trigger redelivers the batch).
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import { keyedCache } from '../client-cache.js';
import type { Config } from '../config.js';
import { credentialsKey, type Credentials, type FcContext } from '../credentials.js';
import { sleep } from '../concurrency.js';
import { ConfigError, PermanentError, TransientError } from '../errors.js';
import { MNS_CALL_TIMEOUT_MS, MNS_MAX_DELAY_SECONDS } from '../limits.js';
import { isTransientMnsFailure, mnsFailureCode } from './errors.js';

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
  /** Retries of a send that failed transiently; default {@link MNS_SEND_RETRY}. */
  retry?: SendRetry;
}

export interface SendRetry {
  /** Tries in all, the first included. */
  tries: number;
  /** First backoff; it doubles per retry, with full jitter. */
  baseDelayMs: number;
  /** No new try starts later than this after the first one started. */
  budgetMs: number;
}

/**
 * Four tries within 2 s: with independent failures at 5% (a bad moment of the service), a send is lost about
 * once in 160,000; a timeout (5 s) uses up the budget, so it is not retried.
 */
export const MNS_SEND_RETRY: Readonly<SendRetry> = Object.freeze({ tries: 4, baseDelayMs: 50, budgetMs: 2_000 });

/** The MNS endpoint for an account and region (FC reaches the internal one). */
export function defaultMnsEndpoint(accountId: string, region: string): string {
  return `http://${accountId}.mns.${region}-internal.aliyuncs.com`;
}

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
  private readonly retry: SendRetry;

  constructor(opts: MnsQueueOptions) {
    this.client = createMnsClient(opts);
    this.retry = opts.retry ?? MNS_SEND_RETRY;
  }

  /** SendMessage, retried on transient failures (see the module comment). */
  async send(queue: string, message: unknown, options: SendOptions = {}): Promise<{ messageId: string }> {
    const body = encodeMessage(message);
    if (body.length > MAX_MESSAGE_BYTES) {
      throw new PermanentError('message.too-large', `message is ${body.length} bytes encoded, over ${MAX_MESSAGE_BYTES}`);
    }
    const delaySeconds = Math.max(0, Math.min(MNS_MAX_DELAY_SECONDS, Math.round(options.delaySeconds ?? 0)));
    const started = Date.now();
    for (let tryNo = 1; ; tryNo++) {
      const sent = await this.sendOnce(queue, body, delaySeconds);
      if ('messageId' in sent) return sent;
      const backoff = this.retry.baseDelayMs * 2 ** (tryNo - 1) * Math.random();
      const retryable = isTransientMnsFailure(sent.code) && tryNo < this.retry.tries && Date.now() + backoff - started <= this.retry.budgetMs;
      if (!retryable) {
        const tries = tryNo > 1 ? ` after ${tryNo} tries` : '';
        throw new TransientError('queue.send-failed', `send to ${queue} failed${tries}: ${sent.code}`, { upstreamCode: sent.code }, { cause: sent.cause });
      }
      await sleep(backoff);
    }
  }

  /** One SendMessage: the message id, or the failure's code (`HTTP<status>` for an answer the SDK did not throw). */
  private async sendOnce(queue: string, body: string, delaySeconds: number): Promise<{ messageId: string } | { code: string; cause?: unknown }> {
    let res;
    try {
      res = await this.client.sendMessage(queue, { MessageBody: body, DelaySeconds: delaySeconds, Priority: 8 });
    } catch (err) {
      return { code: mnsFailureCode(err), cause: err };
    }
    const messageId = (res.body as { MessageId?: string } | undefined)?.MessageId;
    if (res.code < 200 || res.code > 299 || !messageId) return { code: `HTTP${res.code}` };
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
