/**
 * MNS emulator, queue operations through the real `@alicloud/mns` client: CreateQueue (201 / 204 identical / 409
 * different, names, attribute ranges), Get/SetQueueAttributes, DeleteQueue, ListQueue (prefix, marker, ret-number),
 * and the dead-letter policy through the mns-open 2022-01-19 RPC API (pop-core) and `POST /__admin/dlq-policy`.
 * Results and errors are asserted exactly as the SDK surfaces them (https://github.com/aliyun/mns-nodejs-sdk,
 * https://www.alibabacloud.com/help/en/doc-detail/35129.htm).
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { rejection } from '../helpers/rejection.js';

let emu: MnsEmulator;
let mns: MNSClient;
let offset = 0;

beforeAll(async () => {
  emu = await startMnsEmulator({ now: () => Date.now() + offset });
  mns = new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: emu.url });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  offset = 0;
  emu.reset();
});

const thrown = (p: Promise<unknown>) => rejection<Error>(p);

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The SDK's error: only `name` = MNS<Code>Error, and a message with method, URL, status, request id, host, text. */
function expectMnsError(err: Error, code: string, method: string, path: string, status: number, message: string): void {
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe(`MNS${code}Error`);
  expect(Object.keys(err)).toEqual(['name']);
  const re = `^${reEscape(`${method} ${emu.url}${path} failed with ${status}. requestid: `)}[0-9A-F]{24}${reEscape(`, hostid: ${emu.url}, message: ${message}`)}$`;
  expect(err.message).toMatch(new RegExp(re));
}

const ATTRIBUTE_DEFAULTS = {
  DelaySeconds: '0',
  MaximumMessageSize: '65536',
  MessageRetentionPeriod: '345600',
  VisibilityTimeout: '30',
  PollingWaitSeconds: '0',
  LoggingEnabled: 'False',
};

