/**
 * Where the CLI's credentials, region, account and endpoints come from (cli/credentials.ts, cli/target.ts): the
 * environment, the aliyun CLI's profile file, flags; public endpoints by default; `--local` with nothing else set.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveOperatorCredentials } from '../../cli/credentials.js';
import { UsageError } from '../../cli/exit-codes.js';
import { localTarget, resolveTarget } from '../../cli/target.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../../local/stack.js';

const home = mkdtempSync(join(tmpdir(), 'hr-sag-sync-home-'));
mkdirSync(join(home, '.aliyun'));
writeFileSync(
  join(home, '.aliyun', 'config.json'),
  JSON.stringify({
    current: 'ops',
    profiles: [
      { name: 'ops', mode: 'AK', access_key_id: 'LTAIops', access_key_secret: 'ops-secret', region_id: 'cn-hangzhou' },
      { name: 'sts', mode: 'StsToken', access_key_id: 'STS.id', access_key_secret: 'sts-secret', sts_token: 'tok', region_id: 'cn-beijing' },
      { name: 'role', mode: 'RamRoleArn', access_key_id: 'x', access_key_secret: 'y' },
    ],
  }),
);
afterAll(() => rmSync(home, { recursive: true, force: true }));
const io = (env: NodeJS.ProcessEnv, h = home) => ({ env, home: h, stdout: { write: () => true }, stderr: { write: () => true } });
const envKeys = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIenv', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret', ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token' };

describe('credentials chain', () => {
  it('environment first, then the current profile; --profile picks one explicitly', () => {
    expect(resolveOperatorCredentials(envKeys, home)).toEqual({
      credentials: { accessKeyId: 'LTAIenv', accessKeySecret: 'env-secret', securityToken: 'env-token' },
      source: 'environment',
    });
    expect(resolveOperatorCredentials({}, home)).toMatchObject({
      credentials: { accessKeyId: 'LTAIops' },
      source: 'profile ops',
      profileRegion: 'cn-hangzhou',
    });
    expect(resolveOperatorCredentials(envKeys, home, 'sts')).toMatchObject({
      credentials: { accessKeyId: 'STS.id', securityToken: 'tok' },
      source: 'profile sts',
    });
    expect(resolveOperatorCredentials({ ALIBABA_CLOUD_PROFILE: 'sts' }, home).source).toBe('profile sts');
  });

  it('refuses what it cannot use, with the way out', () => {
    expect(() => resolveOperatorCredentials({}, home, 'role')).toThrow(/mode RamRoleArn.*export ALIBABA_CLOUD_ACCESS_KEY_ID/);
    expect(() => resolveOperatorCredentials({}, home, 'nope')).toThrow(/profile "nope" is not in .*profiles: ops, sts, role/);
    expect(() => resolveOperatorCredentials({}, '/nonexistent')).toThrow(UsageError);
    expect(() => resolveOperatorCredentials({}, '/nonexistent')).toThrow(/no credentials.*--local/);
  });
});

describe('target', () => {
  it('cloud: region from flag, env or profile; account from flag or env; PUBLIC endpoints', async () => {
    const t = await resolveTarget(
      io({ ...envKeys, REGION: 'cn-shanghai', ALIBABA_CLOUD_ACCOUNT_ID: '1111222233334444', MNS_ENDPOINT: 'http://1.mns.cn-shanghai-internal.aliyuncs.com' }),
      {},
    );
    expect(t).toMatchObject({
      kind: 'cloud',
      region: 'cn-shanghai',
      accountId: '1111222233334444',
      mnsEndpoint: 'https://1111222233334444.mns.cn-shanghai.aliyuncs.com',
      mnsOpenEndpoint: 'https://mns-open.cn-shanghai.aliyuncs.com',
      sagEndpoint: 'https://smartag.cn-shanghai.aliyuncs.com',
    });
    const fromProfile = await resolveTarget(io({}), { accountId: '5' });
    expect([fromProfile.region, fromProfile.credentialSource]).toEqual(['cn-hangzhou', 'profile ops']);
    const flagged = await resolveTarget(io({ ...envKeys, REGION: 'cn-shanghai' }), { region: 'cn-beijing', accountId: '7', mnsEndpoint: 'http://127.0.0.1:1' });
    expect([flagged.region, flagged.accountId, flagged.mnsEndpoint]).toEqual(['cn-beijing', '7', 'http://127.0.0.1:1']);
    await expect(resolveTarget(io(envKeys, '/nonexistent'), { accountId: '7' })).rejects.toThrow(/a region is needed/);
    await expect(resolveTarget(io({ ...envKeys, REGION: 'cn-shanghai' }), { accountId: '7', sagEndpoint: 'smartag' })).rejects.toThrow(
      /--sag-endpoint must be/,
    );
  });

  it('--local: the stack’s default ports and keys with nothing set; ports and function variables from the environment', () => {
    const t = localTarget({});
    expect(t).toMatchObject({
      kind: 'local',
      accountId: LOCAL_ACCOUNT_ID,
      credentials: LOCAL_CREDENTIALS,
      mnsEndpoint: 'http://127.0.0.1:9100',
      sagEndpoint: 'http://127.0.0.1:9200',
      webhookUrl: 'http://127.0.0.1:8080',
    });
    expect(t.env.SITES_FILE).toMatch(/config\/sites\.sample\.json$/);
    const moved = localTarget({
      MNS_EMULATOR_PORT: '19100',
      WEBHOOK_PORT: '18080',
      DEAD_LETTER_QUEUE: 'dlq-2',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'cloud-key',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'x',
    });
    expect([moved.mnsEndpoint, moved.webhookUrl, moved.env.DEAD_LETTER_QUEUE, moved.credentials.accessKeyId]).toEqual([
      'http://127.0.0.1:19100',
      'http://127.0.0.1:18080',
      'dlq-2',
      LOCAL_CREDENTIALS.accessKeyId,
    ]);
  });
});
