/**
 * deploy/setup.ts against the MNS emulator, through the real SDKs (`@alicloud/mns` for the queues, `@alicloud/pop-core`
 * for the mns-open dead-letter policy): first run creates, second run changes nothing, drifted attributes and
 * policies are put back, a dry run touches nothing, and mns-open trouble is a warning, not a failure.
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { DEFAULT_QUEUE_NAMES } from '../../shared/config.js';
import {
  MAX_RECEIVE_COUNT,
  QUEUE_ATTRIBUTES,
  main,
  parseCli,
  queueSpecs,
  setupQueues,
  type RpcApi,
  type SetupOptions,
  type SetupReport,
} from '../../deploy/setup.js';

let emu: MnsEmulator;
let mns: MNSClient;
let mnsOpen: RPCClient;
const specs = queueSpecs({ ...DEFAULT_QUEUE_NAMES });
const ALL = Object.values(DEFAULT_QUEUE_NAMES);
const WORKERS = [DEFAULT_QUEUE_NAMES.join, DEFAULT_QUEUE_NAMES.transfer, DEFAULT_QUEUE_NAMES.enrich, DEFAULT_QUEUE_NAMES.leave];

beforeAll(async () => {
  emu = await startMnsEmulator();
  mns = new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: emu.url });
  mnsOpen = new RPCClient({ endpoint: emu.url, apiVersion: '2022-01-19', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
});
afterAll(async () => emu?.close());
beforeEach(() => emu.reset());

async function run(extra: Partial<SetupOptions> = {}): Promise<{ report: SetupReport; lines: string[] }> {
  const lines: string[] = [];
  const report = await setupQueues({ mns, mnsOpen, queues: specs, print: (l) => lines.push(l), ...extra });
  return { report, lines };
}

const actions = (r: SetupReport) => Object.fromEntries(r.queues.map((q) => [q.queue, q.action]));
const dlqActions = (r: SetupReport) => Object.fromEntries(r.dlq.map((q) => [q.queue, q.action]));
const policyOf = (name: string) => emu.snapshot().queues.find((q) => q.name === name)?.dlqPolicy ?? null;

async function attributesOf(name: string): Promise<Record<string, number>> {
  const body = (await mns.getQueueAttributes(name)).body as Record<string, string>;
  return Object.fromEntries(['VisibilityTimeout', 'MessageRetentionPeriod', 'MaximumMessageSize', 'DelaySeconds'].map((k) => [k, Number(body[k])]));
}

describe('npm run setup (deploy/setup.ts)', () => {
  it('first run creates the five queues with their attributes and the worker queues’ dead-letter policy', async () => {
    const { report, lines } = await run();
    expect(report.ok).toBe(true);
    expect(actions(report)).toEqual(Object.fromEntries(ALL.map((n) => [n, 'created'])));
    // The dead-letter queue first: the policies name it.
    expect(report.queues[0]?.queue).toBe(DEFAULT_QUEUE_NAMES.deadLetter);
    expect(await attributesOf(DEFAULT_QUEUE_NAMES.join)).toEqual(QUEUE_ATTRIBUTES.join);
    expect(await attributesOf(DEFAULT_QUEUE_NAMES.enrich)).toEqual(QUEUE_ATTRIBUTES.enrich);
    expect(await attributesOf(DEFAULT_QUEUE_NAMES.deadLetter)).toEqual(QUEUE_ATTRIBUTES.deadLetter);
    // Dead letters are kept longest.
    for (const role of ['join', 'transfer', 'enrich', 'leave'] as const) {
      expect(QUEUE_ATTRIBUTES.deadLetter.MessageRetentionPeriod).toBeGreaterThan(QUEUE_ATTRIBUTES[role].MessageRetentionPeriod);
    }
    expect(dlqActions(report)).toEqual(Object.fromEntries(WORKERS.map((n) => [n, 'dlq-set'])));
    // Visible in the emulator's state and through mns-open GetQueueAttributes.
    for (const q of WORKERS) {
      expect(policyOf(q)).toEqual({ enabled: true, deadLetterTargetQueue: DEFAULT_QUEUE_NAMES.deadLetter, maxReceiveCount: MAX_RECEIVE_COUNT });
      const got = await mnsOpen.request<{ Data: { DlqPolicy: unknown } }>('GetQueueAttributes', { QueueName: q }, { method: 'POST' });
      expect(got.Data.DlqPolicy).toEqual({ Enabled: true, DeadLetterTargetQueue: DEFAULT_QUEUE_NAMES.deadLetter, MaxReceiveCount: MAX_RECEIVE_COUNT });
    }
    expect(policyOf(DEFAULT_QUEUE_NAMES.deadLetter)).toBeNull();
    expect(lines.join('\n')).toMatch(/hr-join\s+created \(VisibilityTimeout=600 MessageRetentionPeriod=345600 MaximumMessageSize=65536 DelaySeconds=0\)/);
    expect(lines.join('\n')).toMatch(/hr-join\s+dead-letter policy set: → hr-dead-letter after 10 receives \(was: off\)/);
  });

  it('second run reports everything unchanged and changes nothing', async () => {
    await run();
    const before = JSON.stringify(emu.snapshot().queues.map((q) => [q.name, q.attributes, q.dlqPolicy]));
    const { report, lines } = await run();
    expect(report.ok).toBe(true);
    expect(actions(report)).toEqual(Object.fromEntries(ALL.map((n) => [n, 'unchanged'])));
    expect(dlqActions(report)).toEqual(Object.fromEntries(WORKERS.map((n) => [n, 'dlq-unchanged'])));
    expect(JSON.stringify(emu.snapshot().queues.map((q) => [q.name, q.attributes, q.dlqPolicy]))).toBe(before);
    expect(lines.filter((l) => / unchanged$/.test(l))).toHaveLength(ALL.length + WORKERS.length);
  });

  it('puts a drifted attribute back and names it; leaves attributes it does not manage alone', async () => {
    await run();
    await mns.setQueueAttributes(DEFAULT_QUEUE_NAMES.join, { VisibilityTimeout: 30, MessageRetentionPeriod: 86_400 });
    await mns.setQueueAttributes(DEFAULT_QUEUE_NAMES.transfer, { LoggingEnabled: 'True' });
    const { report, lines } = await run();
    expect(report.ok).toBe(true);
    const join = report.queues.find((q) => q.queue === DEFAULT_QUEUE_NAMES.join);
    expect(join).toEqual({
      queue: DEFAULT_QUEUE_NAMES.join,
      action: 'updated',
      changes: [
        { attribute: 'VisibilityTimeout', from: 30, to: 600 },
        { attribute: 'MessageRetentionPeriod', from: 86_400, to: 345_600 },
      ],
    });
    expect(lines.join('\n')).toMatch(/hr-join\s+updated: VisibilityTimeout 30 → 600, MessageRetentionPeriod 86400 → 345600/);
    expect(await attributesOf(DEFAULT_QUEUE_NAMES.join)).toEqual(QUEUE_ATTRIBUTES.join);
    // CreateQueue answers 409 for the transfer queue (LoggingEnabled differs), but nothing managed differs.
    expect(actions(report)[DEFAULT_QUEUE_NAMES.transfer]).toBe('unchanged');
    expect(emu.snapshot().queues.find((q) => q.name === DEFAULT_QUEUE_NAMES.transfer)?.attributes.LoggingEnabled).toBe(true);
  });

  it('puts a changed or removed dead-letter policy back', async () => {
    await run();
    await mnsOpen.request(
      'SetQueueAttributes',
      {
        QueueName: DEFAULT_QUEUE_NAMES.join,
        DlqPolicy: JSON.stringify({ Enabled: true, DeadLetterTargetQueue: DEFAULT_QUEUE_NAMES.deadLetter, MaxReceiveCount: 3 }),
      },
      { method: 'POST' },
    );
    await mnsOpen.request('SetQueueAttributes', { QueueName: DEFAULT_QUEUE_NAMES.enrich, DlqPolicy: JSON.stringify({ Enabled: false }) }, { method: 'POST' });
    const { report, lines } = await run();
    expect(dlqActions(report)).toEqual({
      [DEFAULT_QUEUE_NAMES.join]: 'dlq-set',
      [DEFAULT_QUEUE_NAMES.transfer]: 'dlq-unchanged',
      [DEFAULT_QUEUE_NAMES.enrich]: 'dlq-set',
      [DEFAULT_QUEUE_NAMES.leave]: 'dlq-unchanged',
    });
    expect(lines.join('\n')).toMatch(/hr-join\s+dead-letter policy set: → hr-dead-letter after 10 receives \(was: → hr-dead-letter after 3 receives\)/);
    expect(policyOf(DEFAULT_QUEUE_NAMES.join)?.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    expect(policyOf(DEFAULT_QUEUE_NAMES.enrich)?.enabled).toBe(true);
  });

  it('a dry run reports what it would do and changes nothing', async () => {
    const empty = await run({ dryRun: true });
    expect(empty.report.ok).toBe(true);
    expect(actions(empty.report)).toEqual(Object.fromEntries(ALL.map((n) => [n, 'would-create'])));
    expect(dlqActions(empty.report)).toEqual(Object.fromEntries(WORKERS.map((n) => [n, 'dlq-would-set'])));
    expect(emu.snapshot().queues).toEqual([]);
    expect(empty.lines.every((l) => l.startsWith('[dry run] '))).toBe(true);

    await run();
    await mns.setQueueAttributes(DEFAULT_QUEUE_NAMES.deadLetter, { MessageRetentionPeriod: 3_600 });
    const drifted = await run({ dryRun: true });
    expect(drifted.report.queues.find((q) => q.queue === DEFAULT_QUEUE_NAMES.deadLetter)).toEqual({
      queue: DEFAULT_QUEUE_NAMES.deadLetter,
      action: 'would-update',
      changes: [{ attribute: 'MessageRetentionPeriod', from: 3_600, to: 604_800 }],
    });
    expect((await attributesOf(DEFAULT_QUEUE_NAMES.deadLetter)).MessageRetentionPeriod).toBe(3_600);
  });

  it('mns-open failing (not offered in the account, unreachable) is a warning: the queues are still provisioned', async () => {
    const refusing: RpcApi = {
      request: async () => {
        throw Object.assign(new Error('The API is not supported in this region.'), { code: 'Forbidden.NotSupported' });
      },
    };
    const { report, lines } = await run({ mnsOpen: refusing });
    expect(report.ok).toBe(true);
    expect(actions(report)).toEqual(Object.fromEntries(ALL.map((n) => [n, 'created'])));
    expect(dlqActions(report)).toEqual(Object.fromEntries(WORKERS.map((n) => [n, 'dlq-warning'])));
    expect(lines.join('\n')).toMatch(
      /hr-join\s+WARNING dead-letter policy not set \(mns-open Forbidden\.NotSupported: The API is not supported in this region\.\)/,
    );
    expect(lines.at(-1)).toMatch(/^WARNING: .*set it in the SMQ console .*hr-dead-letter, max receive count 10/);

    const unreachable = new RPCClient({ endpoint: 'http://127.0.0.1:1', apiVersion: '2022-01-19', accessKeyId: 'x', accessKeySecret: 'y' });
    const again = await run({ mnsOpen: unreachable });
    expect(again.report.ok).toBe(true);
    expect(again.report.dlq.every((d) => d.action === 'dlq-warning')).toBe(true);
  });

  it('a queue that cannot be provisioned fails the run (and its policy is skipped), the others still go through', async () => {
    const { report } = await run({ queues: queueSpecs({ ...DEFAULT_QUEUE_NAMES, join: 'bad_name' }) });
    expect(report.ok).toBe(false);
    const bad = report.queues.find((q) => q.queue === 'bad_name');
    expect(bad?.action).toBe('failed');
    expect(actions(report)[DEFAULT_QUEUE_NAMES.transfer]).toBe('created');
    expect(report.dlq.find((d) => d.queue === 'bad_name')?.action).toBe('dlq-warning');

    const wrongKey = new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: 'wrong', endpoint: emu.url });
    const denied = await run({ mns: wrongKey });
    expect(denied.report.ok).toBe(false);
    expect(denied.report.queues.every((q) => q.action === 'failed')).toBe(true);
  });
});

describe('setup command line', () => {
  const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sk' };

  it('runs end to end with the real clients built from its options (exit 0, then unchanged; 2 on bad input)', async () => {
    const creds = { ALIBABA_CLOUD_ACCESS_KEY_ID: emu.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: emu.accessKeySecret };
    const args = ['--region', 'cn-shanghai', '--account-id', emu.accountId, '--endpoint', emu.url, '--mns-open-endpoint', emu.url];
    const lines: string[] = [];
    expect(await main(args, creds, (l) => lines.push(l))).toBe(0);
    expect(lines.filter((l) => / created \(/.test(l))).toHaveLength(5);
    lines.length = 0;
    expect(await main(args, creds, (l) => lines.push(l))).toBe(0);
    expect(lines.filter((l) => / unchanged$/.test(l))).toHaveLength(9);
    expect(await main(['--region', 'cn-shanghai'], creds, () => {})).toBe(2);
  });

  it('derives the public endpoints from region and account, and queue names from the environment', () => {
    const o = parseCli(['--region', 'cn-hangzhou', '--account-id', '1234567890123456'], { ...env, JOIN_QUEUE: 'acme-join' });
    expect(o.endpoint).toBe('https://1234567890123456.mns.cn-hangzhou.aliyuncs.com');
    expect(o.mnsOpenEndpoint).toBe('https://mns-open.cn-hangzhou.aliyuncs.com');
    expect(o.names).toEqual({ ...DEFAULT_QUEUE_NAMES, join: 'acme-join' });
    expect(o.dryRun).toBe(false);
    expect(o.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    const p = parseCli(
      [
        '--region',
        'cn-shanghai',
        '--dry-run',
        '--endpoint',
        'http://127.0.0.1:9100',
        '--mns-open-endpoint',
        'http://127.0.0.1:9100',
        '--max-receive-count',
        '12',
      ],
      {
        ...env,
        ALIBABA_CLOUD_ACCOUNT_ID: '42',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'sts',
      },
    );
    expect(p).toMatchObject({
      accountId: '42',
      endpoint: 'http://127.0.0.1:9100',
      dryRun: true,
      maxReceiveCount: 12,
      credentials: { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'sts' },
    });
    expect(queueSpecs(p.names, p.maxReceiveCount).find((s) => s.role === 'join')?.dlq?.MaxReceiveCount).toBe(12);
  });

  it('refuses missing or malformed input with a message naming it', () => {
    expect(() => parseCli(['--account-id', '1'], env)).toThrow(/--region is required/);
    expect(() => parseCli(['--region', 'cn-shanghai'], env)).toThrow(/--account-id .* is required/);
    expect(() => parseCli(['--region', 'cn-shanghai', '--account-id', '1'], {})).toThrow(/ALIBABA_CLOUD_ACCESS_KEY_ID/);
    expect(() => parseCli(['--region', 'cn-shanghai', '--account-id', '1', '--endpoint', 'https://x/'], env)).toThrow(/--endpoint must be/);
    expect(() => parseCli(['--region', 'cn-shanghai', '--account-id', '1'], { ...env, DEAD_LETTER_QUEUE: 'hr-join' })).toThrow(/must all differ/);
    expect(() => parseCli(['--region', 'cn-shanghai', '--bogus'], env)).toThrow();
    expect(() => queueSpecs(DEFAULT_QUEUE_NAMES, 0)).toThrow(/MaxReceiveCount/);
  });
});