describe('CreateQueue', () => {
  it('creates a queue: 201 with the Location header, no body', async () => {
    const res = await mns.createQueue('orders');
    expect(res).toEqual({ code: 201, headers: { location: `${emu.url}/queues/orders` }, body: undefined });
    expect(emu.snapshot().queues.map((q) => q.name)).toEqual(['orders']);
  });

  it('answers 204 when the queue exists with identical attributes (explicit defaults count as identical)', async () => {
    expect((await mns.createQueue('same', { VisibilityTimeout: 45 })).code).toBe(201);
    expect(await mns.createQueue('same', { VisibilityTimeout: 45 })).toEqual({ code: 204, headers: { location: `${emu.url}/queues/same` }, body: undefined });
    expect((await mns.createQueue('defaults')).code).toBe(201);
    expect((await mns.createQueue('defaults', { DelaySeconds: 0, MaximumMessageSize: 65536, VisibilityTimeout: 30, LoggingEnabled: 'False' })).code).toBe(204);
  });

  it('refuses different attributes for an existing queue with QueueAlreadyExist 409 and leaves it unchanged', async () => {
    await mns.createQueue('taken', { VisibilityTimeout: 45 });
    const err = await thrown(mns.createQueue('taken', { VisibilityTimeout: 46 }));
    expectMnsError(err, 'QueueAlreadyExist', 'PUT', '/queues/taken', 409, 'The queue you want to create already exists.');
    // Omitted attributes mean defaults: a bare create differs from VisibilityTimeout 45 too.
    expectMnsError(await thrown(mns.createQueue('taken')), 'QueueAlreadyExist', 'PUT', '/queues/taken', 409, 'The queue you want to create already exists.');
    expect((await mns.getQueueAttributes('taken')).body.VisibilityTimeout).toBe('45');
  });

  it('checks queue names: letters, digits and hyphens, starting with a letter or digit, at most 120 characters', async () => {
    for (const good of ['a', '9lives', 'Mixed-Case-1', 'x'.repeat(120), 'ends-with-']) {
      expect((await mns.createQueue(good)).code).toBe(201);
    }
    for (const bad of ['-lead', 'under_score', 'dot.ted', 'x'.repeat(121), 'sp%20ace']) {
      const err = await thrown(mns.createQueue(bad));
      expect(err.name).toBe('MNSInvalidQueueNameError');
      expect(err.message).toMatch(/failed with 400\. .*message: The queue name you provided is invalid\.$/);
    }
    // The SDK puts non-ASCII names on the wire unencoded: Node's HTTP parser refuses the request line with a bare
    // 400 before the emulator sees it, and the SDK resolves (no XML, no throw).
    expect(await mns.createQueue('ünï')).toEqual({ code: 400, headers: {}, body: undefined });
    expect(emu.snapshot().queues).toHaveLength(5);
  });

  it('accepts every attribute at both ends of its range', async () => {
    const low = { DelaySeconds: 0, MaximumMessageSize: 1024, MessageRetentionPeriod: 60, VisibilityTimeout: 1, PollingWaitSeconds: 0, LoggingEnabled: 'False' };
    const high = {
      DelaySeconds: 604800,
      MaximumMessageSize: 65536,
      MessageRetentionPeriod: 604800,
      VisibilityTimeout: 43200,
      PollingWaitSeconds: 30,
      LoggingEnabled: 'True',
    };
    expect((await mns.createQueue('low', low)).code).toBe(201);
    expect((await mns.createQueue('high', high)).code).toBe(201);
    const lowAttrs = (await mns.getQueueAttributes('low')).body;
    const highAttrs = (await mns.getQueueAttributes('high')).body;
    for (const [k, v] of Object.entries(low)) expect(lowAttrs[k]).toBe(String(v));
    for (const [k, v] of Object.entries(high)) expect(highAttrs[k]).toBe(String(v));
  });

  it('refuses every attribute just outside its range with InvalidArgument 400, and creates nothing', async () => {
    const cases: Array<[string, number | string, string]> = [
      ['DelaySeconds', -1, 'The value of DelaySeconds should between 0 and 604800.'],
      ['DelaySeconds', 604801, 'The value of DelaySeconds should between 0 and 604800.'],
      ['MaximumMessageSize', 1023, 'The value of MaximumMessageSize should between 1024 and 65536.'],
      ['MaximumMessageSize', 65537, 'The value of MaximumMessageSize should between 1024 and 65536.'],
      ['MessageRetentionPeriod', 59, 'The value of MessageRetentionPeriod should between 60 and 604800.'],
      ['MessageRetentionPeriod', 604801, 'The value of MessageRetentionPeriod should between 60 and 604800.'],
      ['VisibilityTimeout', 0, 'The value of VisibilityTimeout should between 1 and 43200.'],
      ['VisibilityTimeout', 43201, 'The value of VisibilityTimeout should between 1 and 43200.'],
      ['PollingWaitSeconds', -1, 'The value of PollingWaitSeconds should between 0 and 30.'],
      ['PollingWaitSeconds', 31, 'The value of PollingWaitSeconds should between 0 and 30.'],
      ['VisibilityTimeout', 1.5, 'The value of VisibilityTimeout should between 1 and 43200.'],
      ['VisibilityTimeout', 'ten', 'The value of VisibilityTimeout should between 1 and 43200.'],
      ['LoggingEnabled', 'yes', 'The value of LoggingEnabled should be True or False.'],
    ];
    for (const [attr, value, message] of cases) {
      const err = await thrown(mns.createQueue('ranged', { [attr]: value }));
      expectMnsError(err, 'InvalidArgument', 'PUT', '/queues/ranged', 400, message);
    }
    expect(emu.snapshot().queues).toEqual([]);
  });

  it('stops at 1,000 queues per account', async () => {
    for (let i = 0; i < 1000; i++) emu.createQueue(`bulk-${i}`);
    const err = await thrown(mns.createQueue('one-too-many'));
    expectMnsError(err, 'InvalidArgument', 'PUT', '/queues/one-too-many', 400, 'The number of queues reaches the limit (1000).');
    // An identical re-create of an existing queue is still a 204.
    expect((await mns.createQueue('bulk-7')).code).toBe(204);
  });
});

