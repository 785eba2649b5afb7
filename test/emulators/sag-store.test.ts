/**
 * SAG emulator domain and configuration, without HTTP: the store with an injected clock, IP allocation, seeding
 * validation, the instances file and the environment variables.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { describe, expect, it } from 'vitest';
import { SagApiError, SagConfigError, loadInstancesFile, sagOptionsFromEnv, startSagEmulator } from '../../emulators/sag/index.js';
import { SagStore } from '../../emulators/sag/sag-store.js';
import { cidrsOverlap, formatIpv4, isPrivateCidr, parseCidr, parseIpv4 } from '../../emulators/sag/ipv4.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('ipv4', () => {
  it('parses addresses and blocks', () => {
    expect(formatIpv4(parseIpv4('10.1.2.3') as number)).toBe('10.1.2.3');
    expect(parseIpv4('10.1.2')).toBeUndefined();
    expect(parseIpv4('10.1.2.256')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8 });
    expect(parseCidr('10.0.0.1/24')).toBeUndefined();
    expect(parseCidr('10.0.0.0/31')).toBeUndefined();
    expect(isPrivateCidr(parseCidr('172.16.0.0/12')!)).toBe(true);
    expect(isPrivateCidr(parseCidr('172.0.0.0/8')!)).toBe(false);
    expect(cidrsOverlap(parseCidr('10.0.0.0/16')!, parseCidr('10.0.5.0/24')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!)).toBe(false);
  });
});

describe('SagStore', () => {
  it('stamps creation with the injected clock and keeps creation order', () => {
    let now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const store = new SagStore({ now: () => now, initialInstances: [{ id: 'sag-1', cidr: '10.0.0.0/24' }] });
    store.createUser('cn-shanghai', 'sag-1', { userMail: 'b@example.com', bandwidth: 10 });
    now += 1000;
    store.createUser('cn-shanghai', 'sag-1', { userMail: 'a@example.com', bandwidth: 10 });
    const users = store.listUsers('sag-1')!;
    expect(users.map((u) => u.userName)).toEqual(['b@example.com', 'a@example.com']);
    expect(users[0]!.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(users[1]!.createdAt).toBe('2026-01-02T03:04:06.000Z');
  });

  it('allocates around static IPs and reuses freed addresses after wrapping', () => {
    const store = new SagStore({ initialInstances: [{ id: 'sag-1', cidr: '10.0.0.0/29', userQuota: 100 }] });
    const mk = (mail: string, clientIp?: string) => store.createUser('cn-shanghai', 'sag-1', { userMail: mail, bandwidth: 1, clientIp });
    mk('s@example.com', '10.0.0.2');
    expect(['a', 'b', 'c', 'd', 'e'].map((x) => mk(`${x}@example.com`).clientIp)).toEqual(['10.0.0.1', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(codeOf(() => mk('f@example.com'))).toBe('ClientUser.UserOverLimit');
    store.deleteUser('cn-shanghai', 'sag-1', 'b@example.com');
    expect(mk('g@example.com').clientIp).toBe('10.0.0.3');
  });

  it('resets to the initial instances and their seeded users', () => {
    const store = new SagStore({ initialInstances: [{ id: 'sag-1', cidr: '10.0.0.0/24', users: [{ userMail: 'seed@example.com' }] }] });
    store.addInstance({ id: 'sag-2', cidr: '10.0.1.0/24' });
    store.createUser('cn-shanghai', 'sag-1', { userMail: 'x@example.com', bandwidth: 1 });
    store.reset();
    expect(store.listInstances().map((i) => i.id)).toEqual(['sag-1']);
    expect(store.listUsers('sag-1')!.map((u) => u.userName)).toEqual(['seed@example.com']);
  });

  it('throws SagApiError for API errors and SagConfigError for bad seeding', () => {
    const store = new SagStore({ maxBandwidthKbps: 20000, initialInstances: [{ id: 'sag-1', cidr: '10.0.0.0/24' }] });
    expect(store.createUser('cn-shanghai', 'sag-1', { userMail: 'big@example.com', bandwidth: 20000 }).bandwidth).toBe(20000);
    expect(() => store.createUser('cn-shanghai', 'sag-1', { userMail: 'x@example.com', bandwidth: 20001 })).toThrow(SagApiError);
    expect(() => store.addInstance({ id: 'sag-bad', cidr: '10.0.0.0/33' })).toThrow(SagConfigError);
    expect(() => store.addInstance({ id: 'sag-bad', users: [{ userMail: 'x@example.com' }] })).toThrow(/SAG.CidrEmpty/);
    expect(store.getInstance('sag-bad')).toBeUndefined();
    expect(() => store.seedUser('sag-1', { userMail: 'y@example.com', userName: 'no' })).toThrow(/ClientUser.NameInvalid/);
    expect(() => new SagStore({ maxBandwidthKbps: 0 })).toThrow(SagConfigError);
  });

  it('pages Describe without a filter, by mail and by name', () => {
    const store = new SagStore({ initialInstances: [{ id: 'sag-1', cidr: '10.0.0.0/16', userQuota: 1000 }] });
    for (let i = 0; i < 300; i++) store.seedUser('sag-1', { userMail: `u${i % 3}@example.com`, userName: `user.${String(i).padStart(4, '0')}` });
    const page = store.describeUsers('cn-shanghai', 'sag-1', { pageNumber: 30, pageSize: 10 });
    expect(page.totalCount).toBe(300);
    expect(page.users.map((u) => u.userName)).toEqual(Array.from({ length: 10 }, (_, i) => `user.${String(290 + i).padStart(4, '0')}`));
    const byMail = store.describeUsers('cn-shanghai', 'sag-1', { userMail: 'u1@example.com', pageNumber: 2, pageSize: 50 });
    expect(byMail.totalCount).toBe(100);
    expect(byMail.users[0]!.userName).toBe('user.0151');
    expect(store.describeUsers('cn-shanghai', 'sag-1', { userName: 'user.0007', pageNumber: 1, pageSize: 10 }).users).toHaveLength(1);
    expect(store.describeUsers('cn-shanghai', 'sag-1', { userName: 'user.0007', pageNumber: 2, pageSize: 10 }).users).toHaveLength(0);
  });
});

describe('SAG emulator configuration', () => {
  it('reads options from the environment', () => {
    expect(sagOptionsFromEnv({})).toEqual({ port: 9200 });
    expect(
      sagOptionsFromEnv({
        SAG_EMULATOR_HOST: '0.0.0.0',
        SAG_EMULATOR_PORT: '9300',
        EMULATOR_REGION: 'cn-hangzhou',
        EMULATOR_ACCESS_KEY_ID: 'ak',
        EMULATOR_ACCESS_KEY_SECRET: 'sk',
        EMULATOR_SEED: '42',
        SAG_EMULATOR_INSTANCES_FILE: '/tmp/x.json',
        SAG_EMULATOR_MAX_BANDWIDTH_KBPS: '20000',
      }),
    ).toEqual({
      host: '0.0.0.0',
      port: 9300,
      region: 'cn-hangzhou',
      credentials: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }],
      seed: 42,
      instancesFile: '/tmp/x.json',
      maxBandwidthKbps: 20000,
    });
    expect(() => sagOptionsFromEnv({ SAG_EMULATOR_PORT: 'abc' })).toThrow(SagConfigError);
    expect(() => sagOptionsFromEnv({ EMULATOR_ACCESS_KEY_ID: 'only-id' })).toThrow(SagConfigError);
    expect(() => sagOptionsFromEnv({ SAG_EMULATOR_MAX_BANDWIDTH_KBPS: '0' })).toThrow(SagConfigError);
  });

  it('seeds instances from a config file and serves them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sag-emu-'));
    const file = path.join(dir, 'instances.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        instances: [
          {
            id: 'sag-file-1',
            regionId: 'cn-hangzhou',
            cidr: '10.100.0.0/24',
            userQuota: 10,
            users: [{ userName: 'file.user', userMail: 'file@example.com', bandwidth: 500, password: 'Secret_123' }],
          },
          { id: 'sag-file-2', regionId: 'cn-hangzhou', cidr: null, allowClientUsers: false },
        ],
      }),
    );
    expect(loadInstancesFile(file).map((i) => i.id)).toEqual(['sag-file-1', 'sag-file-2']);
    const emu = await startSagEmulator({ ...sagOptionsFromEnv({ SAG_EMULATOR_PORT: '0', EMULATOR_REGION: 'cn-hangzhou', SAG_EMULATOR_INSTANCES_FILE: file }) });
    try {
      expect(emu.region).toBe('cn-hangzhou');
      expect(emu.accessKeyId).toBe('local-ak');
      const client = new RPCClient({ endpoint: emu.url, apiVersion: '2018-03-13', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
      const res = await client.request<{ Users: { User: Array<{ UserName: string; Bandwidth: number }> } }>('DescribeSmartAccessGatewayClientUsers', {
        RegionId: 'cn-hangzhou',
        SmartAGId: 'sag-file-1',
      });
      expect(res.Users.User.map((u) => [u.UserName, u.Bandwidth])).toEqual([['file.user', 500]]);
      expect(emu.checkPassword('sag-file-1', 'file.user', 'Secret_123')).toBe(true);
      expect(() => emu.listUsers('sag-missing')).toThrow(SagConfigError);
    } finally {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.mkdirSync(dir);
    fs.writeFileSync(file, '{"instances": "nope"}');
    expect(() => loadInstancesFile(file)).toThrow(SagConfigError);
    await expect(startSagEmulator({ instancesFile: path.join(dir, 'missing.json') })).rejects.toThrow(SagConfigError);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
