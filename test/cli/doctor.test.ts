/**
 * `doctor` against the local stack with one misconfiguration planted at a time (the ten below, plus a full SAG
 * instance and an unreachable HR API): it names the failing check, gives the fix, passes the rest, and exits 1.
 * The clean stack, `--deployed` included, exits 0. `--deployed` reads the stack's Function Compute emulator (each
 * function with the variables the stack gave it) through the official `@alicloud/fc20230330` client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { startSagEmulator, type SagEmulator } from '../../emulators/sag/index.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, startStack, type Stack } from '../../local/stack.js';
import { FUNCTIONS } from '../../shared/index.js';
import { stackLedger } from '../helpers/stack.js';
import { cli, localEnv } from './run-cli.js';

let stack: Stack;
let env: NodeJS.ProcessEnv;
/** Emulators that know other keys than the local ones: the local keys are bad credentials there (one service at a time). */
let otherSag: SagEmulator;
let otherMns: MnsEmulator;
const OTHER_KEYS = [{ accessKeyId: 'LTAIother', accessKeySecret: 'other-secret' }];

beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  otherSag = await startSagEmulator({ credentials: OTHER_KEYS, instances: stack.sag.listInstances().map((i) => ({ ...i })) });
  otherMns = await startMnsEmulator({ credentials: OTHER_KEYS });
  env = localEnv(stack);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), otherSag?.close(), otherMns?.close()]);
});

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function doctor(extraEnv: NodeJS.ProcessEnv, flags = ['--local']): Promise<{ failed: Check[]; checks: Check[] }> {
  const r = await cli(['doctor', '--json', ...flags], { ...env, ...extraEnv });
  const doc = r.json<{ ok: boolean; checks: Check[] }>();
  expect(r.code).toBe(1);
  expect(doc.ok).toBe(false);
  const failed = doc.checks.filter((c) => !c.ok);
  for (const c of failed) expect(c.fix, c.name).toBeTruthy();
  return { failed, checks: doc.checks };
}

/** The cloud target (no --local) pointed at emulators: credentials, region and account from the chain. */
const cloudFlags = (mns = stack.mns.url, sag = stack.sag.url) => [
  '--region',
  'cn-shanghai',
  '--account-id',
  LOCAL_ACCOUNT_ID,
  '--mns-endpoint',
  mns,
  '--sag-endpoint',
  sag,
];
const cloudEnv = (extra: NodeJS.ProcessEnv = {}) => ({
  ALIBABA_CLOUD_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: LOCAL_CREDENTIALS.accessKeySecret,
  SITES_JSON: stack.env.SITES_JSON,
  ...extra,
});

it('a clean stack: every check passes, --deployed included → exit 0', async () => {
  const r = await cli(['doctor', '--local', '--deployed', '--json'], env);
  const doc = r.json<{ ok: boolean; checks: Check[] }>();
  expect(doc.checks.filter((c) => !c.ok)).toEqual([]);
  expect(r.code).toBe(0);
  expect(doc.checks.map((c) => c.name)).toEqual(
    expect.arrayContaining([
      'ledger:hr_sag_ledger',
      'sag-instance:sh-hq',
      'hr:dingtalk',
      'hr:wecom',
      'deployed:hr-sag-sync-webhook',
      'deployed:hr-sag-sync-leave-worker',
    ]),
  );
  expect(doc.checks.find((c) => c.name === 'sag-instance:sh-hq')?.detail).toMatch(/^sag-shhq0000000001 in cn-shanghai: \d+ of 2000 client accounts used$/);
});

