/**
 * MNS emulator, message operations through the real `@alicloud/mns` client: Send/BatchSend (limits, MD5, per-entry
 * errors), Receive/BatchReceive (the nine fields, counters, visibility, priority, delay), long polling, Peek/BatchPeek,
 * Delete/BatchDelete (stale, foreign and garbage handles), ChangeMessageVisibility, MaximumMessageSize, retention
 * and the dead-letter policy (https://www.alibabacloud.com/help/doc-detail/27477.htm,
 * https://www.alibabacloud.com/help/doc-detail/128343.htm, https://help.aliyun.com/en/mns/developer-reference/dead-letter-queue).
 *
 * The emulator runs on a clock `Date.now() + offset`, so visibility, delays and retention are crossed by moving
 * `offset` instead of waiting. Long-poll tests use real (short) waits.
 */
import { createHash } from 'node:crypto';
import MNSClient from '@alicloud/mns/lib/client.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { rejection } from '../helpers/rejection.js';

let emu: MnsEmulator;
let mns: MNSClient;
let offset = 0;
const clock = () => Date.now() + offset;

beforeAll(async () => {
  emu = await startMnsEmulator({ now: clock });
  mns = new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: emu.url, readTimeout: 10_000 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  offset = 0;
  emu.reset();
});

interface Received {
  MessageId: string;
  ReceiptHandle: string;
  MessageBodyMD5: string;
  MessageBody: string;
  EnqueueTime: string;
  NextVisibleTime: string;
  FirstDequeueTime: string;
  DequeueCount: string;
  Priority: string;
}

const NINE_FIELDS = [
  'MessageId',
  'ReceiptHandle',
  'MessageBodyMD5',
  'MessageBody',
  'EnqueueTime',
  'NextVisibleTime',
  'FirstDequeueTime',
  'DequeueCount',
  'Priority',
];
const PEEK_FIELDS = ['MessageId', 'MessageBodyMD5', 'MessageBody', 'EnqueueTime', 'FirstDequeueTime', 'DequeueCount', 'Priority'];

const thrown = (p: Promise<unknown>) => rejection<Error>(p);

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function expectMnsError(err: Error, code: string, method: string, path: string, status: number, message: string): void {
  expect(err.name).toBe(`MNS${code}Error`);
  expect(Object.keys(err)).toEqual(['name']);
  const re = `^${reEscape(`${method} ${emu.url}${path} failed with ${status}. requestid: `)}[0-9A-F]{24}${reEscape(`, hostid: ${emu.url}, message: ${message}`)}$`;
  expect(err.message).toMatch(new RegExp(re));
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

async function receive(queue: string): Promise<Received> {
  const res = await mns.receiveMessage(queue);
  expect(res.code).toBe(200);
  return res.body as Received;
}

const notExist = (p: Promise<unknown>) => thrown(p).then((e) => e.name);

describe('SendMessage', () => {
  it('answers 201 with MessageId and MessageBodyMD5 (upper-case hex MD5 of the body)', async () => {
    await mns.createQueue('send');
    for (const body of ['hello', b64('{"user":"李雷","dept":101}'), 'ünïcödé ✓ 中文', ' spaced  \n\tbody ']) {
      const res = await mns.sendMessage('send', { MessageBody: body });
      expect(res.code).toBe(201);
      expect(res.headers).toEqual({});
      expect(Object.keys(res.body)).toEqual(['MessageId', 'MessageBodyMD5']);
      expect(res.body.MessageBodyMD5).toBe(md5(body));
      expect(res.body.MessageBodyMD5).toMatch(/^[0-9A-F]{32}$/);
      expect(res.body.MessageId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{8}-[0-9A-F]{8}$/);
    }
    // The body comes back byte for byte (whitespace included).
    const got = (await mns.batchReceiveMessage('send', 16)).body as Received[];
    expect(got.map((m) => m.MessageBody)).toEqual(['hello', b64('{"user":"李雷","dept":101}'), 'ünïcödé ✓ 中文', ' spaced  \n\tbody ']);
    expect(new Set(got.map((m) => m.MessageId)).size).toBe(4);
  });

  it('decodes XML entities: an escaped body round-trips, its MD5 is of the decoded text', async () => {
    await mns.createQueue('entities');
    const res = await mns.sendMessage('entities', { MessageBody: 'a &lt;&amp;&gt; b &quot;q&quot;' });
    expect(res.body.MessageBodyMD5).toBe(md5('a <&> b "q"'));
    expect((await receive('entities')).MessageBody).toBe('a <&> b "q"');
  });

  it("refuses the SDK's unescaped <&> with MalformedXML 400, and nothing is stored", async () => {
    await mns.createQueue('raw');
    expectMnsError(
      await thrown(mns.sendMessage('raw', { MessageBody: 'hello <&> world' })),
      'MalformedXML',
      'POST',
      '/queues/raw/messages',
      400,
      'The XML you provided was not well-formed.',
    );
    expect(emu.queueDepth('raw')).toBe(0);
  });

  it('checks DelaySeconds (0..604800), Priority (1..16) and an empty body with InvalidArgument', async () => {
    await mns.createQueue('ranges');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ MessageBody: 'x', Priority: 0 }, 'The value of Priority should between 1 and 16.'],
      [{ MessageBody: 'x', Priority: 17 }, 'The value of Priority should between 1 and 16.'],
      [{ MessageBody: 'x', Priority: 'high' }, 'The value of Priority should between 1 and 16.'],
      [{ MessageBody: 'x', DelaySeconds: -1 }, 'The value of DelaySeconds should between 0 and 604800.'],
      [{ MessageBody: 'x', DelaySeconds: 604801 }, 'The value of DelaySeconds should between 0 and 604800.'],
      [{ MessageBody: '' }, 'The MessageBody should not be empty.'],
    ];
    for (const [params, message] of cases) {
      expectMnsError(
        await thrown(mns.sendMessage('ranges', params as { MessageBody: string })),
        'InvalidArgument',
        'POST',
        '/queues/ranges/messages',
        400,
        message,
      );
    }
    for (const ok of [{ Priority: 1 }, { Priority: 16 }, { DelaySeconds: 0 }, { DelaySeconds: 604800 }]) {
      expect((await mns.sendMessage('ranges', { MessageBody: 'x', ...ok })).code).toBe(201);
    }
    expect(emu.queueDepth('ranges')).toBe(4);
  });

  it('answers QueueNotExist 404 for an unknown queue', async () => {
    expectMnsError(
      await thrown(mns.sendMessage('ghost', { MessageBody: 'x' })),
      'QueueNotExist',
      'POST',
      '/queues/ghost/messages',
      404,
      'The queue name you provided is not exist.',
    );
  });

  it('enforces MaximumMessageSize in UTF-8 bytes (default 65536)', async () => {
    await mns.createQueue('small', { MaximumMessageSize: 1024 });
    expect((await mns.sendMessage('small', { MessageBody: 'x'.repeat(1024) })).code).toBe(201);
    expectMnsError(
      await thrown(mns.sendMessage('small', { MessageBody: 'x'.repeat(1025) })),
      'InvalidArgument',
      'POST',
      '/queues/small/messages',
      400,
      'The length of message should not be larger than MaximumMessageSize (1024).',
    );
    // 342 three-byte characters = 1026 bytes, though only 342 characters.
    expect((await thrown(mns.sendMessage('small', { MessageBody: '中'.repeat(342) }))).name).toBe('MNSInvalidArgumentError');
    expect((await mns.sendMessage('small', { MessageBody: '中'.repeat(341) })).code).toBe(201);
    await mns.createQueue('default-size');
    expect((await mns.sendMessage('default-size', { MessageBody: 'y'.repeat(65536) })).code).toBe(201);
    expect((await thrown(mns.sendMessage('default-size', { MessageBody: 'y'.repeat(65537) }))).name).toBe('MNSInvalidArgumentError');
    // Lowering the attribute applies to later sends.
    await mns.setQueueAttributes('default-size', { MaximumMessageSize: 2048 });
    expect((await thrown(mns.sendMessage('default-size', { MessageBody: 'y'.repeat(2049) }))).name).toBe('MNSInvalidArgumentError');
  });
});