describe('GetQueueAttributes and SetQueueAttributes', () => {
  it('returns every documented field as strings, with message counts by state', async () => {
    offset = 0;
    const before = Math.floor(Date.now() / 1000);
    await mns.createQueue('attrs');
    await mns.sendMessage('attrs', { MessageBody: 'active' });
    await mns.sendMessage('attrs', { MessageBody: 'active-2' });
    await mns.sendMessage('attrs', { MessageBody: 'delayed', DelaySeconds: 60 });
    await mns.receiveMessage('attrs');
    const res = await mns.getQueueAttributes('attrs');
    expect(res.code).toBe(200);
    expect(res.headers).toEqual({});
    expect(Object.keys(res.body)).toEqual([
      'QueueName',
      'CreateTime',
      'LastModifyTime',
      'DelaySeconds',
      'MaximumMessageSize',
      'MessageRetentionPeriod',
      'VisibilityTimeout',
      'PollingWaitSeconds',
      'ActiveMessages',
      'InactiveMessages',
      'DelayMessages',
      'LoggingEnabled',
    ]);
    expect(res.body).toMatchObject({ QueueName: 'attrs', ...ATTRIBUTE_DEFAULTS, ActiveMessages: '1', InactiveMessages: '1', DelayMessages: '1' });
    // CreateTime/LastModifyTime are epoch seconds.
    expect(Number(res.body.CreateTime)).toBeGreaterThanOrEqual(before);
    expect(Number(res.body.CreateTime)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(res.body.LastModifyTime).toBe(res.body.CreateTime);
  });

  it('answers QueueNotExist 404 for an unknown queue', async () => {
    expectMnsError(await thrown(mns.getQueueAttributes('nope')), 'QueueNotExist', 'GET', '/queues/nope', 404, 'The queue name you provided is not exist.');
  });

  it('sets attributes: 204, only the given ones change, LastModifyTime moves', async () => {
    await mns.createQueue('settable', { DelaySeconds: 5 });
    offset = 5000;
    const res = await mns.setQueueAttributes('settable', { VisibilityTimeout: 120, LoggingEnabled: 'True' });
    expect(res).toEqual({ code: 204, headers: {}, body: undefined });
    const attrs = (await mns.getQueueAttributes('settable')).body;
    expect(attrs).toMatchObject({ ...ATTRIBUTE_DEFAULTS, DelaySeconds: '5', VisibilityTimeout: '120', LoggingEnabled: 'True' });
    expect(Number(attrs.LastModifyTime) - Number(attrs.CreateTime)).toBeGreaterThanOrEqual(4);
    // With no attributes at all: still 204, nothing changes.
    expect((await mns.setQueueAttributes('settable')).code).toBe(204);
    expect((await mns.getQueueAttributes('settable')).body.VisibilityTimeout).toBe('120');
    // A create with the current attributes is now the identical case.
    expect((await mns.createQueue('settable', { DelaySeconds: 5, VisibilityTimeout: 120, LoggingEnabled: 'True' })).code).toBe(204);
  });

  it('refuses out-of-range values without changing anything, and unknown queues', async () => {
    await mns.createQueue('strict');
    const err = await thrown(mns.setQueueAttributes('strict', { VisibilityTimeout: 60, MaximumMessageSize: 100 }));
    expectMnsError(err, 'InvalidArgument', 'PUT', '/queues/strict?metaoverride=true', 400, 'The value of MaximumMessageSize should between 1024 and 65536.');
    expect((await mns.getQueueAttributes('strict')).body.VisibilityTimeout).toBe('30');
    expectMnsError(
      await thrown(mns.setQueueAttributes('ghost', { VisibilityTimeout: 60 })),
      'QueueNotExist',
      'PUT',
      '/queues/ghost?metaoverride=true',
      404,
      'The queue name you provided is not exist.',
    );
  });

  it('applies a new VisibilityTimeout to later receives', async () => {
    await mns.createQueue('vt');
    await mns.setQueueAttributes('vt', { VisibilityTimeout: 7 });
    await mns.sendMessage('vt', { MessageBody: 'm' });
    const m = (await mns.receiveMessage('vt')).body;
    expect(Number(m.NextVisibleTime) - Number(m.FirstDequeueTime)).toBe(7000);
  });
});

describe('DeleteQueue', () => {
  it('deletes a queue with its messages: 204, then QueueNotExist', async () => {
    await mns.createQueue('doomed');
    await mns.sendMessage('doomed', { MessageBody: 'bye' });
    expect(await mns.deleteQueue('doomed')).toEqual({ code: 204, headers: {}, body: undefined });
    expect((await thrown(mns.getQueueAttributes('doomed'))).name).toBe('MNSQueueNotExistError');
    expectMnsError(
      await thrown(mns.sendMessage('doomed', { MessageBody: 'x' })),
      'QueueNotExist',
      'POST',
      '/queues/doomed/messages',
      404,
      'The queue name you provided is not exist.',
    );
    // Re-created, it starts empty.
    await mns.createQueue('doomed');
    expect((await thrown(mns.receiveMessage('doomed'))).name).toBe('MNSMessageNotExistError');
  });

  it('answers 204 for a queue that does not exist (emulator: idempotent delete)', async () => {
    expect((await mns.deleteQueue('never-was')).code).toBe(204);
  });
});

describe('ListQueue', () => {
  const names = ['alpha-1', 'alpha-2', 'alpha-3', 'beta-1', 'gamma'];
  const urls = (list: string[]) => list.map((n) => ({ QueueURL: `${emu.url}/queues/${n}` }));

  beforeEach(async () => {
    for (const n of [...names].reverse()) await mns.createQueue(n);
  });

  it('lists every queue sorted by name', async () => {
    expect(await mns.listQueue()).toEqual({ code: 200, headers: {}, body: urls(names) });
  });

  it('filters by prefix (x-mns-prefix)', async () => {
    expect((await mns.listQueue('', 1000, 'alpha')).body).toEqual(urls(['alpha-1', 'alpha-2', 'alpha-3']));
    expect((await mns.listQueue('', 1000, 'gamma')).body).toEqual(urls(['gamma']));
    // Nothing matches: the SDK leaves body undefined (no <Queue> element).
    expect(await mns.listQueue('', 1000, 'zeta')).toEqual({ code: 200, headers: {}, body: undefined });
  });

  it('pages with x-mns-ret-number and x-mns-marker (the last name of the previous page)', async () => {
    const first = await mns.listQueue('', 2, '');
    expect(first.body).toEqual(urls(['alpha-1', 'alpha-2']));
    const second = await mns.listQueue('alpha-2', 2, '');
    expect(second.body).toEqual(urls(['alpha-3', 'beta-1']));
    const last = await mns.listQueue('beta-1', 2, '');
    expect(last.body).toEqual(urls(['gamma']));
    // Marker and prefix together.
    expect((await mns.listQueue('alpha-1', 10, 'alpha')).body).toEqual(urls(['alpha-2', 'alpha-3']));
  });

  it('keeps the SDK quirk: a limit without a prefix sends an undefined header and throws client-side', async () => {
    const err = (await thrown(mns.listQueue(undefined, 10))) as Error & { code?: string };
    expect(err.code).toBe('ERR_HTTP_INVALID_HEADER_VALUE');
  });
});

describe('mns-open 2022-01-19 (pop-core) and the dead-letter policy', () => {
  const rpc = () => new RPCClient({ endpoint: emu.url, apiVersion: '2022-01-19', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
  const policy = (target: string, max: number) => JSON.stringify({ Enabled: true, DeadLetterTargetQueue: target, MaxReceiveCount: max });

  interface PopThrown {
    name: string;
    code?: string;
    data?: { Code: string; Message: string; HostId: string; RequestId: string };
    entry?: { response: { statusCode: number } };
  }

  it('sets a DlqPolicy with SetQueueAttributes and shows it in GetQueueAttributes', async () => {
    await mns.createQueue('work', { VisibilityTimeout: 10 });
    await mns.createQueue('work-dlq');
    const set = await rpc().request<Record<string, any>>('SetQueueAttributes', { QueueName: 'work', DlqPolicy: policy('work-dlq', 3) }, { method: 'POST' });
    expect({ ...set }).toMatchObject({ Status: 'Success', Success: true, Data: { QueueName: 'work' } });
    expect(set.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const got = await rpc().request<Record<string, any>>('GetQueueAttributes', { QueueName: 'work' }, { method: 'POST' });
    // The fields of the SDK's GetQueueAttributesResponseBodyData model (mns-open-20220119).
    expect({ ...got.Data }).toEqual({
      QueueName: 'work',
      CreateTime: expect.any(Number),
      LastModifyTime: expect.any(Number),
      ActiveMessages: 0,
      InactiveMessages: 0,
      DelayMessages: 0,
      Tags: [],
      DelaySeconds: 0,
      MaximumMessageSize: 65536,
      MessageRetentionPeriod: 345600,
      VisibilityTimeout: 10,
      PollingWaitSeconds: 0,
      LoggingEnabled: false,
      DlqPolicy: { Enabled: true, DeadLetterTargetQueue: 'work-dlq', MaxReceiveCount: 3 },
    });
    expect(emu.snapshot().queues.find((q) => q.name === 'work')?.dlqPolicy).toEqual({ enabled: true, deadLetterTargetQueue: 'work-dlq', maxReceiveCount: 3 });
    // GET works as well as POST.
    const viaGet = await rpc().request<Record<string, any>>('GetQueueAttributes', { QueueName: 'work-dlq' });
    expect(viaGet.Data.DlqPolicy).toEqual({ Enabled: false });
  });

  it('disables the policy with Enabled false', async () => {
    await mns.createQueue('w2');
    await mns.createQueue('w2-dlq');
    await rpc().request('SetQueueAttributes', { QueueName: 'w2', DlqPolicy: policy('w2-dlq', 2) }, { method: 'POST' });
    await rpc().request('SetQueueAttributes', { QueueName: 'w2', DlqPolicy: JSON.stringify({ Enabled: false }) }, { method: 'POST' });
    const got = await rpc().request<Record<string, any>>('GetQueueAttributes', { QueueName: 'w2' });
    expect(got.Data.DlqPolicy).toEqual({ Enabled: false });
  });

  it('creates a queue with attributes and a policy (CreateQueue), updates and deletes it', async () => {
    await mns.createQueue('made-dlq');
    await rpc().request(
      'CreateQueue',
      { QueueName: 'made', VisibilityTimeout: 20, PollingWaitSeconds: 1, EnableLogging: true, DlqPolicy: policy('made-dlq', 5) },
      { method: 'POST' },
    );
    const attrs = (await mns.getQueueAttributes('made')).body;
    expect(attrs).toMatchObject({ VisibilityTimeout: '20', PollingWaitSeconds: '1', LoggingEnabled: 'True' });
    // SetQueueAttributes also takes the plain attributes.
    await rpc().request('SetQueueAttributes', { QueueName: 'made', VisibilityTimeout: 40 }, { method: 'POST' });
    expect((await mns.getQueueAttributes('made')).body.VisibilityTimeout).toBe('40');
    await rpc().request('DeleteQueue', { QueueName: 'made' }, { method: 'POST' });
    expect((await thrown(mns.getQueueAttributes('made'))).name).toBe('MNSQueueNotExistError');
  });

  it('answers errors in the POP JSON envelope', async () => {
    await mns.createQueue('src');
    const cases: Array<[Record<string, unknown>, string, string, number, string?]> = [
      [{ QueueName: 'src', DlqPolicy: policy('missing', 3) }, 'SetQueueAttributes', 'QueueNotExist', 404, 'The queue name you provided is not exist.'],
      [{ QueueName: 'src', DlqPolicy: policy('src', 3) }, 'SetQueueAttributes', 'InvalidArgument', 400, 'A queue cannot be its own dead-letter queue.'],
      [
        { QueueName: 'src', DlqPolicy: '{"Enabled":true,"DeadLetterTargetQueue":"src-d"' },
        'SetQueueAttributes',
        'InvalidParameter',
        400,
        'DlqPolicy is not valid JSON.',
      ],
      [{ QueueName: 'nope' }, 'GetQueueAttributes', 'QueueNotExist', 404],
      [{}, 'GetQueueAttributes', 'MissingParameter', 400, 'The input parameter "QueueName" that is mandatory for processing this request is not supplied.'],
      [{ QueueName: 'src', VisibilityTimeout: 0 }, 'SetQueueAttributes', 'InvalidArgument', 400, 'The value of VisibilityTimeout should between 1 and 43200.'],
      [{ QueueName: 'bad_name' }, 'CreateQueue', 'InvalidQueueName', 400],
      [{ TopicName: 'src' }, 'CreateTopic', 'InvalidAction.NotFound', 404], // an mns-open action the emulator does not serve
    ];
    await mns.createQueue('src-d');
    for (const max of [0, 1001, 2.5])
      cases.push([
        { QueueName: 'src', DlqPolicy: policy('src-d', max) },
        'SetQueueAttributes',
        'InvalidArgument',
        400,
        'MaxReceiveCount should be between 1 and 1000.',
      ]);
    for (const [params, action, code, status, message] of cases) {
      const err = (await thrown(rpc().request(action, params, { method: 'POST' }))) as Error & PopThrown;
      expect(err.code, `${action} ${JSON.stringify(params)}`).toBe(code);
      expect(err.name).toBe(`${code}Error`);
      expect(err.entry?.response.statusCode).toBe(status);
      expect(err.data?.HostId).toBe('mns-open.cn-shanghai.aliyuncs.com');
      if (message) expect(err.data?.Message).toBe(message);
    }
    expect(emu.snapshot().queues.find((q) => q.name === 'src')?.dlqPolicy).toBeNull();
  });

  it('refuses a DlqPolicy that is JSON but not an object with InvalidParameter (not an internal error)', async () => {
    await mns.createQueue('odd');
    for (const raw of ['null', '3', '"text"', '[]', 'true']) {
      const err = (await thrown(rpc().request('SetQueueAttributes', { QueueName: 'odd', DlqPolicy: raw }, { method: 'POST' }))) as Error & PopThrown;
      expect(err.code, raw).toBe('InvalidParameter');
      expect(err.entry?.response.statusCode).toBe(400);
    }
  });

  it('checks the version and the signature like the POP gateway', async () => {
    await mns.createQueue('v');
    const old = new RPCClient({ endpoint: emu.url, apiVersion: '2015-06-06', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
    expect(((await thrown(old.request('GetQueueAttributes', { QueueName: 'v' }))) as Error & PopThrown).code).toBe('InvalidVersion');
    const wrong = new RPCClient({ endpoint: emu.url, apiVersion: '2022-01-19', accessKeyId: emu.accessKeyId, accessKeySecret: 'nope' });
    expect(((await thrown(wrong.request('GetQueueAttributes', { QueueName: 'v' }))) as Error & PopThrown).code).toBe('SignatureDoesNotMatch');
  });

  it('sets the same policy through POST /__admin/dlq-policy, and refuses bad input with 400', async () => {
    await mns.createQueue('adm');
    await mns.createQueue('adm-dlq');
    const post = async (body: unknown) => {
      const res = await fetch(`${emu.url}/__admin/dlq-policy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const ok = await post({ queue: 'adm', deadLetterTargetQueue: 'adm-dlq', maxReceiveCount: 2 });
    expect(ok).toEqual({ status: 200, body: { queue: 'adm', dlqPolicy: { enabled: true, deadLetterTargetQueue: 'adm-dlq', maxReceiveCount: 2 } } });
    const got = await rpc().request<Record<string, any>>('GetQueueAttributes', { QueueName: 'adm' });
    expect(got.Data.DlqPolicy).toEqual({ Enabled: true, DeadLetterTargetQueue: 'adm-dlq', MaxReceiveCount: 2 });
    for (const bad of [
      {},
      { queue: 'ghost', deadLetterTargetQueue: 'adm-dlq', maxReceiveCount: 2 },
      { queue: 'adm', deadLetterTargetQueue: 'ghost', maxReceiveCount: 2 },
      { queue: 'adm', deadLetterTargetQueue: 'adm', maxReceiveCount: 2 },
      { queue: 'adm', deadLetterTargetQueue: 'adm-dlq', maxReceiveCount: 0 },
    ]) {
      const res = await post(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error).toBe('InvalidInput');
    }
    expect((await post({ queue: 'adm', enabled: false })).body).toEqual({ queue: 'adm', dlqPolicy: null });
  });
});
