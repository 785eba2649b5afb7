/**
 * `npm start` itself (local/start.ts in a child process, on ephemeral ports), as an operator runs it:
 * - the function variables set in its environment are the ones in effect (a custom Standard Webhooks secret, a custom
 *   join queue, custom Feishu secrets), the local defaults fill in the rest, and the list printed masks the secrets;
 * - the banner goes to stderr and stdout carries only JSON log lines (`npm start | jq`);
 * - the walkthrough "office not in the directory → dead letter site.unmapped → add the office to SITES_FILE →
 *   redrive" works on the running stack, with the redrive command the banner prints.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feishuRequest, feishuUserCreated, LOCAL_SOURCES } from '../../local/hr-samples.js';
import { signedGenericRequest, type SignedRequest } from '../../local/sample.js';
import { LOCAL_WEBHOOK_SECRET } from '../../local/stack.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const FEISHU = {
  ...LOCAL_SOURCES,
  FEISHU_ENCRYPT_KEY: `fs-key-${randomBytes(8).toString('hex')}`,
  FEISHU_VERIFICATION_TOKEN: `fs-token-${randomBytes(8).toString('hex')}`,
};
const TSX = join('node_modules', '.bin', 'tsx');

let child: ChildProcess;
let stdout = '';
let stderr = '';
let sitesFile: string;
const url: Record<'webhook' | 'mns' | 'sag', string> = { webhook: '', mns: '', sag: '' };

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstderr:\n${stderr}\nstdout:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const post = (r: SignedRequest) => fetch(r.url, { method: 'POST', headers: r.headers, body: r.body });
const sagUsers = async (instance: string): Promise<string[]> => {
  const state = (await (await fetch(`${url.sag}/__admin/state`)).json()) as { instances: Array<{ id: string; users: Array<{ userMail: string }> }> };
  return state.instances.find((i) => i.id === instance)?.users.map((u) => u.userMail) ?? [];
};
const logLines = () => stdout.split('\n').filter((l) => l.trim() !== '');

beforeAll(async () => {
  sitesFile = join(mkdtempSync(join(tmpdir(), 'local-stack-')), 'sites.json');
  writeFileSync(sitesFile, readFileSync('config/sites.sample.json'));
  const env = {
    PATH: process.env.PATH,
    WEBHOOK_PORT: '0',
    MNS_EMULATOR_PORT: '0',
    SAG_EMULATOR_PORT: '0',
    HR_EMULATOR_PORT: '0',
    SITES_FILE: sitesFile,
    HR_WEBHOOK_SECRET: SECRET,
    JOIN_QUEUE: 'my-join',
    FEISHU_ENCRYPT_KEY: FEISHU.FEISHU_ENCRYPT_KEY,
    FEISHU_VERIFICATION_TOKEN: FEISHU.FEISHU_VERIFICATION_TOKEN,
    MNS_ENDPOINT: 'http://mns.example.invalid',
  };
  child = spawn(TSX, ['local/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const banner = await until('the banner', () => (/-{100}\n[\s\S]*-{100}\n/.test(stderr) ? stderr : undefined), 60_000);
  url.webhook = (/webhook {10}(\S+)\/webhooks\/generic/.exec(banner) as RegExpExecArray)[1] as string;
  url.mns = (/MNS emulator {5}(\S+)/.exec(banner) as RegExpExecArray)[1] as string;
  url.sag = (/SAG emulator {5}(\S+)/.exec(banner) as RegExpExecArray)[1] as string;
}, 90_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
});

describe('npm start', () => {
  it('lists the variables in effect with their origin, masking the secrets set in the environment', () => {
    expect(stderr).toMatch(/HR_WEBHOOK_SECRET +\[environment\] +whsec_\*\*\*\* \(\d+ chars\)/);
    expect(stderr).toMatch(/FEISHU_ENCRYPT_KEY +\[environment\] +\*\*\*\*/);
    expect(stderr).toMatch(/JOIN_QUEUE +\[environment\] +my-join/);
    expect(stderr).toMatch(/RETRY_DELAY_SCALE +\[local default\] +0\.02/);
    expect(stderr).toMatch(/MNS_ENDPOINT is set in the environment but ignored/);
    for (const secret of [SECRET, FEISHU.FEISHU_ENCRYPT_KEY, FEISHU.FEISHU_VERIFICATION_TOKEN]) expect(stderr).not.toContain(secret);
    expect(stdout).not.toContain(SECRET);
  });

  it('accepts a request signed with the HR_WEBHOOK_SECRET set, refuses the built-in one, and uses JOIN_QUEUE', async () => {
    const payload = {
      type: 'employee.joined',
      timestamp: new Date().toISOString(),
      data: { employeeId: 'LS1', name: 'Lou Stack', email: 'lou.stack@example.com', office: 'Shanghai' },
    };
    expect((await post(signedGenericRequest(`${url.webhook}/webhooks/generic`, LOCAL_WEBHOOK_SECRET, payload))).status).toBe(401);
    const res = await post(signedGenericRequest(`${url.webhook}/webhooks/generic`, SECRET, payload));
    expect(res.status).toBe(202);
    const queues = ((await (await fetch(`${url.mns}/__admin/state`)).json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(queues).toContain('my-join');
    expect(queues).not.toContain('hr-join');
    await until('the account', async () => (await sagUsers('sag-shhq0000000001')).includes('lou.stack@example.com') || undefined);
  });

  it('decrypts a Feishu event encrypted with the FEISHU_ENCRYPT_KEY set, and refuses the local sample key', async () => {
    const user = {
      user_id: 'fs-ls',
      open_id: 'ou_ls',
      name: 'Fei Stack',
      email: 'fei.stack@example.com',
      city: 'Beijing',
      work_station: 'BJ-3F',
      department_ids: [],
    };
    const stale = await post(feishuRequest(`${url.webhook}/webhooks/feishu`, feishuUserCreated(user), LOCAL_SOURCES));
    expect(stale.status).toBe(401);
    const res = await post(feishuRequest(`${url.webhook}/webhooks/feishu`, feishuUserCreated(user, FEISHU), FEISHU));
    expect(res.status).toBe(200);
    await until('the Feishu account', async () => (await sagUsers('sag-bjsl0000000003')).includes('fei.stack@example.com') || undefined);
  });

  it('writes only JSON lines to stdout (the banner is on stderr)', async () => {
    await until('an outcome line', () => logLines().find((l) => l.includes('"outcome"')));
    expect(stdout).not.toContain('local stack is up');
    expect(stderr).toContain('local stack is up');
    for (const line of logLines()) expect(() => JSON.parse(line), line).not.toThrow();
    expect(logLines().map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ msg: 'outcome', fn: 'join-worker', result: 'done' }));
  });

  it('picks up an office added to SITES_FILE while running, and the printed redrive applies the dead letter', async () => {
    const payload = {
      type: 'employee.joined',
      timestamp: new Date().toISOString(),
      data: { employeeId: 'LS2', name: 'Su Zhou', email: 'su.zhou@example.com', office: 'Suzhou' },
    };
    const first = await post(signedGenericRequest(`${url.webhook}/webhooks/generic`, SECRET, payload));
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ action: 'dead-lettered' });

    const sites = JSON.parse(readFileSync(sitesFile, 'utf8'));
    sites.sites[0].offices.push('Suzhou');
    writeFileSync(sitesFile, JSON.stringify(sites, null, 2));
    await until('the reload', () => logLines().find((l) => l.includes('site directory reloaded')));

    const command = (/redrive {10}(.*)npx hr-sag-sync (.*)/.exec(stderr) as RegExpExecArray).slice(1) as [string, string];
    const redriveEnv = Object.fromEntries(
      command[0]
        .trim()
        .split(' ')
        .filter(Boolean)
        .map((kv) => kv.split('=', 2) as [string, string]),
    );
    const r = spawnSync(process.execPath, ['cli/bin.mjs', ...command[1].split(' ')], { env: { PATH: process.env.PATH, ...redriveEnv }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/resent 1\b/);
    await until('the redriven account', async () => (await sagUsers('sag-shhq0000000001')).includes('su.zhou@example.com') || undefined);
  });

  it('keeps the current directory when the file becomes invalid', async () => {
    writeFileSync(sitesFile, '{ not json');
    await until('the refusal', () => logLines().find((l) => l.includes('site directory not reloaded')));
    const payload = {
      type: 'employee.joined',
      timestamp: new Date().toISOString(),
      data: { employeeId: 'LS3', name: 'Su Two', email: 'su.two@example.com', office: 'Suzhou' },
    };
    const res = await post(signedGenericRequest(`${url.webhook}/webhooks/generic`, SECRET, payload));
    expect(await res.json()).toMatchObject({ action: 'join' });
  });
});