describe('BatchSendMessage', () => {
  it('sends up to 16 messages; the answer is an array in input order', async () => {
    await mns.createQueue('batch');
    const bodies = Array.from({ length: 16 }, (_, i) => `message-${i}`);
    const res = await mns.batchSendMessage(
      'batch',
      bodies.map((MessageBody) => ({ MessageBody })),
    );
    expect(res.code).toBe(201);
    expect(res.body).toHaveLength(16);
    res.body.forEach((entry: Record<string, string>, i: number) => {
      expect(Object.keys(entry)).toEqual(['MessageId', 'MessageBodyMD5']);
      expect(entry.MessageBodyMD5).toBe(md5(bodies[i] as string));
    });
    // A single message still comes back as an array.
    const one = await mns.batchSendMessage('batch', [{ MessageBody: 'solo', Priority: 3 }]);
    expect(one.code).toBe(201);
    expect(one.body).toEqual([{ MessageId: expect.any(String), MessageBodyMD5: md5('solo') }]);
    expect(emu.queueDepth('batch')).toBe(17);
  });

  it('refuses 17 messages (and 0) with InvalidArgument, storing none', async () => {
    await mns.createQueue('batch-limit');
    const err = await thrown(
      mns.batchSendMessage(
        'batch-limit',
        Array.from({ length: 17 }, () => ({ MessageBody: 'x' })),
      ),
    );
    expectMnsError(err, 'InvalidArgument', 'POST', '/queues/batch-limit/messages', 400, 'The count of message should be between 1 and 16.');
    expect((await thrown(mns.batchSendMessage('batch-limit', []))).name).toBe('MNSInvalidArgumentError');
    expect(emu.queueDepth('batch-limit')).toBe(0);
  });

  it('limits the batch to 64 KB of message bodies in total', async () => {
    await mns.createQueue('batch-size');
    // Exactly 65536 bytes in 2 messages: accepted.
    expect((await mns.batchSendMessage('batch-size', [{ MessageBody: 'a'.repeat(32768) }, { MessageBody: 'b'.repeat(32768) }])).code).toBe(201);
    // 66000 bytes in 2 messages, each well under MaximumMessageSize: refused as a whole.
    const err = await thrown(mns.batchSendMessage('batch-size', [{ MessageBody: 'a'.repeat(33000) }, { MessageBody: 'b'.repeat(33000) }]));
    expectMnsError(err, 'InvalidArgument', 'POST', '/queues/batch-size/messages', 400, 'The total size of the messages should not be larger than 65536 bytes.');
    // 16 messages of 4097 bytes (65552 in total).
    expect(
      (
        await thrown(
          mns.batchSendMessage(
            'batch-size',
            Array.from({ length: 16 }, () => ({ MessageBody: 'c'.repeat(4097) })),
          ),
        )
      ).name,
    ).toBe('MNSInvalidArgumentError');
    expect(emu.queueDepth('batch-size')).toBe(2);
  });

  it('returns per-entry errors without a throw (code 500): the good entries are stored', async () => {
    await mns.createQueue('partial', { MaximumMessageSize: 1024 });
    const res = await mns.batchSendMessage('partial', [
      { MessageBody: 'ok-1' },
      { MessageBody: 'z'.repeat(1025) },
      { MessageBody: 'ok-2', Priority: 99 },
      { MessageBody: 'ok-3' },
    ]);
    expect(res.code).toBe(500);
    expect(res.body).toEqual([
      { MessageId: expect.any(String), MessageBodyMD5: md5('ok-1') },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'The length of message should not be larger than MaximumMessageSize (1024).' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'The value of Priority should between 1 and 16.' },
      { MessageId: expect.any(String), MessageBodyMD5: md5('ok-3') },
    ]);
    const stored = ((await mns.batchPeekMessage('partial', 16)).body as Received[]).map((m) => m.MessageBody);
    expect(stored).toEqual(['ok-1', 'ok-3']);
  });

  it('refuses a batch with an unescaped body as a whole (MalformedXML)', async () => {
    await mns.createQueue('batch-xml');
    expect((await thrown(mns.batchSendMessage('batch-xml', [{ MessageBody: 'fine' }, { MessageBody: 'a<b' }]))).name).toBe('MNSMalformedXMLError');
    expect(emu.queueDepth('batch-xml')).toBe(0);
  });
});

