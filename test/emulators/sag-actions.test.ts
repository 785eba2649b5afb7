/**
 * SAG emulator conformance: every client-user action, success and each error path, through the real
 * `@alicloud/pop-core` RPCClient, with GET and with POST.
 */
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSagEmulator, type SagEmulator, type SagInstanceInput } from '../../emulators/sag/index.js';

const REGION = 'cn-shanghai';
const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

const INSTANCES: SagInstanceInput[] = [
  { id: 'sag-main', cidr: '10.10.0.0/24', userQuota: 50 },
  { id: 'sag-small', cidr: '10.20.0.0/24', userQuota: 1 },
  { id: 'sag-nocidr', cidr: null },
  { id: 'sag-noapp', cidr: '10.30.0.0/24', allowClientUsers: false },
  { id: 'sag-hz', regionId: 'cn-hangzhou', cidr: '10.40.0.0/24', userQuota: 50 },
  { id: 'sag-hz-full', regionId: 'cn-hangzhou', cidr: '10.41.0.0/24', userQuota: 1, users: [{ userMail: 'occupant@example.com' }] },
  { id: 'sag-hz-noapp', regionId: 'cn-hangzhou', cidr: '10.42.0.0/24', allowClientUsers: false },
  { id: 'sag-hz-nocidr', regionId: 'cn-hangzhou', cidr: null },
  { id: 'sag-overlap', cidr: '10.50.0.0/24', roamCidrOverlap: true },
  { id: 'sag-tiny', cidr: '10.60.0.0/30', userQuota: 10 },
];

interface PopErr {
  name: string;
  code: string;
  message: string;
  data: { RequestId: string; HostId: string; Code: string; Message: string; Recommend: string };
  entry: { response: { statusCode: number } };
}

type Result = Record<string, any>;

let emu: SagEmulator;