describe('ten planted misconfigurations, one at a time', () => {
  it('1. a missing queue: the configuration names a queue that setup has not made', async () => {
    const { failed } = await doctor({ ENRICH_QUEUE: 'hr-enrich-eu' });
    expect(failed.map((c) => c.name)).toEqual(['queue:hr-enrich-eu', 'dlq-policy:hr-enrich-eu']);
    expect(failed[0]).toMatchObject({ detail: 'missing', fix: 'hr-sag-sync setup' });
  });

  it('2. a wrong dead-letter policy (maxReceiveCount, then the dead-letter target), and setup repairs it', async () => {
    await stack.mnsClient.setQueueAttributes('hr-join', { VisibilityTimeout: 30 });
    stack.mns.setDlqPolicy('hr-transfer', { enabled: true, deadLetterTargetQueue: 'hr-dead-letter', maxReceiveCount: 3 });
    const { failed } = await doctor({});
    expect(failed.map((c) => c.name)).toEqual(['queue:hr-join', 'dlq-policy:hr-transfer']);
    expect(failed[0]?.detail).toBe('attributes differ: VisibilityTimeout 30, want 600');
    expect(failed[1]?.detail).toBe('is → hr-dead-letter after 3 receives; setup makes it → hr-dead-letter after 10 receives');
    expect(failed.every((c) => c.fix === 'hr-sag-sync setup')).toBe(true);
    expect((await cli(['setup', '--local', '--json'], env)).code).toBe(0);
    stack.mns.setDlqPolicy('hr-leave', { enabled: true, deadLetterTargetQueue: 'hr-join', maxReceiveCount: 10 });
    const target = await doctor({});
    expect(target.failed).toEqual([
      expect.objectContaining({
        name: 'dlq-policy:hr-leave',
        detail: 'is → hr-join after 10 receives; setup makes it → hr-dead-letter after 10 receives',
        fix: 'hr-sag-sync setup',
      }),
    ]);
    stack.mns.setDlqPolicy('hr-enrich', undefined);
    expect((await doctor({})).failed.map((c) => [c.name, c.detail.slice(0, 6)])).toEqual([
      ['dlq-policy:hr-enrich', 'is off'],
      ['dlq-policy:hr-leave', 'is → h'],
    ]);
    expect((await cli(['setup', '--local', '--json'], env)).code).toBe(0);
    expect((await cli(['doctor', '--local', '--json'], env)).code).toBe(0);
  });

  it('3. a directory instance SAG does not know', async () => {
    const sites = JSON.parse(stack.env.SITES_JSON as string);
    sites.sites.push({ id: 'gz', regionId: 'cn-shenzhen', smartAGId: 'sag-gz9999999999', bandwidthKbps: 1000, offices: ['Guangzhou'] });
    const { failed } = await doctor({ SITES_JSON: JSON.stringify(sites) });
    expect(failed).toEqual([
      expect.objectContaining({
        name: 'sag-instance:gz',
        detail: 'sag-gz9999999999 in cn-shenzhen: SAG.InstanceNoFound',
        fix: expect.stringContaining('site "gz"'),
      }),
    ]);
  });

  it('4. bad SAG credentials: a key SAG does not know (MNS takes it)', async () => {
    const { failed, checks } = await doctor({ SAG_EMULATOR_PORT: String(new URL(otherSag.url).port) });
    expect(failed.map((c) => c.name)).toEqual(['sag']);
    expect(failed[0]?.detail).toMatch(/^InvalidAccessKeyId\.NotFound/);
    expect(failed[0]?.fix).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID.*--profile/);
    expect(checks.find((c) => c.name === 'mns')?.ok).toBe(true);
  });

  it('5. bad MNS credentials: a key MNS does not know (SAG takes it)', async () => {
    const { failed, checks } = await doctor({ MNS_EMULATOR_PORT: String(new URL(otherMns.url).port) });
    expect(failed.map((c) => c.name)).toEqual(['mns']);
    expect(failed[0]?.detail).toMatch(/^InvalidAccessKeyId/);
    expect(failed[0]?.fix).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID.*--profile/);
    expect(checks.some((c) => c.name.startsWith('queue:'))).toBe(false);
    expect(checks.find((c) => c.name === 'ledger:hr_sag_ledger')?.ok).toBe(true);
    expect(checks.find((c) => c.name === 'sag')?.ok).toBe(true);
  });

  it('6. a missing ledger table; setup makes it again', async () => {
    await stackLedger(stack).client.deleteTable('hr_sag_ledger');
    const { failed } = await doctor({});
    expect(failed).toEqual([
      expect.objectContaining({ name: 'ledger:hr_sag_ledger', detail: 'no table hr_sag_ledger in instance hr-sag-sync', fix: 'hr-sag-sync setup' }),
    ]);
    expect((await cli(['setup', '--local', '--json'], env)).json().ledger).toMatchObject({ action: 'created' });
    expect((await cli(['doctor', '--local', '--json'], env)).code).toBe(0);
  });

  it('7. invalid HR API credentials (and, beside it, an unreachable HR API)', async () => {
    const { failed } = await doctor({ DINGTALK_APP_SECRET: 'wrong-secret', WECOM_API_ENDPOINT: 'http://127.0.0.1:9', FEISHU_APP_SECRET: 'wrong-secret' });
    expect(failed.map((c) => c.name)).toEqual(['hr:feishu-roster', 'hr:dingtalk', 'hr:wecom']);
    expect(failed.shift()?.fix).toBe('check FEISHU_APP_ID and FEISHU_APP_SECRET');
    expect(failed[0]?.detail).toMatch(/errcode 40089/);
    expect(failed[0]?.fix).toBe('check DINGTALK_APP_KEY and DINGTALK_APP_SECRET');
    expect(failed[1]?.fix).toMatch(/WECOM_API_ENDPOINT/);
  });

  it('8. a half-configured HR source: the configuration check names the missing variables', async () => {
    const { failed, checks } = await doctor(cloudEnv({ WECOM_TOKEN: 'tok' }), cloudFlags());
    expect(failed.map((c) => c.name)).toEqual(['config']);
    expect(failed[0]?.detail).toMatch(/WeCom is half configured: set WECOM_ENCODING_AES_KEY, WECOM_CORP_ID, WECOM_CORP_SECRET too/);
    // The rest still ran with the good keys through the public-endpoint path (here: the emulators).
    expect(checks.filter((c) => c.ok).map((c) => c.name)).toEqual(expect.arrayContaining(['sites', 'sag', 'sag-instance:sh-hq']));
  });

  it('9. an invalid site directory', async () => {
    const { failed, checks } = await doctor({ SITES_JSON: '{"sites":[{"id":"x"}]}' });
    expect(failed.map((c) => c.name)).toEqual(['sites']);
    expect(failed[0]?.detail).toMatch(/sites\[0\] \(id "x"\)/);
    expect(checks.some((c) => c.name.startsWith('sag-instance:'))).toBe(false);
  });

  it("10. a deployed function's variable differs (--deployed): named, secrets by name only", async () => {
    const fc = stack.fc;
    const join = fc.getFunction('hr-sag-sync-join-worker');
    const webhook = fc.getFunction('hr-sag-sync-webhook');
    if (!join || !webhook) throw new Error('seeded functions missing');
    fc.setFunction({ ...join, environmentVariables: { ...join.environmentVariables, JOIN_QUEUE: 'hr-join-old' } });
    fc.setFunction({ ...webhook, environmentVariables: { ...webhook.environmentVariables, HR_WEBHOOK_SECRET: 'whsec_c3RhbGU=' } });
    try {
      const { failed } = await doctor({}, ['--local', '--deployed']);
      expect(failed.map((c) => [c.name, c.detail])).toEqual([
        ['deployed:hr-sag-sync-webhook', 'HR_WEBHOOK_SECRET differs (deployed, locally)'],
        ['deployed:hr-sag-sync-join-worker', 'JOIN_QUEUE is "hr-join-old", locally "hr-join"'],
      ]);
      expect(failed[0]?.fix).toMatch(/redeploy/);
    } finally {
      fc.setFunction(join);
      fc.setFunction(webhook);
    }
  });
});