describe('ReceiveMessage and BatchReceiveMessage', () => {
  it('returns all nine fields with the documented values', async () => {
    await mns.createQueue('recv', { VisibilityTimeout: 45 });
    const sent = await mns.sendMessage('recv', { MessageBody: 'payload', Priority: 3 });
    const sentAt = clock();
    offset = 2000;
    const res = await mns.receiveMessage('recv');
    const receivedAt = clock();
    expect(res.code).toBe(200);
    expect(res.headers).toEqual({});
    const m = res.body as Received;
    expect(Object.keys(m)).toEqual(NINE_FIELDS);
    expect(m.MessageId).toBe(sent.body.MessageId);
    expect(m.MessageBodyMD5).toBe(sent.body.MessageBodyMD5);
    expect(m.MessageBody).toBe('payload');
    expect(m.Priority).toBe('3');
    expect(m.DequeueCount).toBe('1');
    expect(m.ReceiptHandle).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    // Timestamps are ms epoch strings on the emulator clock.
    expect(Number(m.EnqueueTime)).toBeLessThanOrEqual(sentAt);
    expect(Number(m.EnqueueTime)).toBeGreaterThan(sentAt - 1000);
    expect(Number(m.FirstDequeueTime)).toBeGreaterThanOrEqual(Number(m.EnqueueTime) + 2000);
    expect(Number(m.FirstDequeueTime)).toBeLessThanOrEqual(receivedAt);
    expect(Number(m.NextVisibleTime)).toBe(Number(m.FirstDequeueTime) + 45_000);
  });

  it('hides a received message until VisibilityTimeout ends; then it is received again with a new handle', async () => {
    await mns.createQueue('vis', { VisibilityTimeout: 30 });
    await mns.sendMessage('vis', { MessageBody: 'again' });
    const first = await receive('vis');
    expect(await notExist(mns.receiveMessage('vis'))).toBe('MNSMessageNotExistError');
    expect((await mns.getQueueAttributes('vis')).body).toMatchObject({ ActiveMessages: '0', InactiveMessages: '1' });
    offset = 29_000;
    expect(await notExist(mns.receiveMessage('vis'))).toBe('MNSMessageNotExistError');
    offset = 30_500;
    const second = await receive('vis');
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.DequeueCount).toBe('2');
    expect(second.FirstDequeueTime).toBe(first.FirstDequeueTime);
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
    expect(Number(second.NextVisibleTime)).toBeGreaterThan(Number(first.NextVisibleTime));
    // The first handle is stale now.
    expect((await thrown(mns.deleteMessage('vis', first.ReceiptHandle))).name).toBe('MNSReceiptHandleErrorError');
    expect((await mns.deleteMessage('vis', second.ReceiptHandle)).code).toBe(204);
  });

  it('returns higher priorities first (1 before 16), oldest first within a priority', async () => {
    await mns.createQueue('prio');
    for (const [body, p] of [
      ['p16', 16],
      ['p8-a', 8],
      ['p1', 1],
      ['p8-b', 8],
      ['default', undefined],
      ['p2', 2],
    ] as const) {
      await mns.sendMessage('prio', p === undefined ? { MessageBody: body } : { MessageBody: body, Priority: p });
    }
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push((await receive('prio')).MessageBody);
    expect(order).toEqual(['p1', 'p2', 'p8-a', 'p8-b', 'default', 'p16']);
    // Batch receives follow the same order.
    await mns.createQueue('prio-batch');
    await mns.batchSendMessage('prio-batch', [
      { MessageBody: 'low', Priority: 16 },
      { MessageBody: 'high', Priority: 1 },
      { MessageBody: 'mid', Priority: 8 },
    ]);
    const batch = (await mns.batchReceiveMessage('prio-batch', 16)).body as Received[];
    expect(batch.map((m) => [m.MessageBody, m.Priority])).toEqual([
      ['high', '1'],
      ['mid', '8'],
      ['low', '16'],
    ]);
  });

  it('delays messages (per message, or by the queue DelaySeconds) and counts them as DelayMessages', async () => {
    await mns.createQueue('delay', { DelaySeconds: 10 });
    await mns.sendMessage('delay', { MessageBody: 'queue-delay' });
    await mns.sendMessage('delay', { MessageBody: 'own-delay', DelaySeconds: 3 });
    await mns.sendMessage('delay', { MessageBody: 'no-delay', DelaySeconds: 0 });
    expect((await mns.getQueueAttributes('delay')).body).toMatchObject({ ActiveMessages: '1', DelayMessages: '2' });
    expect((await receive('delay')).MessageBody).toBe('no-delay');
    expect(await notExist(mns.receiveMessage('delay'))).toBe('MNSMessageNotExistError');
    expect(await notExist(mns.peekMessage('delay'))).toBe('MNSMessageNotExistError');
    offset = 3100;
    const own = await receive('delay');
    expect(own.MessageBody).toBe('own-delay');
    expect(Number(own.FirstDequeueTime) - Number(own.EnqueueTime)).toBeGreaterThanOrEqual(3000);
    offset = 10_100;
    expect((await receive('delay')).MessageBody).toBe('queue-delay');
  });

  it('batch-receives up to numOfMessages (1..16), each with the nine fields', async () => {
    await mns.createQueue('brecv');
    await mns.batchSendMessage(
      'brecv',
      Array.from({ length: 5 }, (_, i) => ({ MessageBody: `m${i}` })),
    );
    const three = await mns.batchReceiveMessage('brecv', 3);
    expect(three.code).toBe(200);
    expect(three.body).toHaveLength(3);
    for (const m of three.body as Received[]) {
      expect(Object.keys(m)).toEqual(NINE_FIELDS);
      expect(m.DequeueCount).toBe('1');
    }
    const rest = (await mns.batchReceiveMessage('brecv', 16)).body as Received[];
    expect(rest.map((m) => m.MessageBody)).toEqual(['m3', 'm4']);
    const handles = new Set([...(three.body as Received[]), ...rest].map((m) => m.ReceiptHandle));
    expect(handles.size).toBe(5);
    for (const n of [0, 17]) {
      const err = await thrown(mns.batchReceiveMessage('brecv', n));
      expectMnsError(err, 'InvalidArgument', 'GET', `/queues/brecv/messages?numOfMessages=${n}`, 400, 'The value of numOfMessages should between 1 and 16.');
    }
    expectMnsError(
      await thrown(mns.batchReceiveMessage('brecv', 4)),
      'MessageNotExist',
      'GET',
      '/queues/brecv/messages?numOfMessages=4',
      404,
      'Message not exist.',
    );
  });

  it('answers MessageNotExist 404 at once for an empty queue, QueueNotExist for an unknown one', async () => {
    await mns.createQueue('empty');
    const started = Date.now();
    expectMnsError(await thrown(mns.receiveMessage('empty')), 'MessageNotExist', 'GET', '/queues/empty/messages', 404, 'Message not exist.');
    expect(Date.now() - started).toBeLessThan(500);
    expectMnsError(
      await thrown(mns.receiveMessage('ghost')),
      'QueueNotExist',
      'GET',
      '/queues/ghost/messages',
      404,
      'The queue name you provided is not exist.',
    );
    expect((await thrown(mns.batchReceiveMessage('ghost', 2))).name).toBe('MNSQueueNotExistError');
  });
});

