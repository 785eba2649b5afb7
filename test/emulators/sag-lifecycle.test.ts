/**
 * SAG emulator, the leaver's actions through the real `@alicloud/pop-core` RPCClient: Disable/Enable with `State` in
 * Describe, KickOutClients closing admin-seeded sessions, and DeleteSmartAccessGatewayClientUser refused while the
 * account used traffic in the current billing cycle (calendar month, Asia/Shanghai) on an injectable billing clock.
 */
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { billingCycleLabel, billingCycleOf, nextBillingCycleStart, startSagEmulator, type SagEmulator } from '../../emulators/sag/index.js';

const REGION = 'cn-shanghai';
const SAG = 'sag-leave';
const USER = 'leaver@example.com';

interface PopErr {
  code: string;
  data: { Code: string; Message: string };
  entry: { response: { statusCode: number } };
}

type Result = Record<string, any>;

let emu: SagEmulator;

beforeAll(async () => {
  emu = await startSagEmulator({
    region: REGION,
    instances: [{ id: SAG, cidr: '10.77.0.0/24', users: [{ userMail: USER }, { userMail: 'stayer@example.com' }] }],
  });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

const client = () => new RPCClient({ endpoint: emu.url, apiVersion: '2018-03-13', accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
const call = (action: string, params: Record<string, string | number>, method: 'GET' | 'POST' = 'POST') =>
  client().request<Result>(action, { RegionId: REGION, SmartAGId: SAG, ...params }, { method });

async function fails(action: string, params: Record<string, string | number>): Promise<PopErr> {
  const err = await call(action, params).then(
    () => undefined,
    (e: unknown) => e as PopErr,
  );
  if (!err) throw new Error(`${action} was expected to fail`);
  return err;
}

async function stateOf(userName: string): Promise<number | undefined> {
  const res = await call('DescribeSmartAccessGatewayClientUsers', { UserName: userName }, 'GET');
  return res.Users.User[0]?.State;
}

describe('billing cycles (Asia/Shanghai calendar months)', () => {
  it('turns the month at Shanghai midnight, not UTC midnight', () => {
    const lastUtcEvening = Date.parse('2026-11-30T15:59:59Z'); // 23:59:59 on 30 Nov in Shanghai
    const shanghaiMidnight = Date.parse('2026-11-30T16:00:00Z'); // 00:00 on 1 Dec in Shanghai
    expect(billingCycleLabel(lastUtcEvening)).toBe('2026-11');
    expect(billingCycleLabel(shanghaiMidnight)).toBe('2026-12');
    expect(billingCycleOf(shanghaiMidnight) - billingCycleOf(lastUtcEvening)).toBe(1);
    expect(new Date(nextBillingCycleStart(lastUtcEvening)).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(new Date(nextBillingCycleStart(Date.parse('2026-12-15T00:00:00Z'))).toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });
});

describe('Disable / Enable with State in Describe', () => {
  it('disables and re-enables (idempotent), State 1 then 0', async () => {
    expect(await stateOf(USER)).toBe(0);
    expect(Object.keys(await call('DisableSmartAccessGatewayUser', { UserName: USER }))).toEqual(['RequestId']);
    await call('DisableSmartAccessGatewayUser', { UserName: USER }, 'GET');
    expect(await stateOf(USER)).toBe(1);
    expect(await stateOf('stayer@example.com')).toBe(0);
    await call('EnableSmartAccessGatewayUser', { UserName: USER });
    expect(await stateOf(USER)).toBe(0);
  });

  it('answers the documented instance errors and the emulator code for an unknown user', async () => {
    expect((await fails('DisableSmartAccessGatewayUser', { SmartAGId: 'sag-none', UserName: USER })).code).toBe('SAG.InstanceNoFound');
    expect((await fails('DisableSmartAccessGatewayUser', { UserName: '' })).code).toBe('ClientUser.NameEmpty');
    expect((await fails('EnableSmartAccessGatewayUser', { UserName: 'ghost@example.com' })).code).toBe('ClientUser.UserNotExist');
  });

  it('gives an injected Forbbiden.SubUser its documented message', async () => {
    emu.faults.add({ action: 'DisableSmartAccessGatewayUser', code: 'Forbbiden.SubUser', httpStatus: 400, count: 1 });
    const err = await fails('DisableSmartAccessGatewayUser', { UserName: USER });
    expect(err.data.Message).toBe('You are not authorized to operate on the specified resource.');
    expect(await stateOf(USER)).toBe(0);
  });
});

describe('KickOutClients', () => {
  it('closes every open session of the account (documented parameter Username), and only of that account', async () => {
    emu.openSessions(SAG, USER, 2);
    emu.openSessions(SAG, 'stayer@example.com');
    expect(emu.listUsers(SAG).find((u) => u.userName === USER)?.online).toHaveLength(2);
    await call('DisableSmartAccessGatewayUser', { UserName: USER });
    // Disabling does not close sessions: that is what KickOutClients is for.
    expect(emu.listUsers(SAG).find((u) => u.userName === USER)?.online).toHaveLength(2);
    expect(Object.keys(await call('KickOutClients', { Username: USER }))).toEqual(['RequestId']);
    const users = emu.listUsers(SAG);
    expect(users.find((u) => u.userName === USER)?.online).toBeUndefined();
    expect(users.find((u) => u.userName === 'stayer@example.com')?.online).toHaveLength(1);
    await call('KickOutClients', { Username: USER }, 'GET'); // nothing left: still a success
  });

  it('seeds sessions through the admin API and refuses what the docs refuse', async () => {
    const res = await fetch(`${emu.url}/__admin/sessions`, { method: 'POST', body: JSON.stringify({ smartAGId: SAG, userName: USER, count: 3 }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { online: unknown[] } }).user.online).toHaveLength(3);
    const bad = await fetch(`${emu.url}/__admin/sessions`, { method: 'POST', body: JSON.stringify({ smartAGId: SAG, userName: 'ghost' }) });
    expect(bad.status).toBe(400);
    // `UserName` is not KickOutClients' parameter: the account name counts as missing.
    expect((await fails('KickOutClients', { UserName: USER })).code).toBe('ClientUser.NameEmpty');
    expect((await fails('KickOutClients', { SmartAGId: 'sag-none', Username: USER })).code).toBe('SAG.InstanceNoFound');
    expect(emu.listUsers(SAG).find((u) => u.userName === USER)?.online).toHaveLength(3);
  });
});

describe('DeleteSmartAccessGatewayClientUser and the billing cycle', () => {
  it('refuses to delete an account that used traffic this cycle, and deletes it next cycle', async () => {
    emu.setBillingClock({ fixedAt: Date.parse('2026-11-20T10:00:00+08:00') });
    emu.markTraffic(SAG, USER);
    await call('DisableSmartAccessGatewayUser', { UserName: USER });
    const refused = await fails('DeleteSmartAccessGatewayClientUser', { UserName: USER });
    expect([refused.code, refused.entry.response.statusCode]).toEqual(['ClientUser.TrafficUsedInCurrentCycle', 400]);
    expect(await stateOf(USER)).toBe(1);
    emu.setBillingClock({ fixedAt: Date.parse('2026-11-30T23:59:59+08:00') });
    expect((await fails('DeleteSmartAccessGatewayClientUser', { UserName: USER })).code).toBe('ClientUser.TrafficUsedInCurrentCycle');
    emu.setBillingClock({ fixedAt: Date.parse('2026-12-01T00:00:00+08:00') });
    await call('DeleteSmartAccessGatewayClientUser', { UserName: USER });
    expect(emu.listUsers(SAG).map((u) => u.userName)).toEqual(['stayer@example.com']);
  });

  it('deletes an account without traffic, or whose traffic was in an earlier cycle', async () => {
    await call('DeleteSmartAccessGatewayClientUser', { UserName: 'stayer@example.com' });
    emu.markTraffic(SAG, USER, Date.parse('2026-10-31T23:00:00+08:00'));
    emu.setBillingClock({ fixedAt: Date.parse('2026-11-01T08:00:00+08:00') });
    await call('DeleteSmartAccessGatewayClientUser', { UserName: USER }, 'GET');
    expect(emu.listUsers(SAG)).toEqual([]);
  });

  it('marks traffic and moves the billing clock through the admin API; an online session counts as traffic', async () => {
    const post = (path: string, body: unknown) => fetch(`${emu.url}/__admin/${path}`, { method: 'POST', body: JSON.stringify(body) });
    const clock = await post('billing-clock', { now: '2027-01-31T12:00:00+08:00' });
    expect(((await clock.json()) as { cycle: string; nextCycleStart: string }).nextCycleStart).toBe('2027-01-31T16:00:00.000Z');
    expect((await post('sessions', { smartAGId: SAG, userName: USER })).status).toBe(200);
    expect((await fails('DeleteSmartAccessGatewayClientUser', { UserName: USER })).code).toBe('ClientUser.TrafficUsedInCurrentCycle');
    expect((await post('traffic', { smartAGId: SAG, userName: 'stayer@example.com', at: '2027-01-02T09:00:00+08:00' })).status).toBe(200);
    expect((await fails('DeleteSmartAccessGatewayClientUser', { UserName: 'stayer@example.com' })).code).toBe('ClientUser.TrafficUsedInCurrentCycle');
    expect((await post('traffic', { smartAGId: SAG, userName: 'stayer@example.com', at: null })).status).toBe(200);
    await call('DeleteSmartAccessGatewayClientUser', { UserName: 'stayer@example.com' });
    expect(((await (await post('billing-clock', { now: '2027-02-01T00:00:00+08:00' })).json()) as { cycle: string }).cycle).toBe('2027-02');
    await call('DeleteSmartAccessGatewayClientUser', { UserName: USER });
    const shifted = (await (await post('billing-clock', { offsetMs: 40 * 86_400_000 })).json()) as { now: string; offsetMs: number };
    expect(shifted.offsetMs).toBe(40 * 86_400_000);
    expect(Date.parse(shifted.now) - Date.now()).toBeGreaterThan(39 * 86_400_000);
    expect((await post('billing-clock', { now: 'not a time' })).status).toBe(400);
    const state = (await (await fetch(`${emu.url}/__admin/billing-clock`)).json()) as { cycle: string };
    expect(state.cycle).toMatch(/^\d{4}-\d{2}$/);
  });

  it('reset forgets sessions, traffic and the billing-clock setting', async () => {
    emu.setBillingClock({ fixedAt: Date.parse('2030-05-05T00:00:00Z') });
    emu.openSessions(SAG, USER);
    emu.reset();
    const user = emu.listUsers(SAG).find((u) => u.userName === USER);
    expect(user?.online).toBeUndefined();
    expect(user?.lastTrafficAt).toBeUndefined();
    const state = (await (await fetch(`${emu.url}/__admin/billing-clock`)).json()) as { fixedAt?: number };
    expect(state.fixedAt).toBeUndefined();
  });
});