describe('beyond the ten', () => {
  it('a SAG instance with no client-account quota left', async () => {
    stack.sag.addInstance({ id: 'sag-full00000001', regionId: 'cn-shanghai', cidr: '10.99.0.0/24', userQuota: 1, users: [{ userMail: 'x@example.com' }] });
    const sites = JSON.parse(stack.env.SITES_JSON as string);
    sites.sites.push({ id: 'full', regionId: 'cn-shanghai', smartAGId: 'sag-full00000001', bandwidthKbps: 100, offices: ['Full'] });
    const { failed } = await doctor({ SITES_JSON: JSON.stringify(sites) });
    expect(failed).toEqual([
      expect.objectContaining({
        name: 'sag-instance:full',
        detail: 'sag-full00000001 in cn-shanghai: 1 of 1 client accounts used, none left (UserCount 1)',
        fix: expect.stringMatching(/raise the client-account quota of sag-full00000001/),
      }),
    ]);
  });

  it('--deployed: a function not deployed, and a bad --fc-endpoint', async () => {
    const { failed } = await doctor({}, ['--local', '--deployed', '--function-prefix', 'other']);
    expect(failed).toHaveLength(FUNCTIONS.length);
    expect(failed[0]).toMatchObject({ name: 'deployed:other-webhook', detail: 'not deployed', fix: expect.stringContaining('FUNCTION_PREFIX=other') });
    const bad = await cli(['doctor', '--local', '--deployed', '--fc-endpoint', 'fc.example.com'], env);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--fc-endpoint must be http(s)://host[:port]')]);
  });

  it('--deployed: a directory bundled as SITES_FILE is noted, not compared', async () => {
    const webhook = stack.fc.getFunction('hr-sag-sync-webhook');
    if (!webhook) throw new Error('seeded function missing');
    const { SITES_JSON: _json, ...rest } = webhook.environmentVariables;
    stack.fc.setFunction({ ...webhook, environmentVariables: { ...rest, SITES_FILE: 'sites.json' } });
    try {
      const doc = (await cli(['doctor', '--local', '--deployed', '--json'], env)).json<{ ok: boolean; checks: Check[] }>();
      expect(doc.ok).toBe(true);
      expect(doc.checks.find((c) => c.name === 'deployed:hr-sag-sync-webhook')?.detail).toBe(
        'variables match the local configuration (site directory bundled as sites.json: not compared)',
      );
    } finally {
      stack.fc.setFunction(webhook);
    }
  });

  it('text output: one line per check with ✔/✘ and the fix under a failure', async () => {
    const r = await cli(['doctor', '--local'], { ...env, ENRICH_QUEUE: 'hr-enrich-eu' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✔ config\s+valid/m);
    expect(r.stdout).toMatch(/^✘ queue:hr-enrich-eu\s+missing\n\s+fix: hr-sag-sync setup$/m);
    expect(r.stdout).toMatch(/2 of \d+ checks failed/);
  });
});
