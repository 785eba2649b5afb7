/**
 * Signature V3 (ACS3-HMAC-SHA256) on the POP RPC layer, with the official generated-SDK cores as the signers:
 * `@alicloud/openapi-client` and `@alicloud/openapi-core` (what `@alicloud/smartag20180313`-style Tea SDKs call),
 * driving the SAG emulator and the MNS emulator's mns-open API over loopback. Refusals that no honest client
 * produces (a replayed nonce, a required header left unsigned, a body changed after signing) are made from a
 * request the official client signed, captured by a recording server and replayed by hand.
 */
import http from 'node:http';
import OpenApiClientModule, * as $OpenApi from '@alicloud/openapi-client';
import OpenApiCoreModule, * as $Core from '@alicloud/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../emulators/common/http.js';
import { startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { startSagEmulator, type SagEmulator } from '../../emulators/sag/index.js';

const REGION = 'cn-shanghai';
const SAG_VERSION = '2018-03-13';

// Both packages are CommonJS with `exports.default = Client`.
const OpenApiClient = ((OpenApiClientModule as unknown as { default?: unknown }).default ?? OpenApiClientModule) as typeof OpenApiClientModule;
const OpenApiCore = ((OpenApiCoreModule as unknown as { default?: unknown }).default ?? OpenApiCoreModule) as typeof OpenApiCoreModule;

interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** What a generated Tea SDK passes for one RPC action (style RPC, form body, JSON answer). */
function rpcParams(action: string, version: string): Record<string, string> {
  return { action, version, protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' };
}

/** `@alicloud/openapi-client`'s callApi, as the generated SDKs built on it call it. */
async function callWithClient(
  port: number,
  creds: Credentials,
  action: string,
  query: Record<string, unknown>,
  version = SAG_VERSION,
): Promise<Record<string, any>> {
  const client = new OpenApiClient(new $OpenApi.Config({ ...creds, endpoint: `127.0.0.1:${port}`, protocol: 'http', regionId: REGION }));
  const res = await client.callApi(new $OpenApi.Params(rpcParams(action, version)), new $OpenApi.OpenApiRequest({ query }), {} as never);
  return res.body as Record<string, any>;
}

/** `@alicloud/openapi-core`'s callApi (the newer generated SDKs), with a form body instead of a query. */
async function callWithCore(
  port: number,
  creds: Credentials,
  action: string,
  body: Record<string, unknown>,
  version = SAG_VERSION,
): Promise<Record<string, any>> {
  const client = new OpenApiCore(new $Core.$OpenApiUtil.Config({ ...creds, endpoint: `127.0.0.1:${port}`, protocol: 'http', regionId: REGION }));
  const res = await client.callApi(new $Core.$OpenApiUtil.Params(rpcParams(action, version)), new $Core.$OpenApiUtil.OpenApiRequest({ body }), {} as never);
  return res.body as Record<string, any>;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; statusCode?: number; retryAfter?: number; data: Record<string, any> }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the call should have failed').toBeDefined();
  return err as never;
}

// ---- a recording server: what the official client sends, to replay it by hand -------------------------------

interface Captured {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

async function capture(send: (port: number) => Promise<unknown>): Promise<Captured> {
  let got: Captured | undefined;
  const server: RunningServer = await listen(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got = { method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...(req.headers as Record<string, string>) }, body: Buffer.concat(chunks) };
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"RequestId":"captured"}');
      });
    }),
    '127.0.0.1',
    0,
  );
  try {
    await send(server.port);
  } finally {
    await server.close();
  }
  if (!got) throw new Error('nothing captured');
  return got;
}