describe('long polling', () => {
  it('returns as soon as a message is sent during the wait', async () => {
    await mns.createQueue('lp');
    const started = Date.now();
    const waiting = mns.receiveMessage('lp', 5);
    await new Promise((r) => setTimeout(r, 150));
    await mns.sendMessage('lp', { MessageBody: 'wake up' });
    const res = await waiting;
    const elapsed = Date.now() - started;
    expect((res.body as Received).MessageBody).toBe('wake up');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
  });

  it('ends an empty wait with MessageNotExist after about the wait', async () => {
    await mns.createQueue('lp-empty');
    const started = Date.now();
    const err = await thrown(mns.receiveMessage('lp-empty', 1));
    const elapsed = Date.now() - started;
    expectMnsError(err, 'MessageNotExist', 'GET', '/queues/lp-empty/messages?waitseconds=1', 404, 'Message not exist.');
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(1600);
  });

  it('waits PollingWaitSeconds when the request names no wait', async () => {
    await mns.createQueue('lp-queue', { PollingWaitSeconds: 1 });
    const started = Date.now();
    expect((await thrown(mns.receiveMessage('lp-queue'))).name).toBe('MNSMessageNotExistError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('refuses waitseconds over 30 (and negative) at once with InvalidArgument', async () => {
    await mns.createQueue('lp-bad');
    const started = Date.now();
    expectMnsError(
      await thrown(mns.receiveMessage('lp-bad', 31)),
      'InvalidArgument',
      'GET',
      '/queues/lp-bad/messages?waitseconds=31',
      400,
      'The value of waitseconds should between 0 and 30.',
    );
    expect((await thrown(mns.batchReceiveMessage('lp-bad', 2, -1))).name).toBe('MNSInvalidArgumentError');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('wakes a batch long poll with a batch send, and one message wakes only one of two waiters', async () => {
    await mns.createQueue('lp-batch');
    const waiting = mns.batchReceiveMessage('lp-batch', 16, 5);
    await new Promise((r) => setTimeout(r, 100));
    await mns.batchSendMessage('lp-batch', [{ MessageBody: 'x' }, { MessageBody: 'y' }]);
    expect(((await waiting).body as Received[]).map((m) => m.MessageBody)).toEqual(['x', 'y']);

    await mns.createQueue('lp-two');
    const started = Date.now();
    const a = mns.receiveMessage('lp-two', 1).then(
      (r) => (r.body as Received).MessageBody,
      (e: Error) => e.name,
    );
    const b = mns.receiveMessage('lp-two', 1).then(
      (r) => (r.body as Received).MessageBody,
      (e: Error) => e.name,
    );
    await new Promise((r) => setTimeout(r, 100));
    await mns.sendMessage('lp-two', { MessageBody: 'only one' });
    expect((await Promise.all([a, b])).sort()).toEqual(['MNSMessageNotExistError', 'only one']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('wakes a long poll when a received message becomes visible again', async () => {
    await mns.createQueue('lp-vis', { VisibilityTimeout: 1 });
    await mns.sendMessage('lp-vis', { MessageBody: 'comes back' });
    await receive('lp-vis');
    const started = Date.now();
    const again = (await mns.receiveMessage('lp-vis', 5)).body as Received;
    expect(again.DequeueCount).toBe('2');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(500);
    expect(elapsed).toBeLessThan(2000);
  });
});

describe('PeekMessage and BatchPeekMessage', () => {
  it('shows visible messages without ReceiptHandle/NextVisibleTime and changes nothing', async () => {
    await mns.createQueue('peek');
    await mns.sendMessage('peek', { MessageBody: 'second', Priority: 9 });
    await mns.sendMessage('peek', { MessageBody: 'first', Priority: 2 });
    const before = emu.snapshot();
    const one = await mns.peekMessage('peek');
    expect(one.code).toBe(200);
    expect(Object.keys(one.body)).toEqual(PEEK_FIELDS);
    expect(one.body).toMatchObject({ MessageBody: 'first', Priority: '2', DequeueCount: '0', MessageBodyMD5: md5('first') });
    const both = (await mns.batchPeekMessage('peek', 16)).body as Received[];
    expect(both.map((m) => m.MessageBody)).toEqual(['first', 'second']);
    for (const m of both) expect(Object.keys(m)).toEqual(PEEK_FIELDS);
    await mns.peekMessage('peek');
    expect(emu.snapshot()).toEqual(before);
    // A receive after peeking is still the first one.
    expect((await receive('peek')).DequeueCount).toBe('1');
    // An invisible message is not peeked.
    expect(((await mns.batchPeekMessage('peek', 16)).body as Received[]).map((m) => m.MessageBody)).toEqual(['second']);
  });

  it('limits numOfMessages to 1..16 and answers MessageNotExist for an empty queue', async () => {
    await mns.createQueue('peek-empty');
    expectMnsError(
      await thrown(mns.peekMessage('peek-empty')),
      'MessageNotExist',
      'GET',
      '/queues/peek-empty/messages?peekonly=true',
      404,
      'Message not exist.',
    );
    expect((await thrown(mns.batchPeekMessage('peek-empty', 3))).name).toBe('MNSMessageNotExistError');
    expect((await thrown(mns.batchPeekMessage('peek-empty', 17))).name).toBe('MNSInvalidArgumentError');
    expect((await thrown(mns.peekMessage('ghost'))).name).toBe('MNSQueueNotExistError');
  });
});

describe('DeleteMessage and BatchDeleteMessage', () => {
  it('deletes a received message: 204 without a body; the message is gone', async () => {
    await mns.createQueue('del');
    await mns.sendMessage('del', { MessageBody: 'x' });
    const m = await receive('del');
    expect(await mns.deleteMessage('del', m.ReceiptHandle)).toEqual({ code: 204, headers: {}, body: undefined });
    expect(emu.queueDepth('del')).toBe(0);
    offset = 60_000;
    expect(await notExist(mns.receiveMessage('del'))).toBe('MNSMessageNotExistError');
    // The same handle again.
    expectMnsError(
      await thrown(mns.deleteMessage('del', m.ReceiptHandle)),
      'ReceiptHandleError',
      'DELETE',
      `/queues/del/messages?ReceiptHandle=${m.ReceiptHandle}`,
      400,
      'The receipt handle you provide is not valid.',
    );
  });

  it('refuses stale, foreign and garbage handles with ReceiptHandleError 400', async () => {
    await mns.createQueue('mine', { VisibilityTimeout: 10 });
    await mns.createQueue('theirs');
    await mns.sendMessage('mine', { MessageBody: 'm' });
    await mns.sendMessage('theirs', { MessageBody: 't' });
    const stale = await receive('mine');
    const foreign = await receive('theirs');
    offset = 10_001;
    // Stale: the visibility timeout passed (even before anyone received it again).
    expect((await thrown(mns.deleteMessage('mine', stale.ReceiptHandle))).name).toBe('MNSReceiptHandleErrorError');
    // Foreign: a valid handle of another queue.
    expect((await thrown(mns.deleteMessage('mine', foreign.ReceiptHandle))).name).toBe('MNSReceiptHandleErrorError');
    expect((await mns.deleteMessage('theirs', foreign.ReceiptHandle)).code).toBe(204);
    for (const garbage of ['x', 'not-a-handle-at-all', 'AAAAAAAAAAAAAAAAAAAA', '1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==']) {
      const err = await thrown(mns.deleteMessage('mine', garbage));
      expectMnsError(
        err,
        'ReceiptHandleError',
        'DELETE',
        `/queues/mine/messages?ReceiptHandle=${garbage}`,
        400,
        'The receipt handle you provide is not valid.',
      );
    }
    expect((await thrown(mns.deleteMessage('ghost', stale.ReceiptHandle))).name).toBe('MNSQueueNotExistError');
    // The stale message is still there and can be received again.
    expect((await receive('mine')).DequeueCount).toBe('2');
  });

  it('batch-deletes: 204 when every handle is good', async () => {
    await mns.createQueue('bdel');
    await mns.batchSendMessage('bdel', [{ MessageBody: 'a' }, { MessageBody: 'b' }, { MessageBody: 'c' }]);
    const got = (await mns.batchReceiveMessage('bdel', 3)).body as Received[];
    expect(
      await mns.batchDeleteMessage(
        'bdel',
        got.map((m) => m.ReceiptHandle),
      ),
    ).toEqual({ code: 204, headers: {}, body: undefined });
    expect(emu.queueDepth('bdel')).toBe(0);
  });

  it('resolves a partial batch delete with code 404 and per-entry errors; the good handles are deleted', async () => {
    await mns.createQueue('bdel-partial', { VisibilityTimeout: 5 });
    await mns.batchSendMessage('bdel-partial', [{ MessageBody: 'a' }, { MessageBody: 'b' }]);
    const [a, b] = (await mns.batchReceiveMessage('bdel-partial', 2)).body as Received[];
    const res = await mns.batchDeleteMessage('bdel-partial', [a!.ReceiptHandle, 'garbage-handle', b!.ReceiptHandle, a!.ReceiptHandle]);
    expect(res.code).toBe(404);
    expect(res.headers).toEqual({});
    expect(res.body).toEqual([
      { ErrorCode: 'ReceiptHandleError', ErrorMessage: 'The receipt handle you provide is not valid.', ReceiptHandle: 'garbage-handle' },
      { ErrorCode: 'ReceiptHandleError', ErrorMessage: 'The receipt handle you provide is not valid.', ReceiptHandle: a!.ReceiptHandle },
    ]);
    expect(emu.queueDepth('bdel-partial')).toBe(0);
    // All bad: still a resolved 404 with one entry per handle.
    const allBad = await mns.batchDeleteMessage('bdel-partial', ['x1', 'x2']);
    expect(allBad.code).toBe(404);
    expect(allBad.body.map((e: { ReceiptHandle: string }) => e.ReceiptHandle)).toEqual(['x1', 'x2']);
  });

  it('refuses more than 16 handles as a whole', async () => {
    await mns.createQueue('bdel-many');
    const err = await thrown(
      mns.batchDeleteMessage(
        'bdel-many',
        Array.from({ length: 17 }, (_, i) => `h${i}`),
      ),
    );
    expectMnsError(err, 'InvalidArgument', 'DELETE', '/queues/bdel-many/messages', 400, 'The count of receipt handles should be between 1 and 16.');
  });
});

describe('ChangeMessageVisibility', () => {
  it('returns a new handle and NextVisibleTime; the old handle is invalid; the new one deletes', async () => {
    await mns.createQueue('cmv', { VisibilityTimeout: 10 });
    await mns.sendMessage('cmv', { MessageBody: 'x' });
    const m = await receive('cmv');
    const before = clock();
    const res = await mns.changeMessageVisibility('cmv', m.ReceiptHandle, 100);
    expect(res.code).toBe(200);
    expect(res.headers).toEqual({});
    expect(Object.keys(res.body)).toEqual(['ReceiptHandle', 'NextVisibleTime']);
    expect(res.body.ReceiptHandle).not.toBe(m.ReceiptHandle);
    expect(Number(res.body.NextVisibleTime)).toBeGreaterThanOrEqual(before + 100_000);
    expect(Number(res.body.NextVisibleTime)).toBeLessThanOrEqual(clock() + 100_000);
    expectMnsError(
      await thrown(mns.changeMessageVisibility('cmv', m.ReceiptHandle, 5)),
      'ReceiptHandleError',
      'PUT',
      `/queues/cmv/messages?receiptHandle=${m.ReceiptHandle}&visibilityTimeout=5`,
      400,
      'The receipt handle you provide is not valid.',
    );
    expect((await thrown(mns.deleteMessage('cmv', m.ReceiptHandle))).name).toBe('MNSReceiptHandleErrorError');
    // Still invisible after the queue's VisibilityTimeout: the new one counts.
    offset = 50_000;
    expect(await notExist(mns.receiveMessage('cmv'))).toBe('MNSMessageNotExistError');
    expect((await mns.deleteMessage('cmv', res.body.ReceiptHandle)).code).toBe(204);
  });

  it('can shorten the visibility: the message comes back at the new time', async () => {
    await mns.createQueue('cmv-short', { VisibilityTimeout: 600 });
    await mns.sendMessage('cmv-short', { MessageBody: 'soon' });
    const m = await receive('cmv-short');
    await mns.changeMessageVisibility('cmv-short', m.ReceiptHandle, 2);
    offset = 2100;
    expect((await receive('cmv-short')).DequeueCount).toBe('2');
  });

  it('checks visibilityTimeout (1..43200) and refuses stale handles', async () => {
    await mns.createQueue('cmv-bad', { VisibilityTimeout: 5 });
    await mns.sendMessage('cmv-bad', { MessageBody: 'x' });
    const m = await receive('cmv-bad');
    for (const s of [0, 43201]) {
      expectMnsError(
        await thrown(mns.changeMessageVisibility('cmv-bad', m.ReceiptHandle, s)),
        'InvalidArgument',
        'PUT',
        `/queues/cmv-bad/messages?receiptHandle=${m.ReceiptHandle}&visibilityTimeout=${s}`,
        400,
        'The value of visibilityTimeout should between 1 and 43200.',
      );
    }
    expect((await mns.changeMessageVisibility('cmv-bad', m.ReceiptHandle, 43200)).code).toBe(200);
    expect((await thrown(mns.changeMessageVisibility('cmv-bad', 'garbage-handle', 10))).name).toBe('MNSReceiptHandleErrorError');
    expect((await thrown(mns.changeMessageVisibility('ghost', m.ReceiptHandle, 10))).name).toBe('MNSQueueNotExistError');
  });
});

describe('MessageRetentionPeriod', () => {
  it('drops messages older than the retention period, whatever their state', async () => {
    await mns.createQueue('ret', { MessageRetentionPeriod: 60, VisibilityTimeout: 30 });
    await mns.sendMessage('ret', { MessageBody: 'active' });
    await mns.sendMessage('ret', { MessageBody: 'inactive' });
    await mns.sendMessage('ret', { MessageBody: 'delayed', DelaySeconds: 120 });
    const inactive = await receive('ret');
    offset = 30_000;
    await mns.sendMessage('ret', { MessageBody: 'young' });
    offset = 60_000;
    expect((await mns.getQueueAttributes('ret')).body).toMatchObject({ ActiveMessages: '1', InactiveMessages: '0', DelayMessages: '0' });
    expect(emu.queueDepth('ret')).toBe(1);
    expect(((await mns.batchPeekMessage('ret', 16)).body as Received[]).map((m) => m.MessageBody)).toEqual(['young']);
    expect((await thrown(mns.deleteMessage('ret', inactive.ReceiptHandle))).name).toBe('MNSReceiptHandleErrorError');
    expect(((await mns.batchReceiveMessage('ret', 16)).body as Received[]).map((m) => m.MessageBody)).toEqual(['young']);
    offset = 90_000;
    expect(await notExist(mns.receiveMessage('ret'))).toBe('MNSMessageNotExistError');
    expect(emu.queueDepth('ret')).toBe(0);
  });
});

describe('moving the queue clock far', () => {
  it('expires the default 4-day retention; requests still authenticate (Date and Timestamp use the wall clock)', async () => {
    await mns.createQueue('days');
    await mns.sendMessage('days', { MessageBody: 'old' });
    offset = 345_600_000 - 1000;
    expect((await mns.peekMessage('days')).body.MessageBody).toBe('old');
    offset = 345_600_000;
    expect(await notExist(mns.peekMessage('days'))).toBe('MNSMessageNotExistError');
    expect((await mns.getQueueAttributes('days')).body.ActiveMessages).toBe('0');
    const rpc = new RPCClient({ endpoint: emu.url, apiVersion: '2022-01-19', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
    expect((await rpc.request<{ Data: { ActiveMessages: number } }>('GetQueueAttributes', { QueueName: 'days' })).Data.ActiveMessages).toBe(0);
  });
});

describe('dead-letter policy', () => {
  interface WithProps extends Received {
    SystemProperties?: Array<{ SystemPropertyValue: Array<{ Name: string; Value: string; Type: string }> }>;
  }

  async function exhaust(queue: string, times: number): Promise<Received> {
    let last: Received | undefined;
    for (let i = 1; i <= times; i++) {
      last = await receive(queue);
      expect(last.DequeueCount).toBe(String(i));
      offset += 1100; // past VisibilityTimeout 1
    }
    return last as Received;
  }

  it('moves a message to the target after MaxReceiveCount receives, with the DLQ system properties (admin route)', async () => {
    await mns.createQueue('jobs', { VisibilityTimeout: 1 });
    await mns.createQueue('jobs-dlq');
    const res = await fetch(`${emu.url}/__admin/dlq-policy`, {
      method: 'POST',
      body: JSON.stringify({ queue: 'jobs', deadLetterTargetQueue: 'jobs-dlq', maxReceiveCount: 3 }),
    });
    expect(res.status).toBe(200);
    const sent = await mns.sendMessage('jobs', { MessageBody: b64('{"n":1}') });
    await exhaust('jobs', 3);
    // The fourth receive finds nothing: the message moved.
    expect(await notExist(mns.receiveMessage('jobs'))).toBe('MNSMessageNotExistError');
    expect(emu.queueDepth('jobs')).toBe(0);
    const dead = (await mns.receiveMessage('jobs-dlq')).body as WithProps;
    // Whether the service keeps the MessageId is not documented (DLQOriginMessageId suggests it may not): the
    // original id is asserted through DLQOriginMessageId only.
    expect(dead.MessageId).toMatch(/^[0-9A-F-]{8,}$/);
    expect(dead.MessageBody).toBe(b64('{"n":1}'));
    expect(dead.MessageBodyMD5).toBe(sent.body.MessageBodyMD5);
    const props = Object.fromEntries((dead.SystemProperties?.[0]?.SystemPropertyValue ?? []).map((p) => [p.Name, [p.Value, p.Type]]));
    expect(props).toEqual({
      DLQMessageType: ['DLQ', 'STRING'],
      DLQSourceArn: [`acs:mns:${emu.region}:${emu.accountId}:/queues/jobs`, 'STRING'],
      DLQOriginMessageId: [sent.body.MessageId, 'STRING'],
    });
    // The admin state shows them too, with the body decoded.
    const state = emu.snapshot().queues.find((q) => q.name === 'jobs-dlq');
    expect(state?.messages[0]).toMatchObject({
      id: dead.MessageId,
      body: { n: 1 },
      systemProperties: { DLQMessageType: 'DLQ', DLQOriginMessageId: sent.body.MessageId },
    });
    // Ordinary messages carry no SystemProperties element.
    await mns.sendMessage('jobs', { MessageBody: 'plain' });
    expect('SystemProperties' in ((await mns.receiveMessage('jobs')).body as object)).toBe(false);
  });

  it('does the same with the policy set through mns-open (pop-core)', async () => {
    await mns.createQueue('tasks', { VisibilityTimeout: 1 });
    await mns.createQueue('tasks-dlq');
    const rpc = new RPCClient({ endpoint: emu.url, apiVersion: '2022-01-19', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
    await rpc.request(
      'SetQueueAttributes',
      { QueueName: 'tasks', DlqPolicy: JSON.stringify({ Enabled: true, DeadLetterTargetQueue: 'tasks-dlq', MaxReceiveCount: 1 }) },
      { method: 'POST' },
    );
    const got = await rpc.request<{ Data: { DlqPolicy: unknown } }>('GetQueueAttributes', { QueueName: 'tasks' });
    expect(got.Data.DlqPolicy).toEqual({ Enabled: true, DeadLetterTargetQueue: 'tasks-dlq', MaxReceiveCount: 1 });
    await mns.sendMessage('tasks', { MessageBody: 'once' });
    await exhaust('tasks', 1);
    expect(await notExist(mns.receiveMessage('tasks'))).toBe('MNSMessageNotExistError');
    const dead = (await mns.receiveMessage('tasks-dlq')).body as WithProps;
    expect(dead.MessageBody).toBe('once');
    expect(dead.SystemProperties?.[0]?.SystemPropertyValue.map((p) => p.Name)).toEqual(['DLQMessageType', 'DLQSourceArn', 'DLQOriginMessageId']);
  });

  it('keeps the message when the policy is disabled, and wakes a long poll on the target when it moves', async () => {
    await mns.createQueue('keep', { VisibilityTimeout: 1 });
    await mns.createQueue('keep-dlq');
    emu.setDlqPolicy('keep', { enabled: true, deadLetterTargetQueue: 'keep-dlq', maxReceiveCount: 1 });
    emu.setDlqPolicy('keep', undefined);
    await mns.sendMessage('keep', { MessageBody: 'stays' });
    await exhaust('keep', 3);
    expect(emu.queueDepth('keep-dlq')).toBe(0);

    emu.setDlqPolicy('keep', { enabled: true, deadLetterTargetQueue: 'keep-dlq', maxReceiveCount: 1 });
    const started = Date.now();
    const waiting = mns.receiveMessage('keep-dlq', 5);
    await new Promise((r) => setTimeout(r, 100));
    expect(await notExist(mns.receiveMessage('keep'))).toBe('MNSMessageNotExistError');
    const dead = (await waiting).body as Received;
    expect(dead.MessageBody).toBe('stays');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
