/**
 * `doctor` against the local stack with one misconfiguration planted at a time: it names the failing check, gives
 * the fix, passes the rest, and exits 1. The healthy run (exit 0) is in commands.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, startStack, type Stack } from '../../local/stack.js';
import { cli, localEnv } from './run-cli.js';

let stack: Stack;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  env = localEnv(stack);
});
afterAll(async () => stack?.stop());

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

/** The cloud target (no --local) pointed at the emulators: credentials, region and account from the chain. */
const cloudFlags = () => ['--region', 'cn-shanghai', '--account-id', LOCAL_ACCOUNT_ID, '--mns-endpoint', stack.mns.url, '--sag-endpoint', stack.sag.url];
const cloudEnv = (keys: { id: string; secret: string }, extra: NodeJS.ProcessEnv = {}) => ({
  ALIBABA_CLOUD_ACCESS_KEY_ID: keys.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: keys.secret,
  SITES_JSON: stack.env.SITES_JSON,
  ...extra,
});

it('a missing queue: the configuration names a queue that setup has not made', async () => {
  const { failed } = await doctor({ ENRICH_QUEUE: 'hr-enrich-eu' });
  expect(failed.map((c) => c.name)).toEqual(['queue:hr-enrich-eu', 'dlq-policy:hr-enrich-eu']);
  expect(failed[0]).toMatchObject({ detail: 'missing', fix: 'hr-sag-sync setup' });
});

it('a wrong queue attribute and a wrong dead-letter policy, then setup repairs both', async () => {
  await stack.mnsClient.setQueueAttributes('hr-join', { VisibilityTimeout: 30 });
  stack.mns.setDlqPolicy('hr-transfer', { enabled: true, deadLetterTargetQueue: 'hr-dead-letter', maxReceiveCount: 3 });
  const { failed } = await doctor({});
  expect(failed.map((c) => c.name)).toEqual(['queue:hr-join', 'dlq-policy:hr-transfer']);
  expect(failed[0]?.detail).toBe('attributes differ: VisibilityTimeout 30, want 600');
  expect(failed[1]?.detail).toBe('is → hr-dead-letter after 3 receives; setup makes it → hr-dead-letter after 10 receives');
  expect(failed.every((c) => c.fix === 'hr-sag-sync setup')).toBe(true);
  expect((await cli(['setup', '--local', '--json'], env)).code).toBe(0);
  expect((await cli(['doctor', '--local', '--json'], env)).code).toBe(0);
});

it('a dead-letter policy switched off', async () => {
  stack.mns.setDlqPolicy('hr-enrich', undefined);
  const { failed } = await doctor({});
  expect(failed).toEqual([expect.objectContaining({ name: 'dlq-policy:hr-enrich', detail: expect.stringMatching(/^is off; setup makes it/) })]);
  await cli(['setup', '--local'], env);
});

it('a directory instance SAG does not know', async () => {
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

it('an invalid site directory', async () => {
  const { failed, checks } = await doctor({ SITES_JSON: '{"sites":[{"id":"x"}]}' });
  expect(failed.map((c) => c.name)).toEqual(['sites']);
  expect(failed[0]?.detail).toMatch(/sites\[0\] \(id "x"\)/);
  expect(checks.some((c) => c.name.startsWith('sag-instance:'))).toBe(false);
});

it('bad credentials (cloud target): MNS and SAG refuse them, and the fix says where credentials come from', async () => {
  const { failed, checks } = await doctor(cloudEnv({ id: 'LTAIwrong', secret: 'nope' }), cloudFlags());
  expect(failed.map((c) => c.name)).toEqual(['mns', 'sag']);
  expect(failed[0]?.detail).toMatch(/^InvalidAccessKeyId/);
  expect(failed[1]?.detail).toMatch(/^InvalidAccessKeyId\.NotFound/);
  expect(failed[0]?.fix).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID.*--profile/);
  expect(checks.some((c) => c.name.startsWith('queue:'))).toBe(false);
});

it('a half-configured HR source (cloud target, good keys): the configuration check names the missing variables', async () => {
  const { failed, checks } = await doctor(
    cloudEnv({ id: LOCAL_CREDENTIALS.accessKeyId, secret: LOCAL_CREDENTIALS.accessKeySecret }, { WECOM_TOKEN: 'tok' }),
    cloudFlags(),
  );
  expect(failed.map((c) => c.name)).toEqual(['config']);
  expect(failed[0]?.detail).toMatch(/WeCom is half configured: set WECOM_ENCODING_AES_KEY, WECOM_CORP_ID, WECOM_CORP_SECRET too/);
  // The rest still ran with the good keys through the public-endpoint path (here: the emulators).
  expect(checks.filter((c) => c.ok).map((c) => c.name)).toEqual(expect.arrayContaining(['sites', 'sag', 'sag-instance:sh-hq']));
});

it('invalid HR API credentials and an unreachable HR API', async () => {
  const { failed } = await doctor({ DINGTALK_APP_SECRET: 'wrong-secret', WECOM_API_ENDPOINT: 'http://127.0.0.1:9' });
  expect(failed.map((c) => c.name)).toEqual(['hr:dingtalk', 'hr:wecom']);
  expect(failed[0]?.detail).toMatch(/errcode 40089/);
  expect(failed[0]?.fix).toBe('check DINGTALK_APP_KEY and DINGTALK_APP_SECRET');
  expect(failed[1]?.fix).toMatch(/WECOM_API_ENDPOINT/);
});

it('text output: one line per check with ✔/✘ and the fix under a failure', async () => {
  const r = await cli(['doctor', '--local'], { ...env, ENRICH_QUEUE: 'hr-enrich-eu' });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^✔ config\s+valid/m);
  expect(r.stdout).toMatch(/^✘ queue:hr-enrich-eu\s+missing\n\s+fix: hr-sag-sync setup$/m);
  expect(r.stdout).toMatch(/2 of \d+ checks failed/);
});
