/**
 * The worker runtime's contract, with a test worker definition and a recording queue (the wire-level behaviour
 * with MNS and SAG is covered end to end in test/e2e).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ConfigError, PermanentError, SystemicError, ThrottledError, TransientError } from '../../shared/errors.js';
import { SOFT_DEADLINE_SHARE } from '../../shared/limits.js';
import { setLogSink } from '../../shared/logger.js';
import type { QueueSender } from '../../shared/mns/queue.js';
import { createWorkerHandler, LostMessagesError, type Outcome } from '../../shared/worker-runtime.js';

const Ev = z.object({ id: z.string(), employee: z.object({ id: z.string() }), behave: z.string() });
type Ev = z.infer<typeof Ev>;

let restore: (l: string) => void;
const logLines: Array<Record<string, any>> = [];
beforeAll(() => {
  restore = setLogSink((l) => logLines.push(JSON.parse(l)));
});
afterAll(() => setLogSink(restore));

function setup(opts: { failSends?: (queue: string) => boolean; env?: Record<string, string> } = {}) {
  const sent: Array<{ queue: string; message: any; delaySeconds?: number }> = [];
  const calls: Record<string, number> = {};
  const deadlines: number[] = [];
  const queue: QueueSender = {
    async send(q, message, o) {
      if (opts.failSends?.(q)) throw new TransientError('queue.send-failed', 'down');
      sent.push({ queue: q, message, delaySeconds: o?.delaySeconds });
      return { messageId: String(sent.length) };
    },
  };
  const handler = createWorkerHandler(
    {
      name: 'test-worker',
      action: 'test',
      queue: (c) => c.queues.join,
      schema: Ev,
      async handle(ev: Ev, ctx): Promise<Outcome> {
        calls[ev.id] = (calls[ev.id] ?? 0) + 1;
        switch (ev.behave) {
          case 'ok':
            return { status: 'done' };
          case 'flaky-once':
            if (calls[ev.id] === 1) throw new TransientError('sag.throttled', 'slow down');
            return { status: 'done' };
          case 'transient':
            throw new TransientError('sag.throttled', 'slow down', { requestId: 'RID-T' });
          case 'permanent':
            throw new PermanentError('sag.ClientUser.UserOverLimit', 'full', { requestId: 'RID-P' });
          case 'defer':
            return { status: 'defer', reason: 'transfer.origin-user-missing', message: 'waiting' };
          case 'bug':
            throw new TypeError('oops');
          case 'throttled':
            throw new ThrottledError('sag.throttled', 'Throttling.User: slow down', 90_000, { requestId: 'RID-TH' });
          case 'systemic':
            throw new SystemicError('sag.InvalidAccessKeyId.NotFound', 'the AccessKey is gone', 'sag:account', 600);
          case 'deadline':
            deadlines.push(ctx.deadline);
            return { status: 'done' };
          default:
            return { status: 'already-done' };
        }
      },
    },
    {
      env: {
        RETRY_INLINE_BASE_DELAY_MS: '1',
        RETRY_MAX_ATTEMPTS: '2',
        RETRY_MAX_DEFERRALS: '1',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'a',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b',
        ...opts.env,
      },
      queue: () => queue,
      random: () => 0.5,
    },
  );
  return { handler, sent, calls, deadlines };
}

const msg = (id: string, behave: string, delivery?: object) => ({ event: { id, employee: { id: `E-${id}` }, behave }, ...(delivery ? { delivery } : {}) });
const ce = (body: unknown, base64 = true) => ({
  id: 'x',
  specversion: '1.0',
  data: { requestId: 'r', messageId: `m-${Math.random()}`, messageBody: base64 ? Buffer.from(JSON.stringify(body)).toString('base64') : JSON.stringify(body) },
});
const batch = (...items: unknown[]) => Buffer.from(JSON.stringify(items));

describe('worker runtime', () => {
  it('gives each message its own outcome; one bad message fails nothing else', async () => {
    const { handler, sent } = setup();
    const summary = await handler(batch(ce(msg('a', 'ok')), ce(msg('b', 'permanent'), false), ce('not an event'), ce(msg('c', 'already')), { data: {} }), {});
    expect(summary.results).toMatchObject({ done: 1, 'already-done': 1, 'dead-lettered': 3, lost: 0 });
    const reasons = sent
      .filter((s) => s.queue === 'hr-dead-letter')
      .map((s) => s.message.reason)
      .sort();
    expect(reasons).toEqual(['message.invalid', 'message.invalid', 'sag.ClientUser.UserOverLimit']);
    const perm = sent.find((s) => s.message.reason === 'sag.ClientUser.UserOverLimit')?.message;
    expect(perm).toMatchObject({
      schema: 'hr-sag-sync.dead-letter/1',
      retryable: false,
      attempts: 1,
      sagRequestId: 'RID-P',
      function: 'test-worker',
      sourceQueue: 'hr-join',
      event: { id: 'b' },
    });
  });

  it('accepts a single CloudEvent object and plain-JSON bodies', async () => {
    const { handler } = setup();
    const s = await handler(Buffer.from(JSON.stringify(ce(msg('s', 'ok'), false))), {});
    expect(s.results.done).toBe(1);
  });

  it('retries transient failures inside the invocation first', async () => {
    const { handler, sent, calls } = setup();
    const s = await handler(batch(ce(msg('f', 'flaky-once'))), {});
    expect(s.results.done).toBe(1);
    expect(calls.f).toBe(2);
    expect(sent).toEqual([]);
  });

  it('then re-enqueues to its own queue with a growing delay and the attempt count, then dead-letters as retryable', async () => {
    const { handler, sent } = setup();
    await handler(batch(ce(msg('t', 'transient'))), {});
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      queue: 'hr-join',
      delaySeconds: 30,
      message: { event: { id: 't' }, delivery: { attempts: 1, deferrals: 0, lastReason: 'sag.throttled' } },
    });
    await handler(batch(ce(sent[0]?.message)), {});
    expect(sent[1]).toMatchObject({ queue: 'hr-join', delaySeconds: 60, message: { delivery: { attempts: 2 } } });
    expect(sent[1]?.message.delivery.firstFailureAt).toBe(sent[0]?.message.delivery.firstFailureAt);
    await handler(batch(ce(sent[1]?.message)), {});
    expect(sent[2]).toMatchObject({
      queue: 'hr-dead-letter',
      message: { reason: 'sag.throttled', retryable: true, attempts: 3, sagRequestId: 'RID-T', firstFailureAt: sent[0]?.message.delivery.firstFailureAt },
    });
  });

  it('defers within the deferral budget, then dead-letters with the deferral reason', async () => {
    const { handler, sent } = setup();
    await handler(batch(ce(msg('d', 'defer'))), {});
    expect(sent[0]).toMatchObject({ queue: 'hr-join', delaySeconds: 30, message: { delivery: { deferrals: 1, attempts: 0 } } });
    await handler(batch(ce(sent[0]?.message)), {});
    expect(sent[1]).toMatchObject({ queue: 'hr-dead-letter', message: { reason: 'transfer.origin-user-missing', retryable: true } });
  });

  it('treats an unexpected error as transient', async () => {
    const { handler, sent } = setup();
    await handler(batch(ce(msg('u', 'bug'))), {});
    expect(sent[0]?.message.delivery.lastReason).toBe('worker.unexpected-error');
  });

  it('never dead-letters a message whose re-enqueue failed: it is lost, and the invocation throws for the trigger to redeliver', async () => {
    const a = setup({ failSends: (q) => q === 'hr-join' });
    const err = await a.handler(batch(ce(msg('r', 'transient')), ce(msg('ok', 'ok'))), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LostMessagesError);
    expect((err as LostMessagesError).lost).toBe(1);
    expect(a.sent).toEqual([]);
    expect(a.calls.ok).toBe(1);
    const b = setup({ failSends: () => true });
    const both = await b.handler(batch(ce(msg('ok', 'ok')), ce(msg('x', 'permanent'))), {}).catch((e: unknown) => e);
    expect(both).toBeInstanceOf(LostMessagesError);
    expect((both as LostMessagesError).lost).toBe(1);
  });

  it('re-enqueues a ThrottledError after about its retryAfter, attempts untouched, and never dead-letters it', async () => {
    const { handler, sent, calls } = setup({ env: { RETRY_DELAY_SCALE: '0.1' } });
    let message: any = msg('th', 'throttled');
    for (let i = 1; i <= 5; i++) {
      const s = await handler(batch(ce(message)), { function: { timeout: 10 } });
      expect(s.results.throttled).toBe(1);
      message = sent.at(-1)?.message;
    }
    // 90 s × 0.1 scale ≈ 9 s (±20%); waiting in the invocation would end past its 6 s soft deadline: no inline try.
    expect(sent.every((x) => x.queue === 'hr-join' && x.delaySeconds === 9)).toBe(true);
    expect(message.delivery).toMatchObject({ attempts: 0, deferrals: 0, throttled: 5, lastReason: 'sag.throttled' });
    expect(calls.th).toBe(5);
    const line = logLines.filter((l) => l.msg === 'outcome' && l.eventId === 'th').at(-1);
    expect(line).toMatchObject({ result: 'throttled', attempts: 5, throttled: 5, delaySeconds: 9, sagRequestId: 'RID-TH' });
  });

  it('re-enqueues a SystemicError after the breaker wait, attempts untouched, even past the attempt budget', async () => {
    const { handler, sent } = setup();
    const s = await handler(batch(ce(msg('sy', 'systemic', { attempts: 5, deferrals: 0 }))), {});
    expect(s.results.paused).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      queue: 'hr-join',
      delaySeconds: 600,
      message: { delivery: { attempts: 5, systemic: 1, lastReason: 'sag.InvalidAccessKeyId.NotFound' } },
    });
    expect(logLines.filter((l) => l.msg === 'outcome' && l.eventId === 'sy').at(-1)).toMatchObject({ result: 'paused', scope: 'sag:account' });
  });

  it('hands the soft deadline to handle: the function timeout × SOFT_DEADLINE_SHARE after the invocation started', async () => {
    const { handler, deadlines } = setup();
    const before = Date.now();
    await handler(batch(ce(msg('dl', 'deadline'))), { function: { timeout: 100 } });
    const after = Date.now();
    expect(deadlines[0]).toBeGreaterThanOrEqual(before + 100_000 * SOFT_DEADLINE_SHARE);
    expect(deadlines[0]).toBeLessThanOrEqual(after + 100_000 * SOFT_DEADLINE_SHARE);
  });

  it('counts every run in the outcome line, deferrals included', async () => {
    const { handler, sent } = setup({ env: { RETRY_MAX_DEFERRALS: '5' } });
    let message: any = msg('dc', 'defer');
    for (let i = 0; i < 3; i++) {
      await handler(batch(ce(message)), {});
      message = sent.at(-1)?.message;
    }
    const lines = logLines.filter((l) => l.msg === 'outcome' && l.eventId === 'dc');
    expect(lines.map((l) => [l.result, l.attempts, l.deferrals])).toEqual([
      ['deferred', 1, 1],
      ['deferred', 2, 2],
      ['deferred', 3, 3],
    ]);
  });

  it('dead-letters a trigger event that is not JSON at all', async () => {
    const { handler, sent } = setup();
    const s = await handler(Buffer.from('garbage'), {});
    expect(s.results['dead-lettered']).toBe(1);
    expect(sent[0]?.message).toMatchObject({ reason: 'trigger.malformed-event', raw: 'garbage' });
  });

  it('throws the ConfigError on every invocation when the configuration is invalid', async () => {
    const { handler } = setup({ env: { RETRY_MAX_ATTEMPTS: 'lots' } });
    const err = await handler(batch(ce(msg('a', 'ok'))), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/RETRY_MAX_ATTEMPTS/);
  });
});