beforeAll(async () => {
  emu = await startSagEmulator({ instances: INSTANCES, region: REGION });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

describe.each(['GET', 'POST'] as const)('SAG actions via pop-core %s', (method) => {
  const client = () => new RPCClient({ endpoint: emu.url, apiVersion: '2018-03-13', accessKeyId: 'local-ak', accessKeySecret: 'local-sk' });
  const call = (action: string, params: Record<string, string | number>) => client().request<Result>(action, params, { method });

  /** The call must fail; returns what pop-core threw. */
  async function fails(action: string, params: Record<string, string | number>): Promise<PopErr> {
    try {
      await call(action, params);
    } catch (err) {
      return err as PopErr;
    }
    throw new Error(`${action} was expected to fail`);
  }

  /** Asserts the error exactly as pop-core surfaces it. */
  async function expectError(action: string, params: Record<string, string | number>, code: string, status = 400, message?: string | RegExp): Promise<PopErr> {
    const err = await fails(action, params);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.name).toBe(`${code}Error`);
    expect(err.data.Code).toBe(code);
    expect(err.data.RequestId).toMatch(UUID);
    expect(err.data.HostId).toBe('smartag.cn-shanghai.aliyuncs.com');
    expect(err.data.Recommend).toContain(`q=${code}`);
    expect(err.entry.response.statusCode).toBe(status);
    expect(err.message).toContain(err.data.Message);
    if (message !== undefined) expect(err.data.Message).toMatch(message);
    return err;
  }

  const create = (extra: Record<string, string | number> = {}) =>
    call('CreateSmartAccessGatewayClientUser', { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'alice@example.com', Bandwidth: 200, ...extra });
  const describeUsers = (extra: Record<string, string | number> = {}, regionId = REGION, smartAGId = 'sag-main') =>
    call('DescribeSmartAccessGatewayClientUsers', { RegionId: regionId, SmartAGId: smartAGId, ...extra });

  describe('CreateSmartAccessGatewayClientUser', () => {
    it('creates a named user with a static IP', async () => {
      const res = await create({ UserName: 'alice.smith', Password: 'Secret_123', ClientIp: '10.10.0.77' });
      expect({ ...res }).toEqual({
        RequestId: expect.stringMatching(UUID),
        UserName: 'alice.smith',
        UserMail: 'alice@example.com',
        Bandwidth: 200,
        ClientIp: '10.10.0.77',
        IsStaticIp: 1,
      });
      expect(res.Code).toBeUndefined();
      expect(emu.checkPassword('sag-main', 'alice.smith', 'Secret_123')).toBe(true);
    });

    it('names the user after the mail and generates a password when both are omitted', async () => {
      const res = await create({ UserMail: 'bob@example.com' });
      expect(res.UserName).toBe('bob@example.com');
      expect(res.IsStaticIp).toBe(0);
      expect(res.ClientIp).toMatch(/^10\.10\.0\.\d+$/);
      expect(res.Password).toBeUndefined();
      expect(JSON.stringify(emu.snapshot())).not.toMatch(/password/i);
    });

    it('allocates distinct dynamic IPs', async () => {
      const a = await create({ UserMail: 'a1@example.com' });
      const b = await create({ UserMail: 'a2@example.com' });
      expect(a.ClientIp).not.toBe(b.ClientIp);
    });

    it('checks the instance', async () => {
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { SmartAGId: 'sag-main', UserMail: 'x@example.com', Bandwidth: 1 },
        'MissingParameter',
        400,
        /"RegionId"/,
      );
      await expectError('CreateSmartAccessGatewayClientUser', { RegionId: REGION, UserMail: 'x@example.com', Bandwidth: 1 }, 'SAG.InstanceIdEmpty');
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: '', UserMail: 'x@example.com', Bandwidth: 1 },
        'SAG.InstanceIdEmpty',
      );
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-nope', UserMail: 'x@example.com', Bandwidth: 1 },
        'SAG.InstanceNoFound',
        400,
        'The specified SAG instance does not exist.',
      );
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: 'cn-hangzhou', SmartAGId: 'sag-main', UserMail: 'x@example.com', Bandwidth: 1 },
        'SAG.InstanceNoFound',
      );
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-noapp', UserMail: 'x@example.com', Bandwidth: 1 },
        'ClientUser.NotSupportAction',
        400,
        'You cannot create a user in the current SAG instance.',
      );
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-nocidr', UserMail: 'x@example.com', Bandwidth: 1 },
        'SAG.CidrEmpty',
        400,
        'You must specify the CIDR blocks of SAG.',
      );
    });

    it('checks the mail and the bandwidth', async () => {
      const base = { RegionId: REGION, SmartAGId: 'sag-main', Bandwidth: 10 };
      await expectError('CreateSmartAccessGatewayClientUser', base, 'ClientUser.EmailEmpty', 400, 'You must specify UserEmail.');
      await expectError('CreateSmartAccessGatewayClientUser', { ...base, UserMail: '' }, 'ClientUser.EmailEmpty');
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { ...base, UserMail: 'not-an-email' },
        'ClientUser.EmailInvalid',
        400,
        'The format of the specified UserEmail is invalid.',
      );
      await expectError('CreateSmartAccessGatewayClientUser', { ...base, UserMail: `${'x'.repeat(60)}@example.com` }, 'ClientUser.EmailInvalid');
      const noBw = { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'x@example.com' };
      await expectError('CreateSmartAccessGatewayClientUser', noBw, 'MissingParameter', 400, /"Bandwidth"/);
      for (const bw of [0, 2001, -5, 'abc', '1.5']) {
        await expectError(
          'CreateSmartAccessGatewayClientUser',
          { ...noBw, Bandwidth: bw },
          'ClientUser.BandwidthInvalid',
          400,
          /^The specified Bandwidth is invalid\./,
        );
      }
      await expect(create({ UserMail: 'max@example.com', Bandwidth: 2000 })).resolves.toMatchObject({ Bandwidth: 2000 });
      await expect(create({ UserMail: 'min@example.com', Bandwidth: 1 })).resolves.toMatchObject({ Bandwidth: 1 });
    });

    it('checks UserName and Password together', async () => {
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'x@example.com', Bandwidth: 1, Password: 'Secret_123' },
        'ClientUser.NameEmpty',
        400,
        /^You must specify UserName\./,
      );
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'x@example.com', Bandwidth: 1, UserName: 'carol.jones' },
        'MissingParameter',
        400,
        /"Password"/,
      );
      for (const name of ['short', '_leading_underscore', 'has space in it', 'x'.repeat(34), 'bad/char/name']) {
        await expectError(
          'CreateSmartAccessGatewayClientUser',
          { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'x@example.com', Bandwidth: 1, UserName: name, Password: 'Secret_123' },
          'ClientUser.NameInvalid',
          400,
          'The specified UserName is invalid.',
        );
      }
      for (const password of ['short1', '_Secret_123', 'Secret.123', 'x'.repeat(33)]) {
        await expectError(
          'CreateSmartAccessGatewayClientUser',
          { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'x@example.com', Bandwidth: 1, UserName: 'carol.jones', Password: password },
          'InvalidParameter',
          400,
          /"Password"/,
        );
      }
    });

    it('refuses a duplicate user name and a full instance', async () => {
      await create({ UserName: 'dave.brown', Password: 'Secret_123' });
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'other@example.com', Bandwidth: 5, UserName: 'dave.brown', Password: 'Secret_456' },
        'ClientUser.UserExist',
        400,
        'The specified user already exists.',
      );
      await create({ UserMail: 'same@example.com' });
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'same@example.com', Bandwidth: 5 },
        'ClientUser.UserExist',
      );
      await call('CreateSmartAccessGatewayClientUser', { RegionId: REGION, SmartAGId: 'sag-small', UserMail: 'first@example.com', Bandwidth: 5 });
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-small', UserMail: 'second@example.com', Bandwidth: 5 },
        'ClientUser.UserOverLimit',
        400,
        'The maximum number of users is exceeded.',
      );
    });

    it('checks ClientIp', async () => {
      const base = { RegionId: REGION, SmartAGId: 'sag-main', UserMail: 'ip@example.com', Bandwidth: 5 };
      await expectError('CreateSmartAccessGatewayClientUser', { ...base, ClientIp: '' }, 'ClientUser.IpEmpty', 400, 'You must specify ClientIp.');
      for (const ip of ['10.10.0', '10.10.0.300', 'abc', '10.10.0.07']) {
        await expectError('CreateSmartAccessGatewayClientUser', { ...base, ClientIp: ip }, 'ClientUser.IpInvalid', 400, 'The specified ClientIp is invalid.');
      }
      for (const ip of ['192.168.1.1', '10.10.1.1', '10.10.0.0', '10.10.0.255']) {
        await expectError(
          'CreateSmartAccessGatewayClientUser',
          { ...base, ClientIp: ip },
          'ClientUser.InvalidClientIp',
          400,
          'The specified ClientIp is invalid.',
        );
      }
      await create({ UserMail: 'holder@example.com', ClientIp: '10.10.0.9' });
      await expectError('CreateSmartAccessGatewayClientUser', { ...base, ClientIp: '10.10.0.9' }, 'ClientUser.InvalidClientIp');
    });

    it('answers UserOverLimit when the CIDR block has no free address', async () => {
      const tiny = (mail: string) => call('CreateSmartAccessGatewayClientUser', { RegionId: REGION, SmartAGId: 'sag-tiny', UserMail: mail, Bandwidth: 5 });
      expect((await tiny('t1@example.com')).ClientIp).toBe('10.60.0.1');
      expect((await tiny('t2@example.com')).ClientIp).toBe('10.60.0.2');
      await expectError(
        'CreateSmartAccessGatewayClientUser',
        { RegionId: REGION, SmartAGId: 'sag-tiny', UserMail: 't3@example.com', Bandwidth: 5 },
        'ClientUser.UserOverLimit',
      );
    });
  });

  describe('DescribeSmartAccessGatewayClientUsers', () => {
    it('pages with the documented defaults and nests Users.User[]', async () => {
      for (let i = 0; i < 25; i++) emu.seedUser('sag-main', { userMail: `user${String(i).padStart(2, '0')}@example.com`, bandwidth: 100 + i });
      const first = await describeUsers();
      expect(first.TotalCount).toBe(25);
      expect(first.PageNumber).toBe(1);
      expect(first.PageSize).toBe(10);
      expect(first.Users.User).toHaveLength(10);
      expect({ ...first.Users.User[0] }).toEqual({
        UserName: 'user00@example.com',
        UserMail: 'user00@example.com',
        Bandwidth: 100,
        ClientIp: '10.10.0.1',
        IsStaticIp: 0,
        State: 0,
      });
      const third = await describeUsers({ PageNumber: 3, PageSize: 10 });
      expect(third.Users.User.map((u: Result) => u.UserName)).toEqual([
        'user20@example.com',
        'user21@example.com',
        'user22@example.com',
        'user23@example.com',
        'user24@example.com',
      ]);
      const big = await describeUsers({ PageSize: 100 });
      expect(big.Users.User).toHaveLength(25);
      const beyond = await describeUsers({ PageNumber: 9 });
      expect(beyond.TotalCount).toBe(25);
      expect(beyond.Users.User).toEqual([]);
    });

    it('answers an empty instance with an empty list', async () => {
      const res = await describeUsers({}, 'cn-hangzhou', 'sag-hz');
      expect(res.TotalCount).toBe(0);
      expect(res.Users.User).toEqual([]);
    });

    it('filters by UserName and UserMail (exact match)', async () => {
      await create({ UserName: 'erin.white', Password: 'Secret_123', UserMail: 'erin@example.com' });
      await create({ UserName: 'erin.white2', Password: 'Secret_123', UserMail: 'erin@example.com' });
      await create({ UserMail: 'frank@example.com' });
      const byName = await describeUsers({ UserName: 'erin.white' });
      expect(byName.TotalCount).toBe(1);
      expect(byName.Users.User[0].UserName).toBe('erin.white');
      expect((await describeUsers({ UserName: 'erin' })).TotalCount).toBe(0);
      const byMail = await describeUsers({ UserMail: 'erin@example.com' });
      expect(byMail.Users.User.map((u: Result) => u.UserName)).toEqual(['erin.white', 'erin.white2']);
      expect((await describeUsers({ UserMail: 'erin@example.com', PageSize: 1, PageNumber: 2 })).Users.User[0].UserName).toBe('erin.white2');
      expect((await describeUsers({ UserMail: 'example.com' })).TotalCount).toBe(0);
      expect((await describeUsers({ UserName: 'erin.white', UserMail: 'frank@example.com' })).TotalCount).toBe(0);
    });

    it('reports State 1 for disabled users', async () => {
      await create({ UserMail: 'gina@example.com' });
      await call('DisableSmartAccessGatewayUser', { RegionId: REGION, SmartAGId: 'sag-main', UserName: 'gina@example.com' });
      expect((await describeUsers({ UserName: 'gina@example.com' })).Users.User[0].State).toBe(1);
    });

    it('checks the instance and the paging parameters', async () => {
      await expectError('DescribeSmartAccessGatewayClientUsers', { RegionId: REGION }, 'SAG.InstanceIdEmpty');
      await expectError('DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-nope' }, 'SAG.InstanceNoFound');
      await expectError('DescribeSmartAccessGatewayClientUsers', { RegionId: 'cn-hangzhou', SmartAGId: 'sag-main' }, 'SAG.InstanceNoFound');
      await expectError('DescribeSmartAccessGatewayClientUsers', { SmartAGId: 'sag-main' }, 'MissingParameter');
      const bads: Array<Record<string, string | number>> = [{ PageSize: 0 }, { PageSize: 101 }, { PageNumber: 0 }, { PageNumber: 'x' }];
      for (const bad of bads) {
        await expectError('DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-main', ...bad }, 'InvalidParameter');
      }
    });
  });

  describe('DeleteSmartAccessGatewayClientUser', () => {
    it('deletes the user and frees its IP', async () => {
      await create({ UserName: 'henry.ford', Password: 'Secret_123', ClientIp: '10.10.0.50' });
      const res = await call('DeleteSmartAccessGatewayClientUser', { RegionId: REGION, SmartAGId: 'sag-main', UserName: 'henry.ford' });
      expect(Object.keys(res)).toEqual(['RequestId']);
      expect((await describeUsers({ UserName: 'henry.ford' })).TotalCount).toBe(0);
      await expect(create({ UserMail: 'reuse@example.com', ClientIp: '10.10.0.50' })).resolves.toMatchObject({ ClientIp: '10.10.0.50' });
    });

    it('answers the documented errors', async () => {
      const base = { RegionId: REGION, SmartAGId: 'sag-main' };
      await expectError('DeleteSmartAccessGatewayClientUser', { RegionId: REGION, UserName: 'henry.ford' }, 'SAG.InstanceIdEmpty');
      await expectError('DeleteSmartAccessGatewayClientUser', { RegionId: REGION, SmartAGId: 'sag-nope', UserName: 'henry.ford' }, 'SAG.InstanceNoFound');
      await expectError('DeleteSmartAccessGatewayClientUser', base, 'ClientUser.NameEmpty', 400, 'You must specify UserName.');
      await expectError('DeleteSmartAccessGatewayClientUser', { ...base, UserName: 'a b' }, 'ClientUser.NameInvalid');
      await expectError(
        'DeleteSmartAccessGatewayClientUser',
        { ...base, UserName: 'nobody.here' },
        'ClientUser.UserNotExist',
        400,
        'The specified user does not exist.',
      );
    });
  });

  describe('ModifySmartAccessGatewayClientUser', () => {
    it('changes Bandwidth and Email (not UserMail)', async () => {
      await create({ UserName: 'ivan.petrov', Password: 'Secret_123', UserMail: 'ivan@example.com', Bandwidth: 100 });
      const res = await call('ModifySmartAccessGatewayClientUser', {
        RegionId: REGION,
        SmartAGId: 'sag-main',
        UserName: 'ivan.petrov',
        Bandwidth: 300,
        Email: 'ivan.p@example.com',
      });
      expect({ ...res }).toEqual({
        RequestId: expect.stringMatching(UUID),
        UserName: 'ivan.petrov',
        UserMail: 'ivan.p@example.com',
        Bandwidth: 300,
        ClientIp: expect.stringMatching(/^10\.10\.0\./),
      });
      expect((await describeUsers({ UserMail: 'ivan.p@example.com' })).TotalCount).toBe(1);
      expect((await describeUsers({ UserMail: 'ivan@example.com' })).TotalCount).toBe(0);
      const ignored = await call('ModifySmartAccessGatewayClientUser', {
        RegionId: REGION,
        SmartAGId: 'sag-main',
        UserName: 'ivan.petrov',
        UserMail: 'ignored@example.com',
      });
      expect(ignored.UserMail).toBe('ivan.p@example.com');
    });

    it('answers the documented errors', async () => {
      await create({ UserName: 'judy.garland', Password: 'Secret_123' });
      const base = { RegionId: REGION, SmartAGId: 'sag-main' };
      await expectError('ModifySmartAccessGatewayClientUser', { ...base, UserName: 'judy.garland', Bandwidth: 0 }, 'ClientUser.BandwidthInvalid');
      await expectError('ModifySmartAccessGatewayClientUser', { ...base, UserName: 'judy.garland', Bandwidth: 2001 }, 'ClientUser.BandwidthInvalid');
      await expectError('ModifySmartAccessGatewayClientUser', { ...base, UserName: 'judy.garland', Email: 'nope' }, 'ClientUser.EmailInvalid');
      await expectError('ModifySmartAccessGatewayClientUser', { ...base, Bandwidth: 5 }, 'ClientUser.NameEmpty');
      await expectError('ModifySmartAccessGatewayClientUser', { ...base, UserName: '-bad', Bandwidth: 5 }, 'ClientUser.NameInvalid');
      await expectError('ModifySmartAccessGatewayClientUser', { ...base, UserName: 'nobody.here', Bandwidth: 5 }, 'ClientUser.UserNotExist');
      await expectError('ModifySmartAccessGatewayClientUser', { RegionId: REGION, UserName: 'judy.garland' }, 'SAG.InstanceIdEmpty');
      await expectError(
        'ModifySmartAccessGatewayClientUser',
        { RegionId: 'cn-hangzhou', SmartAGId: 'sag-main', UserName: 'judy.garland' },
        'SAG.InstanceNoFound',
      );
    });
  });

  describe('ResetSmartAccessGatewayClientUserPassword', () => {
    it('sets the given password or a generated one', async () => {
      await create({ UserName: 'kate.moss', Password: 'Secret_123' });
      const res = await call('ResetSmartAccessGatewayClientUserPassword', {
        RegionId: REGION,
        SmartAGId: 'sag-main',
        UserName: 'kate.moss',
        Password: 'New.Pass_456',
      });
      expect(Object.keys(res)).toEqual(['RequestId']);
      expect(emu.checkPassword('sag-main', 'kate.moss', 'New.Pass_456')).toBe(true);
      await call('ResetSmartAccessGatewayClientUserPassword', { RegionId: REGION, SmartAGId: 'sag-main', UserName: 'kate.moss' });
      expect(emu.checkPassword('sag-main', 'kate.moss', 'New.Pass_456')).toBe(false);
    });

    it('answers the documented errors', async () => {
      await create({ UserName: 'kate.moss', Password: 'Secret_123' });
      const base = { RegionId: REGION, SmartAGId: 'sag-main' };
      await expectError(
        'ResetSmartAccessGatewayClientUserPassword',
        { ...base, UserName: 'kate.moss', Password: 'short' },
        'InvalidParameter',
        400,
        /"Password"/,
      );
      await expectError('ResetSmartAccessGatewayClientUserPassword', base, 'ClientUser.NameEmpty');
      await expectError('ResetSmartAccessGatewayClientUserPassword', { ...base, UserName: 'x' }, 'ClientUser.NameInvalid');
      await expectError('ResetSmartAccessGatewayClientUserPassword', { ...base, UserName: 'nobody.here' }, 'ClientUser.UserNotExist');
      await expectError('ResetSmartAccessGatewayClientUserPassword', { RegionId: REGION, SmartAGId: '', UserName: 'kate.moss' }, 'SAG.InstanceIdEmpty');
      await expectError('ResetSmartAccessGatewayClientUserPassword', { RegionId: REGION, SmartAGId: 'sag-nope', UserName: 'kate.moss' }, 'SAG.InstanceNoFound');
    });
  });

  describe('EnableSmartAccessGatewayUser / DisableSmartAccessGatewayUser', () => {
    it('toggles State (idempotently)', async () => {
      await create({ UserMail: 'leo@example.com' });
      const p = { RegionId: REGION, SmartAGId: 'sag-main', UserName: 'leo@example.com' };
      expect(Object.keys(await call('DisableSmartAccessGatewayUser', p))).toEqual(['RequestId']);
      await call('DisableSmartAccessGatewayUser', p);
      expect((await describeUsers({ UserName: 'leo@example.com' })).Users.User[0].State).toBe(1);
      expect(Object.keys(await call('EnableSmartAccessGatewayUser', p))).toEqual(['RequestId']);
      expect((await describeUsers({ UserName: 'leo@example.com' })).Users.User[0].State).toBe(0);
    });

    it('answers the documented errors', async () => {
      for (const action of ['EnableSmartAccessGatewayUser', 'DisableSmartAccessGatewayUser']) {
        await expectError(action, { RegionId: REGION, SmartAGId: 'sag-main' }, 'ClientUser.NameEmpty');
        await expectError(action, { RegionId: REGION, SmartAGId: 'sag-main', UserName: 'nobody.here' }, 'ClientUser.UserNotExist');
        await expectError(action, { RegionId: REGION, SmartAGId: 'sag-main', UserName: 'bad name' }, 'ClientUser.NameInvalid');
        await expectError(action, { RegionId: REGION, UserName: 'nobody.here' }, 'SAG.InstanceIdEmpty');
        await expectError(action, { RegionId: REGION, SmartAGId: 'sag-nope', UserName: 'nobody.here' }, 'SAG.InstanceNoFound');
      }
    });
  });

  describe('RoamClientUser', () => {
    const roam = (extra: Record<string, string | number> = {}) => ({
      RegionId: 'cn-hangzhou',
      TargetSmartAGId: 'sag-hz',
      OriginRegionId: REGION,
      OriginSmartAGId: 'sag-main',
      UserName: 'mona.lisa',
      ...extra,
    });

    it('copies the account into the target; the origin keeps it', async () => {
      await create({ UserName: 'mona.lisa', Password: 'Secret_123', UserMail: 'mona@example.com', Bandwidth: 640 });
      const res = await call('RoamClientUser', roam());
      expect(Object.keys(res)).toEqual(['RequestId']);
      const target = await describeUsers({ UserName: 'mona.lisa' }, 'cn-hangzhou', 'sag-hz');
      expect(target.TotalCount).toBe(1);
      expect(target.Users.User[0]).toMatchObject({ UserName: 'mona.lisa', UserMail: 'mona@example.com', Bandwidth: 640, State: 0, IsStaticIp: 0 });
      expect(target.Users.User[0].ClientIp).toMatch(/^10\.40\.0\./);
      expect((await describeUsers({ UserName: 'mona.lisa' })).TotalCount).toBe(1);
      expect(emu.listUsers('sag-hz')[0]?.roamedFrom).toEqual({ regionId: REGION, smartAGId: 'sag-main' });
      expect(emu.checkPassword('sag-hz', 'mona.lisa', 'Secret_123')).toBe(true);
      // Roaming again: the target already has the user.
      await expectError('RoamClientUser', roam(), 'ClientUser.UserExist', 400, 'The specified user already exists.');
    });

    it('answers the documented errors', async () => {
      await create({ UserName: 'mona.lisa', Password: 'Secret_123' });
      await expectError('RoamClientUser', roam({ TargetSmartAGId: 'sag-nope' }), 'SAG.InstanceNoFound');
      await expectError('RoamClientUser', roam({ RegionId: REGION }), 'SAG.InstanceNoFound');
      await expectError('RoamClientUser', roam({ OriginSmartAGId: 'sag-nope' }), 'SAG.InstanceNoFound');
      await expectError('RoamClientUser', roam({ OriginRegionId: 'cn-hangzhou' }), 'SAG.InstanceNoFound');
      await expectError('RoamClientUser', roam({ UserName: 'bad name' }), 'ClientUser.NameInvalid');
      await expectError('RoamClientUser', roam({ UserName: 'nobody.here' }), 'ClientUser.UserNotExist', 400, 'The specified user does not exist.');
      await expectError('RoamClientUser', roam({ TargetSmartAGId: 'sag-hz-noapp' }), 'ClientUser.NotSupportAction');
      await expectError('RoamClientUser', roam({ TargetSmartAGId: 'sag-hz-nocidr' }), 'SAG.CidrEmpty');
      await expectError('RoamClientUser', roam({ TargetSmartAGId: 'sag-hz-full' }), 'ClientUser.UserOverLimit');
      await expectError(
        'RoamClientUser',
        roam({ RegionId: REGION, TargetSmartAGId: 'sag-overlap' }),
        'SAG.CidrOverlap',
        400,
        'The specified CIDR overlaps with an existing CIDR.',
      );
      for (const missing of ['RegionId', 'TargetSmartAGId', 'OriginRegionId', 'OriginSmartAGId', 'UserName']) {
        const params = roam();
        delete (params as Record<string, unknown>)[missing];
        await expectError('RoamClientUser', params, 'MissingParameter', 400, new RegExp(`"${missing}"`));
      }
    });

    it('keeps a static IP only if it fits the target block', async () => {
      await create({ UserName: 'nina.simone', Password: 'Secret_123', ClientIp: '10.10.0.5' });
      await expectError('RoamClientUser', roam({ UserName: 'nina.simone' }), 'ClientUser.InvalidClientIp');
      emu.seedUser('sag-main', { userName: 'otto.static', userMail: 'otto@example.com', clientIp: '10.10.0.6' });
      emu.addInstance({ id: 'sag-same-block', regionId: 'cn-hangzhou', cidr: '10.10.0.0/24' });
      await call('RoamClientUser', roam({ UserName: 'otto.static', TargetSmartAGId: 'sag-same-block' }));
      expect(emu.listUsers('sag-same-block')[0]).toMatchObject({ clientIp: '10.10.0.6', isStaticIp: true });
    });
  });
});
