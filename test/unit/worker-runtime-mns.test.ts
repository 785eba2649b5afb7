/**
 * The runtime's queue sends over the wire: MnsQueue (the official `@alicloud/mns` client) against the MNS
 * emulator with injected faults. Transient failures are retried, refusals are not, `mnsErrorCode` reads the real
 * SDK's errors, and a worker whose re-enqueue keeps failing loses the message for the trigger to redeliver
 * instead of dead-lettering it.
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { TransientError } from '../../shared/errors.js';
import { setLogSink } from '../../shared/logger.js';
import { isTransientMnsFailure, mnsErrorCode, mnsFailureCode } from '../../shared/mns/errors.js';
import { MNS_SEND_RETRY, MnsQueue } from '../../shared/mns/queue.js';
import { createWorkerHandler, LostMessagesError } from '../../shared/worker-runtime.js';
import { rejection } from '../helpers/rejection.js';

let emu: MnsEmulator;
let restoreLogs: (l: string) => void;
beforeAll(async () => {
  emu = await startMnsEmulator({ seed: 11 });
  restoreLogs = setLogSink(() => undefined);
});
afterAll(async () => {
  setLogSink(restoreLogs);
  await emu.close();
});
beforeEach(() => {
  emu.reset();
  for (const q of ['work', 'dead']) emu.createQueue(q);
});

const credentials = () => ({ accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
const queue = (timeoutMs?: number) => new MnsQueue({ accountId: emu.accountId, region: emu.region, endpoint: emu.url, credentials: credentials(), timeoutMs });
const fault = (rule: object) => emu.faults.add({ action: 'SendMessage', queue: 'work', ...rule })[0]!;

describe('MnsQueue.send retries', () => {
  it.each([
    ['InternalError 500', { code: 'InternalError', httpStatus: 500 }],
    ['TooManyRequests 429', { code: 'TooManyRequests', httpStatus: 429 }],
    ['an HTML 502', { html502: true }],
    ['a connection reset before the call', { reset: 'before' }],
  ])('retries %s and stores the message once', async (_name, effect) => {
    const rule = fault({ ...effect, count: MNS_SEND_RETRY.tries - 1 });
    const sent = await queue().send('work', { n: 1 });
    expect(sent.messageId).toMatch(/\S/);
    expect(emu.faults.list().find((r) => r.id === rule.id)?.fired).toBe(MNS_SEND_RETRY.tries - 1);
    expect(emu.queueDepth('work')).toBe(1);
  });

  it('gives up after its tries with a TransientError naming the code', async () => {
    const rule = fault({ code: 'InternalError', httpStatus: 500 });
    const err = await rejection<TransientError>(queue().send('work', { n: 1 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.reason).toBe('queue.send-failed');
    expect(err.details.upstreamCode).toBe('InternalError');
    expect(emu.faults.list().find((r) => r.id === rule.id)?.fired).toBe(MNS_SEND_RETRY.tries);
    expect(emu.queueDepth('work')).toBe(0);
  });

  it('does not retry a refusal the same call would get again', async () => {
    const err = await rejection<TransientError>(queue().send('no-such-queue', { n: 1 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.details.upstreamCode).toBe('QueueNotExist');
    const rule = fault({ code: 'AccessDenied', httpStatus: 403 });
    await rejection(queue().send('work', { n: 1 }));
    expect(emu.faults.list().find((r) => r.id === rule.id)?.fired).toBe(1);
  });

  it('does not start a new try after a timeout used up the budget', async () => {
    const rule = fault({ delayMs: 600, count: 1 });
    const slow = new MnsQueue({
      accountId: emu.accountId,
      region: emu.region,
      endpoint: emu.url,
      credentials: credentials(),
      timeoutMs: 300,
      retry: { ...MNS_SEND_RETRY, budgetMs: 200 },
    });
    const err = await rejection<TransientError>(slow.send('work', { n: 1 }));
    expect(err.details.upstreamCode).toBe('RequestTimeout');
    expect(emu.faults.list().find((r) => r.id === rule.id)?.fired).toBe(1);
  });
});

describe('mnsErrorCode and mnsFailureCode on the real SDK errors', () => {
  it('read the MNS code from the error name, and name transport failures', async () => {
    const client = new MNSClient(emu.accountId, { ...credentials(), endpoint: emu.url });
    const empty = await rejection(client.receiveMessage('work', 0));
    expect(mnsErrorCode(empty)).toBe('MessageNotExist');
    const missing = await rejection(client.getQueueAttributes('ghost'));
    expect(mnsErrorCode(missing)).toBe('QueueNotExist');
    const refused = await rejection(new MNSClient(emu.accountId, { ...credentials(), endpoint: 'http://127.0.0.1:1' }).getQueueAttributes('work'));
    expect(mnsErrorCode(refused)).toBeUndefined();
    expect(mnsFailureCode(refused)).toBe('ECONNREFUSED');
    expect(mnsErrorCode(new TypeError('x'))).toBeUndefined();
    expect(mnsErrorCode(undefined)).toBeUndefined();
  });

  it('sort transient failures from refusals', () => {
    for (const code of ['InternalError', 'ServiceUnavailable', 'TooManyRequests', 'HTTP502', 'HTTP429', 'RequestTimeout', 'ECONNRESET'])
      expect(isTransientMnsFailure(code), code).toBe(true);
    for (const code of ['QueueNotExist', 'AccessDenied', 'SignatureDoesNotMatch', 'InvalidArgument', 'HTTP404', 'Error'])
      expect(isTransientMnsFailure(code), code).toBe(false);
  });
});

describe('a worker whose re-enqueue fails', () => {
  const Ev = z.object({ id: z.string(), employee: z.object({ id: z.string() }) });
  const handlerFor = () =>
    createWorkerHandler(
      {
        name: 'test-worker',
        action: 'test',
        queue: () => 'work',
        schema: Ev,
        async handle() {
          throw new TransientError('sag.InternalError', 'try later');
        },
      },
      {
        env: {
          JOIN_QUEUE: 'work',
          DEAD_LETTER_QUEUE: 'dead',
          RETRY_INLINE_ATTEMPTS: '1',
          ALIBABA_CLOUD_ACCESS_KEY_ID: 'a',
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b',
        },
        queue: () => queue(),
      },
    );
  const event = (id: string) =>
    Buffer.from(JSON.stringify([{ data: { messageId: id, messageBody: JSON.stringify({ event: { id, employee: { id: 'E1' } } }) } }]));

  it('re-enqueues through a transient send failure', async () => {
    fault({ code: 'InternalError', httpStatus: 500, count: 2 });
    const s = await handlerFor()(event('a'), {});
    expect(s.results['retry-later']).toBe(1);
    expect(emu.queueDepth('work')).toBe(1);
    expect(emu.queueDepth('dead')).toBe(0);
  });

  it('throws LostMessagesError when the send keeps failing, and dead-letters nothing', async () => {
    fault({ code: 'InternalError', httpStatus: 500 });
    const err = await rejection(handlerFor()(event('b'), {}));
    expect(err).toBeInstanceOf(LostMessagesError);
    expect(emu.queueDepth('dead')).toBe(0);
  });
});

describe('systemic MNS refusals go through the breaker', () => {
  const Ev = z.object({ id: z.string(), employee: z.object({ id: z.string() }) });
  /** A worker that forwards each message to `target` (as enrich forwards to the join queue). */
  const forwarder = (target: string) =>
    createWorkerHandler(
      {
        name: 'test-forwarder',
        action: 'test',
        queue: () => 'work',
        schema: Ev,
        async handle(event, ctx) {
          await ctx.queue.send(target, { event });
          return { status: 'done', detail: 'forwarded' };
        },
      },
      {
        env: {
          JOIN_QUEUE: 'work',
          DEAD_LETTER_QUEUE: 'dead',
          RETRY_INLINE_ATTEMPTS: '1',
          RETRY_DELAY_SCALE: '0.001',
          ALIBABA_CLOUD_ACCESS_KEY_ID: 'a',
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b',
        },
        queue: () => queue(),
      },
    );
  const event = (id: string) =>
    Buffer.from(JSON.stringify([{ data: { messageId: id, messageBody: JSON.stringify({ event: { id, employee: { id: 'E1' } } }) } }]));
  /** Counts the sends that reach the emulator for one queue (a rule with a 0 ms delay fires on each). */
  const counter = (q: string) => emu.faults.add({ action: 'SendMessage', queue: q, delayMs: 0 })[0]!;
  const fired = (rule: { id: number }) => emu.faults.list().find((r) => r.id === rule.id)?.fired;

  it('a missing queue pauses that queue only: the message waits with its budget untouched, no dead letter', async () => {
    const handler = forwarder('ghost');
    const ghost = counter('ghost');
    const first = await handler(event('m1'), {});
    expect(first.results.paused).toBe(1);
    const second = await handler(event('m2'), {});
    expect(second.results.paused).toBe(1);
    expect(fired(ghost)).toBe(1); // the second send was refused by the open breaker, not sent
    expect(emu.queueDepth('work')).toBe(2); // both re-enqueued to their own queue: mns:queue:work stays closed
    expect(emu.queueDepth('dead')).toBe(0);
  });

  it('AccessDenied pauses the account, and the first send after the pause closes it again', async () => {
    const handler = forwarder('dead');
    const denied = fault({ action: 'SendMessage', queue: undefined, code: 'AccessDenied', httpStatus: 403 });
    await rejection(handler(event('m3'), {})); // the re-enqueue is refused too: the trigger redelivers the batch
    await rejection(handler(event('m3'), {}));
    expect(fired(denied)).toBe(1);
    emu.faults.clear();
    await new Promise((r) => setTimeout(r, 100)); // BREAKER_BASE_SECONDS 60 × RETRY_DELAY_SCALE 0.001
    const after = await handler(event('m3'), {});
    expect(after.results.done).toBe(1);
    expect(emu.queueDepth('dead')).toBe(1);
  });
});
