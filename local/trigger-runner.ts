/**
 * A local stand-in for the FC 3.0 Simple Message Queue trigger (EventBridge event streaming,
 * https://www.alibabacloud.com/help/en/functioncompute/fc/mns-queue-triggers): it consumes a queue with the real `@alicloud/mns` client and hands the messages to a worker
 * handler exactly as the trigger does:
 * - a JSON array of CloudEvents whose `data` is `{requestId, messageId, messageBody}` and nothing else;
 * - batched by a count window and a time window (`CountBasedWindow`, `TimeBasedWindow`);
 * - `messageBody` base64-decoded when `isBase64Decode` is on (the trigger's `IsBase64Decode`);
 * - synchronous: the next batch of one lane waits for the handler; `lanes` lanes run side by side, one lane per FC
 *   instance (an FC instance of a built-in runtime handles one invocation at a time);
 * - with `createHandler`, each lane builds its own handler: a separate handler instance with its own configuration,
 *   site directory, SAG pacer and breaker (they belong to the handler, shared/sag/flow.ts), as separate FC instances
 *   share no module state. (The loaded modules are shared, which FC instances do not do; nothing in them keeps
 *   per-instance state outside the handler.)
 * - on a throw, the batch is retried (`retries` times, BACKOFF_RETRY-like delays scaled by `retryDelayMs`), then the
 *   raw event goes to the dead-letter queue (errorsTolerance ALL + deadLetterQueue).
 * A batch's messages are deleted from the queue once the push succeeded or was dead-lettered. (When the real
 * trigger removes them is not documented; this choice never loses a message.)
 */
import { randomUUID } from 'node:crypto';
import type MNSClient from '@alicloud/mns/lib/client.js';
import { mnsErrorCode, type FcContext } from '../shared/index.js';

export interface TriggerRunnerOptions {
  client: MNSClient;
  queue: string;
  deadLetterQueue: string;
  functionName: string;
  /** One handler shared by every lane (one instance), or: */
  handler?: WorkerHandler;
  /** Builds a handler instance per lane (separate emulated FC instances). */
  createHandler?: () => WorkerHandler;
  context: () => FcContext;
  accountId: string;
  region: string;
  isBase64Decode?: boolean;
  countWindow?: number;
  timeWindowMs?: number;
  lanes?: number;
  retries?: number;
  retryDelayMs?: number;
  onLog?: (line: Record<string, unknown>) => void;
}

type WorkerHandler = (event: Buffer, context: FcContext) => Promise<unknown>;

interface MnsMessage {
  MessageId: string;
  ReceiptHandle: string;
  MessageBody: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TriggerRunner {
  private running = false;
  private loops: Promise<void>[] = [];
  private inFlight = 0;
  readonly stats = { pushes: 0, messages: 0, failedPushes: 0, deadLettered: 0 };

  constructor(private readonly o: TriggerRunnerOptions) {
    if (!o.handler && !o.createHandler) throw new Error('TriggerRunner needs handler or createHandler');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const lanes = this.o.lanes ?? 1;
    for (let i = 0; i < lanes; i++) this.loops.push(this.loop(i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** True when no batch is being handled right now. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  private async receive(max: number, waitSeconds: number): Promise<MnsMessage[]> {
    try {
      const res = await this.o.client.batchReceiveMessage(this.o.queue, Math.min(16, max), waitSeconds);
      return Array.isArray(res.body) ? (res.body as MnsMessage[]) : [];
    } catch (err) {
      if (mnsErrorCode(err) !== 'MessageNotExist') {
        this.o.onLog?.({ level: 'warn', msg: 'trigger receive failed', queue: this.o.queue, error: (err as Error).message });
        await sleep(200);
      }
      return [];
    }
  }

  private async loop(lane: number): Promise<void> {
    const handler = (this.o.createHandler?.() ?? this.o.handler) as WorkerHandler;
    const count = this.o.countWindow ?? 10;
    const windowMs = this.o.timeWindowMs ?? 0;
    while (this.running) {
      const batch = await this.receive(count, 1);
      if (batch.length === 0) continue;
      const deadline = Date.now() + windowMs;
      while (this.running && batch.length < count && Date.now() < deadline) {
        const more = await this.receive(count - batch.length, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
        batch.push(...more);
        if (more.length === 0) break;
      }
      this.inFlight++;
      try {
        await this.push(batch, lane, handler);
      } finally {
        this.inFlight--;
      }
    }
  }

  private cloudEvents(batch: MnsMessage[]): unknown[] {
    const now = new Date().toISOString();
    return batch.map((m) => ({
      id: randomUUID(),
      source: `MNS-${this.o.functionName}-trigger`,
      specversion: '1.0',
      type: 'mns:Queue:SendMessage',
      datacontenttype: 'application/json; charset=utf-8',
      subject: `acs:mns:${this.o.region}:${this.o.accountId}:queues/${this.o.queue}`,
      time: now,
      aliyunaccountid: this.o.accountId,
      aliyunpublishtime: now,
      aliyuneventbusname: `MNS-${this.o.functionName}-trigger`,
      aliyunregionid: this.o.region,
      data: {
        requestId: randomUUID().replace(/-/g, '').toUpperCase(),
        messageId: m.MessageId,
        messageBody: this.o.isBase64Decode ? Buffer.from(m.MessageBody, 'base64').toString('utf8') : m.MessageBody,
      },
    }));
  }

  private async push(batch: MnsMessage[], lane: number, handler: WorkerHandler): Promise<void> {
    const event = Buffer.from(JSON.stringify(this.cloudEvents(batch)));
    const retries = this.o.retries ?? 3;
    let delivered = false;
    for (let i = 0; i <= retries && !delivered; i++) {
      if (i > 0) await sleep((this.o.retryDelayMs ?? 100) * (1 + Math.random()));
      try {
        await handler(event, { ...this.o.context(), requestId: randomUUID() });
        delivered = true;
      } catch (err) {
        this.stats.failedPushes++;
        this.o.onLog?.({ level: 'warn', msg: 'push failed', fn: this.o.functionName, lane, attempt: i + 1, error: (err as Error).message });
      }
    }
    if (!delivered) {
      const res = await this.o.client
        .sendMessage(this.o.deadLetterQueue, { MessageBody: event.toString('base64') })
        .catch((e: Error) => ({ code: 0, error: e }));
      if (res.code < 200 || res.code > 299) {
        // Keep the messages: they become visible again and are pushed anew.
        this.o.onLog?.({ level: 'error', msg: 'trigger dead-letter failed; messages stay in the queue', fn: this.o.functionName });
        return;
      }
      this.stats.deadLettered += batch.length;
    }
    this.stats.pushes++;
    this.stats.messages += batch.length;
    await this.o.client
      .batchDeleteMessage(
        this.o.queue,
        batch.map((m) => m.ReceiptHandle),
      )
      .catch(() => undefined);
  }
}
