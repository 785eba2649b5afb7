/**
 * SAG emulator, protocol level: hand-signed raw HTTP (fetch) for authentication, parameter and body errors, and the
 * admin API. After every kind of bad input the emulator must still serve.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSagEmulator, type SagEmulator } from '../../emulators/sag/index.js';

const REGION = 'cn-shanghai';
const SECRET = 'local-sk';

let emu: SagEmulator;

beforeAll(async () => {
  emu = await startSagEmulator({
    region: REGION,
    credentials: [
      { accessKeyId: 'local-ak', accessKeySecret: SECRET },
      { accessKeyId: 'second-ak', accessKeySecret: 'second-sk' },
    ],
    instances: [{ id: 'sag-raw', cidr: '10.70.0.0/24', users: [{ userName: 'seeded.user', userMail: 'seeded@example.com', password: 'Secret_123' }] }],
  });
});
afterAll(async () => {
  await emu.close();
});

// ---- a tiny independent signer -----------------------------------------------------------------------------
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function timestamp(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function commonParams(action: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Action: action,
    Format: 'JSON',
    Version: '2018-03-13',
    AccessKeyId: 'local-ak',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: crypto.randomBytes(16).toString('hex'),
    Timestamp: timestamp(),
    ...extra,
  };
}

/** `k=v&…&Signature=…` signed for `method` with `secret`. */
function signed(method: 'GET' | 'POST', params: Record<string, string>, secret = SECRET): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${enc(k)}=${enc(params[k] as string)}`)
    .join('&');
  const signature = crypto
    .createHmac('sha1', `${secret}&`)
    .update(`${method}&${enc('/')}&${enc(canonical)}`)
    .digest('base64');
  return `${canonical}&Signature=${enc(signature)}`;
}

interface Answer {
  status: number;
  contentType: string | null;
  requestIdHeader: string | null;
  body: Record<string, any>;
}

async function get(query: string, path = '/'): Promise<Answer> {
  return answer(await fetch(`${emu.url}${path}?${query}`));
}

async function post(body: string | Uint8Array, contentType = 'application/x-www-form-urlencoded'): Promise<Answer> {
  return answer(await fetch(`${emu.url}/`, { method: 'POST', headers: { 'content-type': contentType }, body }));
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), requestIdHeader: res.headers.get('x-acs-request-id'), body: JSON.parse(text) };
}

function expectError(a: Answer, code: string, status: number): void {
  expect(a.status).toBe(status);
  expect(a.contentType).toBe('application/json;charset=utf-8');
  expect(Object.keys(a.body).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
  expect(a.body.Code).toBe(code);
  expect(a.body.HostId).toBe('smartag.cn-shanghai.aliyuncs.com');
  expect(a.body.RequestId).toBe(a.requestIdHeader);
}

const describeQuery = (extra: Record<string, string> = {}) =>
  commonParams('DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-raw', ...extra });

/** The emulator still answers a normal pop-core call. */
async function stillServes(): Promise<void> {
  const client = new RPCClient({ endpoint: emu.url, apiVersion: '2018-03-13', accessKeyId: 'local-ak', accessKeySecret: SECRET });
  const res = await client.request<{ TotalCount: number }>('DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-raw' });
  expect(res.TotalCount).toBeGreaterThanOrEqual(1);
}

describe('SAG emulator protocol (raw HTTP)', () => {
  it('serves hand-signed GET (any path) and POST', async () => {
    const a = await get(signed('GET', describeQuery()), '/some/prefix/');
    expect(a.status).toBe(200);
    expect(a.contentType).toBe('application/json;charset=utf-8');
    expect(a.body.TotalCount).toBe(1);
    expect(a.body.Code).toBeUndefined();
    expect(a.body.RequestId).toBe(a.requestIdHeader);
    const b = await post(signed('POST', describeQuery()));
    expect(b.status).toBe(200);
    expect(b.body.Users.User[0].UserName).toBe('seeded.user');
  });

  it('accepts any configured AccessKey', async () => {
    const a = await get(signed('GET', describeQuery({ AccessKeyId: 'second-ak' }), 'second-sk'));
    expect(a.status).toBe(200);
  });

  it('refuses a bad signature (and a GET signature on a POST)', async () => {
    const a = await get(signed('GET', describeQuery(), 'wrong-secret'));
    expectError(a, 'SignatureDoesNotMatch', 400);
    expect(a.body.Message).toMatch(/^Specified signature is not matched with our calculation\. server string to sign is:GET&%2F&AccessKeyId%3Dlocal-ak/);
    expectError(await post(signed('GET', describeQuery())), 'SignatureDoesNotMatch', 400);
    // A parameter changed after signing.
    const tampered = signed('GET', describeQuery()).replace('SmartAGId=sag-raw', 'SmartAGId=sag-other');
    expectError(await get(tampered), 'SignatureDoesNotMatch', 400);
    await stillServes();
  });

  it('refuses an unknown AccessKeyId with 404', async () => {
    const a = await get(signed('GET', describeQuery({ AccessKeyId: 'who-is-this' })));
    expectError(a, 'InvalidAccessKeyId.NotFound', 404);
    expect(a.body.Message).toBe('Specified access key is not found.');
  });

  it('refuses a reused nonce; a failed request does not use up its nonce', async () => {
    const params = describeQuery();
    expectError(await get(signed('GET', params, 'wrong-secret')), 'SignatureDoesNotMatch', 400);
    const query = signed('GET', params);
    expect((await get(query)).status).toBe(200);
    const again = await get(query);
    expectError(again, 'SignatureNonceUsed', 400);
    expect(again.body.Message).toBe('Specified signature nonce was used already.');
    // Same nonce with another key is another nonce.
    expect((await get(signed('GET', { ...params, AccessKeyId: 'second-ak' }, 'second-sk'))).status).toBe(200);
    await stillServes();
  });

  it('checks Timestamp: ±15 minutes, ISO 8601 UTC', async () => {
    expectError(await get(signed('GET', describeQuery({ Timestamp: timestamp(-16 * 60_000) }))), 'InvalidTimeStamp.Expired', 400);
    expectError(await get(signed('GET', describeQuery({ Timestamp: timestamp(16 * 60_000) }))), 'InvalidTimeStamp.Expired', 400);
    expect((await get(signed('GET', describeQuery({ Timestamp: timestamp(-14 * 60_000) })))).status).toBe(200);
    expect((await get(signed('GET', describeQuery({ Timestamp: new Date().toISOString() })))).status).toBe(200);
    expectError(await get(signed('GET', describeQuery({ Timestamp: '2026-01-01 10:00:00' }))), 'InvalidTimeStamp.Format', 400);
    const a = await get(signed('GET', describeQuery({ Timestamp: timestamp(-3600_000) })));
    expect(a.body.Message).toBe('Specified time stamp or date value is expired.');
  });

  it('checks Version and Action', async () => {
    const v = await get(signed('GET', describeQuery({ Version: '2019-01-01' })));
    expectError(v, 'InvalidVersion', 400);
    expect(v.body.Message).toMatch(/^Specified parameter Version is not valid\./);
    const a = await get(signed('GET', commonParams('DescribeSmartAccessGateways', { RegionId: REGION })));
    expectError(a, 'InvalidAction.NotFound', 404);
    expect(a.body.Message).toBe('Specified api is not found, please check your url and method.');
    // Action names are case-sensitive.
    expectError(await get(signed('GET', commonParams('describeSmartAccessGatewayClientUsers'))), 'InvalidAction.NotFound', 404);
  });

  it('answers missing parameters', async () => {
    const drop = (name: string) => {
      const p = describeQuery();
      delete p[name];
      return p;
    };
    for (const name of ['Action', 'Version', 'AccessKeyId', 'SignatureNonce', 'Timestamp']) {
      const a = await get(signed('GET', drop(name)));
      expectError(a, 'MissingParameter', 400);
      expect(a.body.Message).toBe(`The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
    }
    for (const name of ['SignatureMethod', 'SignatureVersion']) expectError(await get(signed('GET', drop(name))), 'IncompleteSignature', 400);
    const unsigned = Object.entries(describeQuery())
      .map(([k, v]) => `${k}=${enc(v)}`)
      .join('&');
    expectError(await get(unsigned), 'IncompleteSignature', 400);
    expectError(await get(''), 'MissingParameter', 400);
    expectError(await get(signed('GET', describeQuery({ SignatureMethod: 'HMAC-SHA256' }))), 'InvalidParameter', 400);
    expectError(await get(signed('GET', describeQuery({ Format: 'XML' }))), 'InvalidParameter', 400);
    await stillServes();
  });

  it('answers malformed query strings and form bodies with InvalidParameter', async () => {
    const good = signed('GET', describeQuery());
    expectError(await get(`${good}&Broken=%zz`), 'InvalidParameter', 400);
    expectError(await get(`${good}&Broken=%C3%28`), 'InvalidParameter', 400);
    expectError(await get(`${good}&=value`), 'InvalidParameter', 400);
    const dup = await get(`${good}&SmartAGId=sag-raw`);
    expectError(dup, 'InvalidParameter', 400);
    expect(dup.body.Message).toContain('"SmartAGId"');
    expectError(await post(`${signed('POST', describeQuery())}&x=%E0%A4%A`), 'InvalidParameter', 400);
    expectError(await post('{"Action":"DescribeSmartAccessGatewayClientUsers"}', 'application/json'), 'InvalidParameter', 400);
    expectError(await post(Buffer.from([0xff, 0xfe, 0x00, 0x26, 0x3d])), 'InvalidParameter', 400);
    // Query and body are merged; a parameter in both is a duplicate.
    const body = signed('POST', describeQuery());
    const both = await fetch(`${emu.url}/?RegionId=${REGION}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(both.status).toBe(400);
    await stillServes();
  });

  it('refuses oversized bodies with 413 without falling over', async () => {
    const huge = `${signed('POST', describeQuery())}&Padding=${'x'.repeat(100 * 1024)}`;
    const a = await post(huge);
    expectError(a, 'RequestEntityTooLarge', 413);
    expect(a.body.Message).toBe('The request body exceeds the limit of 65536 bytes.');
    const many = await Promise.all(Array.from({ length: 5 }, () => post(new Uint8Array(300 * 1024))));
    for (const m of many) expect(m.status).toBe(413);
    await stillServes();
  });

  it('refuses other HTTP methods', async () => {
    const res = await fetch(`${emu.url}/?${signed('GET', describeQuery())}`, { method: 'PUT' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Code: string }).Code).toBe('UnsupportedHTTPMethod');
  });

  it('accepts an STS SecurityToken (hand-signed and through pop-core)', async () => {
    const a = await get(signed('GET', describeQuery({ SecurityToken: 'CAIS-fake-sts-token==' })));
    expect(a.status).toBe(200);
    const sts = new RPCClient({
      endpoint: emu.url,
      apiVersion: '2018-03-13',
      accessKeyId: 'local-ak',
      accessKeySecret: SECRET,
      securityToken: 'CAIS-another-token',
    });
    const res = await sts.request<{ TotalCount: number }>(
      'DescribeSmartAccessGatewayClientUsers',
      { RegionId: REGION, SmartAGId: 'sag-raw' },
      { method: 'POST' },
    );
    expect(res.TotalCount).toBe(1);
  });

  it('survives a client that disconnects in the middle of a body', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(emu.port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nAction=Desc');
        setTimeout(() => socket.destroy(), 20);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await stillServes();
  });

  it('survives garbage on the socket', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(emu.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n\r\n'));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await stillServes();
  });
});

describe('SAG admin API', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/__admin${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('adds instances (one, an array, or {instances}) and lists them in state', async () => {
    const one = await admin('POST', '/instances', { id: 'sag-adm-1', cidr: '10.80.0.0/24', userQuota: 5 });
    expect(one.status).toBe(200);
    expect(one.body.instances).toEqual([
      { id: 'sag-adm-1', regionId: REGION, cidr: '10.80.0.0/24', userQuota: 5, allowClientUsers: true, roamCidrOverlap: false },
    ]);
    const many = await admin('POST', '/instances', {
      instances: [
        { id: 'sag-adm-2', regionId: 'cn-hangzhou', cidr: null },
        { id: 'sag-adm-3', cidr: '192.168.10.0/24', users: [{ userMail: 'adm@example.com' }] },
      ],
    });
    expect(many.body.instances).toHaveLength(2);
    const arr = await admin('POST', '/instances', [{ id: 'sag-adm-4', cidr: '172.16.0.0/16', allowClientUsers: false }]);
    expect(arr.status).toBe(200);
    const list = await admin('GET', '/instances');
    expect(list.body.instances.map((i: { id: string }) => i.id)).toEqual(
      expect.arrayContaining(['sag-raw', 'sag-adm-1', 'sag-adm-2', 'sag-adm-3', 'sag-adm-4']),
    );
    const state = await admin('GET', '/state');
    expect(state.body.regionId).toBe(REGION);
    const inst3 = state.body.instances.find((i: { id: string }) => i.id === 'sag-adm-3');
    expect(inst3.userCount).toBe(1);
    expect(inst3.users[0]).toMatchObject({ userName: 'adm@example.com', clientIp: '192.168.10.1', state: 0 });
  });

  it('refuses bad instances with 400, all or nothing', async () => {
    for (const bad of [
      { id: 'sag-raw' },
      { id: 'sag-x', cidr: '8.8.8.0/24' },
      { id: 'sag-x', cidr: '10.0.0.1/24' },
      { id: 'sag-x', userQuota: 0 },
      { id: 'sag-x', color: 'red' },
      { nope: true },
      [{ id: 'sag-y' }, { id: 'sag-y' }],
    ]) {
      const res = await admin('POST', '/instances', bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('InvalidInput');
    }
    expect((await admin('GET', '/instances')).body.instances.some((i: { id: string }) => i.id === 'sag-y')).toBe(false);
  });

  it('seeds and lists users', async () => {
    await admin('POST', '/instances', { id: 'sag-adm-users', cidr: '10.81.0.0/24' });
    const seeded = await admin('POST', '/users', { smartAGId: 'sag-adm-users', userName: 'seeded.admin', userMail: 'sa@example.com', bandwidth: 50, state: 1 });
    expect(seeded.status).toBe(200);
    expect(seeded.body.user).toMatchObject({ userName: 'seeded.admin', bandwidth: 50, state: 1, isStaticIp: false });
    const users = await admin('GET', '/users?smartAGId=sag-adm-users');
    expect(users.body.users.map((u: { userName: string }) => u.userName)).toEqual(['seeded.admin']);
    expect((await admin('GET', '/users?smartAGId=sag-none')).status).toBe(400);
    expect((await admin('POST', '/users', { smartAGId: 'sag-adm-users', userMail: 'sa@example.com', userName: 'seeded.admin' })).status).toBe(400);
  });

  it('resets to the initial instances', async () => {
    await admin('POST', '/instances', { id: 'sag-temp', cidr: '10.82.0.0/24' });
    const reset = await admin('POST', '/reset');
    expect(reset.body).toEqual({ reset: true });
    const ids = (await admin('GET', '/instances')).body.instances.map((i: { id: string }) => i.id);
    expect(ids).toEqual(['sag-raw']);
    expect(emu.listUsers('sag-raw').map((u) => u.userName)).toEqual(['seeded.user']);
    await stillServes();
  });
});
