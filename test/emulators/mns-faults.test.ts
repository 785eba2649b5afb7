/**
 * MNS emulator fault injection through `POST /__admin/faults`, observed with the real `@alicloud/mns` client: one
 * test per effect (error by operation and by queue, count, seeded probability, delayMs, delayAfterMs, reset before
 * and after, html502, ratePerSecond), and the rest of the admin API (`GET /__admin/state`, `POST /__admin/reset`,
 * `GET|DELETE /__admin/faults`). See emulators/common/faults.ts for the rule format.
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { rejection } from '../helpers/rejection.js';

let emu: MnsEmulator;

beforeAll(async () => {
  emu = await startMnsEmulator({ seed: 7 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  expect((await admin('POST', '/reset')).status).toBe(200);
  emu.createQueue('fq');
  emu.createQueue('other');
});

const client = (opts: { readTimeout?: number } = {}) =>
  new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: emu.url, ...opts });

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${emu.url}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const addFault = (rule: unknown) => admin('POST', '/faults', rule);

const thrown = (p: Promise<unknown>) => rejection<Error & { code?: string }>(p);

const send = (queue = 'fq', body = 'm') => client().sendMessage(queue, { MessageBody: body });

describe('MNS fault injection', () => {
  it('answers an injected error by operation as the SDK throw MNS<Code>Error, without applying the call', async () => {
    const added = await addFault({ action: 'SendMessage', code: 'InternalError', httpStatus: 500, count: 1 });
    expect(added.status).toBe(201);
    expect(added.body.faults).toEqual([expect.objectContaining({ action: 'SendMessage', code: 'InternalError', httpStatus: 500, count: 1, fired: 0 })]);
    const err = await thrown(send());
    expect(err.name).toBe('MNSInternalErrorError');
    expect(err.message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/queues\/fq\/messages failed with 500\. requestid: \S+, hostid: http:\/\/127\.0\.0\.1:\d+, message: /,
    );
    expect(emu.queueDepth('fq')).toBe(0);
    // Other operations are untouched; the spent rule lets the next send through.
    expect((await client().getQueueAttributes('fq')).code).toBe(200);
    expect((await send()).code).toBe(201);
    expect(emu.queueDepth('fq')).toBe(1);
  });

  it('uses the rule message, or the documented message of the code', async () => {
    await addFault([
      { action: 'ReceiveMessage', code: 'QueueNotExist', httpStatus: 404, count: 1 },
      { action: 'GetQueueAttributes', code: 'AccessDenied', httpStatus: 403, message: 'Nope, not you.', count: 1 },
    ]);
    const a = await thrown(client().receiveMessage('fq'));
    expect(a.name).toBe('MNSQueueNotExistError');
    expect(a.message).toMatch(/failed with 404\. .*message: The queue name you provided is not exist\.$/);
    const b = await thrown(client().getQueueAttributes('fq'));
    expect(b.name).toBe('MNSAccessDeniedError');
    expect(b.message).toMatch(/failed with 403\. .*message: Nope, not you\.$/);
  });

  it('matches a rule by queue', async () => {
    await addFault({ action: 'SendMessage', queue: 'fq', code: 'TooManyRequests', httpStatus: 429 });
    expect((await thrown(send('fq'))).name).toBe('MNSTooManyRequestsError');
    expect((await send('other')).code).toBe(201);
    // "*" matches every operation on that queue.
    await admin('DELETE', '/faults');
    await addFault({ action: '*', queue: 'other', code: 'InternalError', httpStatus: 500 });
    expect((await thrown(client().peekMessage('other'))).name).toBe('MNSInternalErrorError');
    expect((await thrown(client().getQueueAttributes('other'))).name).toBe('MNSInternalErrorError');
    expect((await send('fq')).code).toBe(201);
  });

  it('fires a counted rule exactly `count` times, and says so in GET /__admin/faults', async () => {
    await addFault({ action: 'SendMessage', code: 'InternalError', httpStatus: 500, count: 2 });
    const outcomes = [];
    for (let i = 0; i < 4; i++)
      outcomes.push(
        await send().then(
          (r) => r.code,
          (e: Error) => e.name,
        ),
      );
    expect(outcomes).toEqual(['MNSInternalErrorError', 'MNSInternalErrorError', 201, 201]);
    const listed = await admin('GET', '/faults');
    expect(listed.body.faults).toEqual([expect.objectContaining({ count: 2, fired: 2 })]);
    expect(emu.queueDepth('fq')).toBe(2);
  });

  it('repeats probabilistic faults for a seed', async () => {
    const run = async () => {
      await admin('POST', '/reset');
      emu.createQueue('fq');
      await addFault({ seed: 42 });
      await addFault({ action: 'SendMessage', code: 'ServiceUnavailable', httpStatus: 503, probability: 0.5 });
      const outcome: Array<string | number> = [];
      for (let i = 0; i < 16; i++)
        outcome.push(
          await send().then(
            (r) => r.code,
            (e: Error) => e.name,
          ),
        );
      return outcome;
    };
    const first = await run();
    expect(first).toContain(201);
    expect(first).toContain('MNSServiceUnavailableError');
    expect(await run()).toEqual(first);
    expect(emu.queueDepth('fq')).toBe(first.filter((o) => o === 201).length);
  });

  it('delays before handling (delayMs)', async () => {
    await addFault({ action: 'GetQueueAttributes', delayMs: 300, count: 1 });
    const started = Date.now();
    expect((await client().getQueueAttributes('fq')).code).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const again = Date.now();
    await client().getQueueAttributes('fq');
    expect(Date.now() - again).toBeLessThan(200);
  });

  it('applies the call, then holds the answer (delayAfterMs): a short readTimeout fails although the message was sent', async () => {
    await addFault({ action: 'SendMessage', delayAfterMs: 1200, count: 2 });
    const started = Date.now();
    const err = await thrown(client({ readTimeout: 300 }).sendMessage('fq', { MessageBody: 'sent anyway' }));
    expect(err.name).toBe('RequestTimeoutError');
    expect(err.message).toMatch(/^ReadTimeout\(300\)\. POST http:\/\/127\.0\.0\.1:\d+\/queues\/fq\/messages failed\.$/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(emu.queueDepth('fq')).toBe(1);
    // A patient client gets the held answer.
    const patient = Date.now();
    const res = await client({ readTimeout: 5000 }).sendMessage('fq', { MessageBody: 'second' });
    expect(res.code).toBe(201);
    expect(Date.now() - patient).toBeGreaterThanOrEqual(1150);
    expect(emu.queueDepth('fq')).toBe(2);
  });

  it('resets the connection before applying (reset: true)', async () => {
    await addFault({ action: 'SendMessage', reset: true, count: 1 });
    const err = await thrown(send());
    expect(err.code).toBe('ECONNRESET');
    expect(emu.queueDepth('fq')).toBe(0);
    expect((await send()).code).toBe(201);
  });

  it('resets the connection after applying (reset: "after"): the send happened', async () => {
    await addFault({ action: 'SendMessage', reset: 'after', count: 1 });
    const err = await thrown(send('fq', 'applied'));
    expect(err.code).toBe('ECONNRESET');
    expect(emu.queueDepth('fq')).toBe(1);
    expect(((await client().receiveMessage('fq')).body as { MessageBody: string }).MessageBody).toBe('applied');
  });

  it('answers an HTML 502 (html502): the SDK resolves with code 502 and no body, nothing is applied', async () => {
    await addFault({ action: 'SendMessage', html502: true, count: 1 });
    expect(await send()).toEqual({ code: 502, headers: {}, body: undefined });
    expect(emu.queueDepth('fq')).toBe(0);
    // The batch wrappers read response.body[...] and throw a TypeError instead.
    await addFault({ action: 'BatchReceiveMessage', html502: true, count: 1 });
    const err = await thrown(client().batchReceiveMessage('fq', 4));
    expect(err).toBeInstanceOf(TypeError);
  });

  it('limits the rate (ratePerSecond): N calls pass, the rest get TooManyRequests 429', async () => {
    await addFault({ action: 'SendMessage', ratePerSecond: 5 });
    const c = client();
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => c.sendMessage('fq', { MessageBody: `r${i}` })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
    expect(ok).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const err of refused) {
      expect(err.name).toBe('MNSTooManyRequestsError');
      expect(err.message).toMatch(/failed with 429\. .*message: The request is denied by cluster flow limiter for too many requests\.$/);
    }
    expect(emu.queueDepth('fq')).toBe(5);
    // Other operations are not limited by this rule.
    for (let i = 0; i < 8; i++) await c.getQueueAttributes('fq');
    expect((await admin('GET', '/faults')).body.faults[0].fired).toBe(7);
  });

  it('decides once per authenticated request only (a refused request does not spend a count)', async () => {
    await addFault({ action: '*', code: 'InternalError', httpStatus: 500, count: 1 });
    const bad = new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: 'wrong', endpoint: emu.url });
    expect((await thrown(bad.sendMessage('fq', { MessageBody: 'x' }))).name).toBe('MNSSignatureDoesNotMatchError');
    expect((await thrown(send())).name).toBe('MNSInternalErrorError');
    expect((await send()).code).toBe(201);
  });

  it('shares rules with the mns-open API (by its Action), answered in its JSON envelope', async () => {
    await addFault({ action: 'GetQueueAttributes', code: 'ServiceUnavailable', httpStatus: 503, count: 1 });
    const rpc = new RPCClient({ endpoint: emu.url, apiVersion: '2022-01-19', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
    const err = (await thrown(rpc.request('GetQueueAttributes', { QueueName: 'fq' }))) as Error & {
      code?: string;
      entry?: { response: { statusCode: number } };
    };
    expect(err.code).toBe('ServiceUnavailable');
    expect(err.entry?.response.statusCode).toBe(503);
  });

  it('validates rules: 400 for a rule without an effect, bad values, unknown fields and bad JSON', async () => {
    for (const bad of [
      { action: 'SendMessage' },
      { action: 'SendMessage', delayMs: -1 },
      { action: 'SendMessage', probability: 2, code: 'X' },
      { action: 'SendMessage', colour: 'red', code: 'X' },
      { action: 'SendMessage', reset: 'sometimes' },
    ]) {
      expect((await addFault(bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const badJson = await admin('POST', '/faults', '{not json');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toBe('InvalidJson');
    expect((await admin('GET', '/faults')).body.faults).toEqual([]);
  });

  it('clears rules with DELETE /__admin/faults; the emulator handle shares the injector', async () => {
    await addFault({ action: 'SendMessage', code: 'InternalError', httpStatus: 500 });
    expect((await thrown(send())).name).toBe('MNSInternalErrorError');
    expect(await admin('DELETE', '/faults')).toEqual({ status: 200, body: { faults: [] } });
    expect((await send()).code).toBe(201);
    emu.faults.add({ action: 'SendMessage', code: 'TooManyRequests', httpStatus: 429, count: 1 });
    expect((await thrown(send())).name).toBe('MNSTooManyRequestsError');
  });
});

describe('MNS admin API', () => {
  it('GET /__admin/state shows queues, attributes, policies, counts and messages (base64 JSON bodies decoded)', async () => {
    emu.createQueue('dlq');
    emu.setDlqPolicy('fq', { enabled: true, deadLetterTargetQueue: 'dlq', maxReceiveCount: 4 });
    const c = client();
    await c.sendMessage('fq', { MessageBody: Buffer.from(JSON.stringify({ kind: 'join', id: 7 })).toString('base64') });
    await c.sendMessage('fq', { MessageBody: 'plain text', Priority: 2, DelaySeconds: 60 });
    const state = await admin('GET', '/state');
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ accountId: emu.accountId, region: emu.region });
    const fq = state.body.queues.find((q: { name: string }) => q.name === 'fq');
    expect(fq).toMatchObject({
      name: 'fq',
      attributes: {
        DelaySeconds: 0,
        MaximumMessageSize: 65536,
        MessageRetentionPeriod: 345600,
        VisibilityTimeout: 30,
        PollingWaitSeconds: 0,
        LoggingEnabled: false,
      },
      dlqPolicy: { enabled: true, deadLetterTargetQueue: 'dlq', maxReceiveCount: 4 },
      active: 1,
      inactive: 0,
      delayed: 1,
    });
    expect(fq.messages).toEqual([
      expect.objectContaining({ state: 'active', priority: 8, dequeueCount: 0, body: { kind: 'join', id: 7 } }),
      expect.objectContaining({ state: 'delayed', priority: 2, dequeueCount: 0, body: 'plain text' }),
    ]);
    expect(emu.snapshot()).toEqual(state.body);
  });

  it('POST /__admin/reset clears queues, messages and faults', async () => {
    await client().sendMessage('fq', { MessageBody: 'x' });
    await addFault({ action: 'SendMessage', code: 'InternalError', httpStatus: 500 });
    expect(await admin('POST', '/reset')).toEqual({ status: 200, body: { reset: true } });
    expect((await admin('GET', '/state')).body.queues).toEqual([]);
    expect((await admin('GET', '/faults')).body.faults).toEqual([]);
    expect((await thrown(client().sendMessage('fq', { MessageBody: 'x' }))).name).toBe('MNSQueueNotExistError');
  });

  it('POST /__admin/reset answers a pending long poll instead of leaving it hanging', async () => {
    const waiting = thrown(client({ readTimeout: 4000 }).receiveMessage('fq', 3));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await admin('POST', '/reset');
    const err = await waiting;
    expect(err.name).toMatch(/^MNS(MessageNotExist|QueueNotExist)Error$/);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('answers 404 for unknown admin routes', async () => {
    const res = await admin('GET', '/nothing');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('NotFound');
  });
});