/** Sends a captured request to `port` byte for byte (the signed `host` header included). */
function replay(port: number, c: Captured, change: Partial<Captured> = {}): Promise<{ status: number; body: Record<string, any> }> {
  const r = { ...c, ...change };
  const { 'transfer-encoding': _chunked, ...headers } = r.headers;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: r.method, path: r.url, headers: { ...headers, 'content-length': String(r.body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (x: Buffer) => chunks.push(x));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

// ---- the SAG emulator -----------------------------------------------------------------------------------------

describe('signature V3 on the SAG emulator', () => {
  let sag: SagEmulator;
  let skewMs = 0;
  const creds: Credentials = { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' };

  beforeAll(async () => {
    sag = await startSagEmulator({
      region: REGION,
      credentials: [creds, { accessKeyId: 'STS.v3', accessKeySecret: 'sts-secret', securityToken: 'token-1' }],
      instances: [{ id: 'sag-v3', cidr: '10.90.0.0/24' }],
      now: () => Date.now() + skewMs,
    });
  });
  afterAll(async () => {
    await sag.close();
  });

  it('serves openapi-client (query) and openapi-core (form body) calls, success and business errors', async () => {
    const created = await callWithClient(sag.port, creds, 'CreateSmartAccessGatewayClientUser', {
      RegionId: REGION,
      SmartAGId: 'sag-v3',
      UserMail: "o'neil+v3@example.com",
      Bandwidth: 100,
    });
    expect(created.UserName).toBe("o'neil+v3@example.com");
    expect(created.Code).toBeUndefined();
    const listed = await callWithCore(sag.port, creds, 'DescribeSmartAccessGatewayClientUsers', {
      RegionId: REGION,
      SmartAGId: 'sag-v3',
      UserMail: "o'neil+v3@example.com",
    });
    expect(listed.TotalCount).toBe(1);
    expect(listed.Users.User[0].State).toBe(0);
    const dup = await failure(
      callWithClient(sag.port, creds, 'CreateSmartAccessGatewayClientUser', {
        RegionId: REGION,
        SmartAGId: 'sag-v3',
        UserMail: "o'neil+v3@example.com",
        Bandwidth: 100,
      }),
    );
    expect(dup.code).toBe('ClientUser.UserExist');
    expect(dup.data.statusCode).toBe(400);
    const missing = await failure(callWithCore(sag.port, creds, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-nope' }));
    expect(missing.code).toBe('SAG.InstanceNoFound');
    expect(missing.statusCode).toBe(400);
    expect(sag.listUsers('sag-v3')).toHaveLength(1);
  });

  it('refuses a wrong secret, an unknown AccessKey, an unknown action and a wrong version', async () => {
    const bad = await failure(
      callWithClient(sag.port, { ...creds, accessKeySecret: 'wrong' }, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-v3' }),
    );
    expect(bad.code).toBe('SignatureDoesNotMatch');
    expect(bad.data.Message).toMatch(/server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
    const unknown = await failure(
      callWithCore(sag.port, { accessKeyId: 'nobody', accessKeySecret: 'x' }, 'DescribeSmartAccessGatewayClientUsers', {
        RegionId: REGION,
        SmartAGId: 'sag-v3',
      }),
    );
    expect([unknown.code, unknown.statusCode]).toEqual(['InvalidAccessKeyId.NotFound', 404]);
    const action = await failure(callWithClient(sag.port, creds, 'DescribeNothing', {}));
    expect([action.code, action.data.statusCode]).toEqual(['InvalidAction.NotFound', 404]);
    const version = await failure(callWithClient(sag.port, creds, 'DescribeSmartAccessGatewayClientUsers', {}, '2017-01-01'));
    expect(version.code).toBe('InvalidVersion');
  });

  it('accepts an STS token in x-acs-security-token and refuses a wrong one', async () => {
    const sts = { accessKeyId: 'STS.v3', accessKeySecret: 'sts-secret', securityToken: 'token-1' };
    const ok = await callWithCore(sag.port, sts, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-v3' });
    expect(ok.TotalCount).toBe(1);
    const wrong = await failure(
      callWithCore(sag.port, { ...sts, securityToken: 'token-2' }, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-v3' }),
    );
    expect(wrong.code).toBe('InvalidSecurityToken.Malformed');
  });

  it('refuses a stale x-acs-date (emulator clock 16 minutes ahead)', async () => {
    skewMs = 16 * 60_000;
    try {
      const stale = await failure(callWithClient(sag.port, creds, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-v3' }));
      expect(stale.code).toBe('InvalidTimeStamp.Expired');
    } finally {
      skewMs = 0;
    }
  });

  it('refuses a replayed nonce, an unsigned required header, and a body or query changed after signing', async () => {
    const signed = await capture((port) => callWithCore(port, creds, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-v3' }));
    expect(signed.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=local-ak,SignedHeaders=[a-z0-9;-]+,Signature=[0-9a-f]{64}$/);
    expect(signed.headers['x-acs-action']).toBe('DescribeSmartAccessGatewayClientUsers');
    const changedBody = await replay(sag.port, signed, { body: Buffer.from(signed.body.toString('utf8').replace('sag-v3', 'sag-v4')) });
    expect([changedBody.status, changedBody.body.Code]).toEqual([400, 'SignatureDoesNotMatch']);
    const changedQuery = await replay(sag.port, signed, { url: `${signed.url}${signed.url.includes('?') ? '&' : '?'}PageSize=50` });
    expect(changedQuery.body.Code).toBe('SignatureDoesNotMatch');
    const unsignedDate = signed.headers.authorization?.replace('x-acs-date;', '') as string;
    const unsigned = await replay(sag.port, signed, { headers: { ...signed.headers, authorization: unsignedDate } });
    expect([unsigned.status, unsigned.body.Code]).toEqual([400, 'IncompleteSignature']);
    expect(unsigned.body.Message).toContain('"x-acs-date" is not signed');
    const sm3 = await replay(sag.port, signed, {
      headers: { ...signed.headers, authorization: (signed.headers.authorization as string).replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3') },
    });
    expect([sm3.body.Code, sm3.body.Message]).toEqual(['IncompleteSignature', expect.stringContaining('ACS3-HMAC-SM3 is not supported')]);
    const garbled = await replay(sag.port, signed, { headers: { ...signed.headers, authorization: 'ACS3-HMAC-SHA256 Credential=local-ak' } });
    expect(garbled.body.Code).toBe('IncompleteSignature');
    const { 'x-acs-signature-nonce': _nonce, ...noNonce } = signed.headers;
    expect((await replay(sag.port, signed, { headers: noNonce })).body.Code).toBe('MissingParameter');
    const first = await replay(sag.port, signed);
    expect([first.status, first.body.TotalCount]).toEqual([200, 1]);
    const again = await replay(sag.port, signed);
    expect([again.status, again.body.Code]).toEqual([400, 'SignatureNonceUsed']);
  });

  it('sends x-acs-retry-after on throttling only when configured; openapi-core reads it as retryAfter', async () => {
    sag.faults.add({ action: 'DescribeSmartAccessGatewayClientUsers', code: 'Throttling.User', httpStatus: 429, count: 2 });
    try {
      const plain = await failure(callWithCore(sag.port, creds, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-v3' }));
      expect([plain.code, plain.statusCode, plain.retryAfter]).toEqual(['Throttling.User', 429, undefined]);
      sag.setRetryAfterMs(1500);
      const hinted = await failure(callWithCore(sag.port, creds, 'DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-v3' }));
      expect([hinted.code, hinted.retryAfter]).toEqual(['Throttling.User', 1500]);
    } finally {
      sag.setRetryAfterMs(undefined);
      sag.faults.clear();
    }
  });
});

// ---- the MNS emulator's mns-open API --------------------------------------------------------------------------

describe('signature V3 on mns-open (MNS emulator)', () => {
  let mns: MnsEmulator;
  const MNS_OPEN = '2022-01-19';

  beforeAll(async () => {
    mns = await startMnsEmulator({ region: REGION });
  });
  afterAll(async () => {
    await mns.close();
  });

  it('creates queues with a DlqPolicy and reads them back through openapi-core and openapi-client', async () => {
    const creds = { accessKeyId: mns.accessKeyId, accessKeySecret: mns.accessKeySecret };
    await callWithCore(mns.port, creds, 'CreateQueue', { QueueName: 'v3-dlq' }, MNS_OPEN);
    const policy = JSON.stringify({ Enabled: true, DeadLetterTargetQueue: 'v3-dlq', MaxReceiveCount: 3 });
    const created = await callWithClient(mns.port, creds, 'CreateQueue', { QueueName: 'v3-main', DlqPolicy: policy, VisibilityTimeout: 60 }, MNS_OPEN);
    expect(created.Success).toBe(true);
    const got = await callWithCore(mns.port, creds, 'GetQueueAttributes', { QueueName: 'v3-main' }, MNS_OPEN);
    expect(got.Data.DlqPolicy).toEqual({ Enabled: true, DeadLetterTargetQueue: 'v3-dlq', MaxReceiveCount: 3 });
    expect(got.Data.VisibilityTimeout).toBe(60);
    const bad = await failure(callWithClient(mns.port, { ...creds, accessKeySecret: 'nope' }, 'GetQueueAttributes', { QueueName: 'v3-main' }, MNS_OPEN));
    expect(bad.code).toBe('SignatureDoesNotMatch');
  });
});
