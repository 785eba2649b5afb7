/**
 * MNS emulator handle and extras: programmatic helpers (queues, messages, dead-letter policy, snapshot with decoded
 * bodies), several AccessKeys, the admin queue routes, mns-open ListQueue, long polls ended by queue deletion and by
 * close(), and options from the environment.
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MNS_DEFAULT_PORT, mnsOptionsFromEnv, startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { rejection } from '../helpers/rejection.js';

let emu: MnsEmulator;
let mns: MNSClient;
const internalErrors: unknown[] = [];

beforeAll(async () => {
  emu = await startMnsEmulator({
    accountId: '5555666677778888',
    region: 'cn-hangzhou',
    credentials: [
      { accessKeyId: 'ak-one', accessKeySecret: 'sk-one' },
      { accessKeyId: 'ak-two', accessKeySecret: 'sk-two' },
    ],
    onInternalError: (e) => internalErrors.push(e),
  });
  mns = new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: emu.url });
});
afterAll(async () => {
  expect(internalErrors).toEqual([]);
  await emu.close();
});
beforeEach(() => emu.reset());

const thrown = (p: Promise<unknown>) => rejection<Error>(p);

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('the emulator handle', () => {
  it('describes itself and accepts every configured key', async () => {
    expect(emu).toMatchObject({ accountId: '5555666677778888', region: 'cn-hangzhou', accessKeyId: 'ak-one', accessKeySecret: 'sk-one', host: '127.0.0.1' });
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
    expect(emu.credentials).toHaveLength(2);
    const second = new MNSClient(emu.accountId, { accessKeyId: 'ak-two', accessKeySecret: 'sk-two', endpoint: emu.url });
    expect((await second.createQueue('by-two')).code).toBe(201);
    const wrong = new MNSClient(emu.accountId, { accessKeyId: 'ak-two', accessKeySecret: 'sk-one', endpoint: emu.url });
    expect((await thrown(wrong.listQueue())).name).toBe('MNSSignatureDoesNotMatchError');
  });

  it('creates queues, sends messages and reads a snapshot with base64 JSON bodies decoded', async () => {
    expect(emu.createQueue('helper', { VisibilityTimeout: 60 })).toBe('created');
    expect(emu.createQueue('helper', { VisibilityTimeout: 60 })).toBe('unchanged');
    const sent = emu.sendMessage('helper', b64('{"event":"join","id":7}'), { priority: 2 });
    emu.sendMessage('helper', 'plain text', { delaySeconds: 60 });
    expect(sent).toEqual({ messageId: expect.stringMatching(/^[0-9A-F]{8}-[0-9A-F]{8}-[0-9A-F]{8}$/), md5: expect.stringMatching(/^[0-9A-F]{32}$/) });
    expect(emu.queueDepth('helper')).toBe(2);
    expect(emu.queueDepth('no-such-queue')).toBe(0);
    const received = (await mns.receiveMessage('helper')).body as Record<string, string>;
    expect(received.MessageId).toBe(sent.messageId);
    expect(received.Priority).toBe('2');
    const snap = emu.snapshot();
    expect(snap).toMatchObject({ accountId: '5555666677778888', region: 'cn-hangzhou' });
    const q = snap.queues[0];
    expect(q).toMatchObject({ name: 'helper', active: 0, inactive: 1, delayed: 1, dlqPolicy: null, attributes: { VisibilityTimeout: 60 } });
    expect(q?.messages.map((m) => [m.state, m.body, m.rawBody])).toEqual([
      ['inactive', { event: 'join', id: 7 }, b64('{"event":"join","id":7}')],
      ['delayed', 'plain text', undefined],
    ]);
    // GET /__admin/state answers the same document.
    expect(await (await fetch(`${emu.url}/__admin/state`)).json()).toEqual(JSON.parse(JSON.stringify(emu.snapshot())));
  });

  it('sets and removes dead-letter policies', async () => {
    emu.createQueue('src', { VisibilityTimeout: 1 });
    emu.createQueue('dead');
    emu.setDlqPolicy('src', { enabled: true, deadLetterTargetQueue: 'dead', maxReceiveCount: 5 });
    expect(emu.snapshot().queues.find((q) => q.name === 'src')?.dlqPolicy).toEqual({ enabled: true, deadLetterTargetQueue: 'dead', maxReceiveCount: 5 });
    expect(() => emu.setDlqPolicy('src', { enabled: true, deadLetterTargetQueue: 'src', maxReceiveCount: 5 })).toThrow(/own dead-letter queue/);
    emu.setDlqPolicy('src', undefined);
    expect(emu.snapshot().queues.find((q) => q.name === 'src')?.dlqPolicy).toBeNull();
  });

  it('ends long polls at once when their queue is deleted (through the API or the handle)', async () => {
    for (const how of ['api', 'handle'] as const) {
      emu.createQueue('polled');
      const started = Date.now();
      const waiting = thrown(mns.receiveMessage('polled', 10));
      await new Promise((r) => setTimeout(r, 100));
      if (how === 'api') await mns.deleteQueue('polled');
      else expect(emu.deleteQueue('polled')).toBe(true);
      expect((await waiting).name).toBe('MNSQueueNotExistError');
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(emu.deleteQueue('polled')).toBe(false);
  });

  it('close() answers pending long polls and frees the port', async () => {
    const other = await startMnsEmulator();
    other.createQueue('w');
    const client = new MNSClient(other.accountId, { accessKeyId: other.accessKeyId, accessKeySecret: other.accessKeySecret, endpoint: other.url });
    const started = Date.now();
    const waiting = client.receiveMessage('w', 20).then(
      () => 'resolved',
      (err: Error) => err.name,
    );
    await new Promise((r) => setTimeout(r, 100));
    await other.close();
    // Answered (MessageNotExist) or cut off by the closing server: either way, not held for 20 s.
    expect(await waiting).toMatch(/^MNSMessageNotExistError$|Error$/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('admin queue routes', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/__admin${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('creates a queue (POST /__admin/queues) and deletes it (DELETE /__admin/queues)', async () => {
    const created = await admin('POST', '/queues', { name: 'curl-made', attributes: { VisibilityTimeout: 90, LoggingEnabled: true } });
    expect(created).toEqual({
      status: 200,
      body: { name: 'curl-made', result: 'created', attributes: expect.objectContaining({ VisibilityTimeout: 90, LoggingEnabled: true }) },
    });
    expect((await admin('POST', '/queues', { name: 'curl-made', attributes: { VisibilityTimeout: 90, LoggingEnabled: true } })).body.result).toBe('unchanged');
    expect((await mns.getQueueAttributes('curl-made')).body.VisibilityTimeout).toBe('90');
    expect(await admin('DELETE', '/queues', { name: 'curl-made' })).toEqual({ status: 200, body: { name: 'curl-made', deleted: true } });
    expect(await admin('DELETE', '/queues', { name: 'curl-made' })).toEqual({ status: 200, body: { name: 'curl-made', deleted: false } });
  });

  it('refuses bad input with 400 InvalidInput', async () => {
    for (const bad of [
      undefined,
      [],
      { name: 3 },
      { name: 'bad_name' },
      { name: 'ok', attributes: { VisibilityTimeout: 0 } },
      { name: 'ok', attributes: 'x' },
    ]) {
      const r = await admin('POST', '/queues', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error).toMatch(/^Invalid/);
    }
    emu.createQueue('ok', { VisibilityTimeout: 30 });
    const clash = await admin('POST', '/queues', { name: 'ok', attributes: { VisibilityTimeout: 31 } });
    expect(clash).toEqual({ status: 400, body: { error: 'InvalidInput', message: expect.stringMatching(/^QueueAlreadyExist: /) } });
    expect((await admin('GET', '/nothing-here')).status).toBe(404);
  });
});

describe('mns-open ListQueue', () => {
  it('pages queues with their attributes and policies (PageNum, PageSize 10–50, QueueName filter)', async () => {
    for (let i = 0; i < 12; i++) emu.createQueue(`page-${String(i).padStart(2, '0')}`);
    emu.createQueue('zz-dlq');
    emu.setDlqPolicy('page-00', { enabled: true, deadLetterTargetQueue: 'zz-dlq', maxReceiveCount: 4 });
    const rpc = new RPCClient({ endpoint: emu.url, apiVersion: '2022-01-19', accessKeyId: 'ak-two', accessKeySecret: 'sk-two' });
    const first = await rpc.request<Record<string, any>>('ListQueue', { PageNum: 1, PageSize: 10, QueueName: 'page-' });
    expect({ ...first }).toMatchObject({ Code: 200, Status: 'Success', Success: true });
    expect(first.Data).toMatchObject({ PageNum: 1, PageSize: 10, Pages: 2, Size: 10, Total: 12 });
    expect(first.Data.PageData[0]).toMatchObject({
      QueueName: 'page-00',
      VisibilityTimeout: 30,
      DlqPolicy: { Enabled: true, DeadLetterTargetQueue: 'zz-dlq', MaxReceiveCount: 4 },
    });
    const second = await rpc.request<Record<string, any>>('ListQueue', { PageNum: 2, PageSize: 10, QueueName: 'page-' });
    expect(second.Data.PageData.map((q: { QueueName: string }) => q.QueueName)).toEqual(['page-10', 'page-11']);
    // PageSize is clamped to 10..50, as the API documents.
    const clamped = await rpc.request<Record<string, any>>('ListQueue', { PageSize: 500 });
    expect(clamped.Data).toMatchObject({ PageNum: 1, PageSize: 50, Total: 13, Size: 13 });
  });
});

describe('options from the environment', () => {
  it('defaults to 127.0.0.1:9100 with the built-in account and key', () => {
    expect(mnsOptionsFromEnv({})).toEqual({
      host: '127.0.0.1',
      port: MNS_DEFAULT_PORT,
      accountId: undefined,
      region: undefined,
      credentials: undefined,
      seed: undefined,
    });
    expect(MNS_DEFAULT_PORT).toBe(9100);
  });

  it('reads every variable', () => {
    expect(
      mnsOptionsFromEnv({
        MNS_EMULATOR_HOST: '0.0.0.0',
        MNS_EMULATOR_PORT: '9911',
        EMULATOR_ACCOUNT_ID: '42',
        EMULATOR_REGION: 'cn-beijing',
        EMULATOR_ACCESS_KEY_ID: 'ak',
        EMULATOR_ACCESS_KEY_SECRET: 'sk',
        EMULATOR_SEED: '7',
      }),
    ).toEqual({ host: '0.0.0.0', port: 9911, accountId: '42', region: 'cn-beijing', credentials: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }], seed: 7 });
  });

  it('refuses malformed values', () => {
    expect(() => mnsOptionsFromEnv({ MNS_EMULATOR_PORT: 'http' })).toThrow(/MNS_EMULATOR_PORT/);
    expect(() => mnsOptionsFromEnv({ MNS_EMULATOR_PORT: '70000' })).toThrow(/MNS_EMULATOR_PORT/);
    expect(() => mnsOptionsFromEnv({ EMULATOR_ACCESS_KEY_ID: 'ak' })).toThrow(/both or neither/);
    expect(() => mnsOptionsFromEnv({ EMULATOR_SEED: 'x' })).toThrow(/EMULATOR_SEED/);
  });

  it('starts from them', async () => {
    const env = await startMnsEmulator({
      ...mnsOptionsFromEnv({ MNS_EMULATOR_PORT: '0', EMULATOR_ACCESS_KEY_ID: 'env-ak', EMULATOR_ACCESS_KEY_SECRET: 'env-sk' }),
    });
    try {
      const client = new MNSClient(env.accountId, { accessKeyId: 'env-ak', accessKeySecret: 'env-sk', endpoint: env.url });
      expect((await client.createQueue('from-env')).code).toBe(201);
    } finally {
      await env.close();
    }
  });
});
