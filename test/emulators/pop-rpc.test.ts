/**
 * The generic POP RPC layer (emulators/common/pop-rpc.ts) with a made-up product, driven by the real pop-core
 * client and by hand-signed requests.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector } from '../../emulators/common/faults.js';
import { listen, type RunningServer } from '../../emulators/common/http.js';
import {
  NonceCache,
  PopRpcError,
  PopRpcProtocol,
  canonicalQuery,
  createPopRpcHandler,
  parseRpcParams,
  percentEncode,
  signRpc,
} from '../../emulators/common/pop-rpc.js';

const VERSION = '2022-01-19';

interface PopErr {
  name: string;
  code: string;
  data: { RequestId: string; HostId: string; Code: string; Message: string; Recommend: string };
  entry: { response: { statusCode: number } };
}

/** Independent tiny signer (not the module's), so that the verifier is not checked against itself. */
function handSigned(method: 'GET' | 'POST', params: Record<string, string>, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${enc(k)}=${enc(params[k] as string)}`)
    .join('&');
  const sig = crypto
    .createHmac('sha1', `${secret}&`)
    .update(`${method}&${enc('/')}&${enc(canonical)}`)
    .digest('base64');
  return `${canonical}&Signature=${enc(sig)}`;
}

function ts(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

describe('pop-rpc helpers', () => {
  it('percent-encodes like pop-core (RFC 3986)', () => {
    expect(percentEncode("a b!'()*~/+@")).toBe('a%20b%21%27%28%29%2A~%2F%2B%40');
    expect(canonicalQuery({ b: '2', a: '1', Signature: 'x' })).toBe('a=1&b=2');
  });

  it('signs the documentation sample (key testsecret&)', () => {
    const params: Record<string, string> = {
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      Format: 'XML',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      Timestamp: '2016-02-23T12:46:24Z',
      Version: '2014-05-26',
    };
    // The well-known ECS sample (same algorithm as smartag's).
    expect(signRpc('GET', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('parses query strings strictly', () => {
    const into: Record<string, string> = Object.create(null);
    parseRpcParams('a=1&b=x%20y+z&c&&d=', into, 'query string');
    expect({ ...into }).toEqual({ a: '1', b: 'x y z', c: '', d: '' });
    expect(() => parseRpcParams('e=%zz', {}, 'query string')).toThrow(PopRpcError);
    expect(() => parseRpcParams('e=%FF', {}, 'query string')).toThrow(/malformed/);
    expect(() => parseRpcParams('a=1&a=2', {}, 'request body')).toThrow(/more than once/);
    expect(() => parseRpcParams('=1', {}, 'request body')).toThrow(/empty name/);
  });

  it('forgets nonces after their time and bounds memory', () => {
    const cache = new NonceCache(1000, 3);
    expect(cache.use('a', 0)).toBe(true);
    expect(cache.use('a', 999)).toBe(false);
    expect(cache.use('a', 1000)).toBe(true); // expired, accepted again
    cache.use('b', 1001);
    cache.use('c', 1002);
    cache.use('d', 1003);
    expect(cache.size).toBe(3);
  });
});

describe('pop-rpc protocol over HTTP', () => {
  let server: RunningServer;
  let now = Date.now();
  const faults = new FaultInjector({ code: 'Throttling.User', httpStatus: 429, message: 'Request was denied due to user flow control.' });
  const protocol = new PopRpcProtocol({
    apiVersion: VERSION,
    hostId: 'mns-open.cn-shanghai.aliyuncs.com',
    actions: ['Echo', 'Boom'],
    credentials: [
      { accessKeyId: 'ak1', accessKeySecret: 'sk1' },
      { accessKeyId: 'STS.tmp', accessKeySecret: 'sk-sts', securityToken: 'tok-1' },
    ],
    product: 'Mns-open',
    now: () => now,
  });
  const handler = createPopRpcHandler({
    protocol,
    faults,
    dispatch: (r) => {
      if (r.action === 'Boom') throw new Error('kaboom');
      return { Echo: r.params.Value ?? null, Method: r.method, Code: 'ignored' };
    },
    admin: { state: () => ({}), reset: () => protocol.resetNonces() },
  });

  beforeAll(async () => {
    server = await listen(http.createServer(handler), '127.0.0.1', 0);
  });
  afterAll(async () => {
    await server.close();
  });

  const client = () => new RPCClient({ endpoint: `${server.url}/any/prefix`, apiVersion: VERSION, accessKeyId: 'ak1', accessKeySecret: 'sk1' });

  it('serves pop-core GET and POST; success bodies carry no Code', async () => {
    now = Date.now();
    const got = await client().request<Record<string, unknown>>('Echo', { Value: "x y!'()*~€" });
    expect({ ...got }).toMatchObject({ Echo: "x y!'()*~€", Method: 'GET' });
    expect(got.Code).toBeUndefined();
    expect(got.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const posted = await client().request<Record<string, unknown>>('Echo', { Value: 'p' }, { method: 'POST' });
    expect(posted.Method).toBe('POST');
  });

  it('accepts STS credentials with their token and refuses a wrong token', async () => {
    const sts = new RPCClient({ endpoint: server.url, apiVersion: VERSION, accessKeyId: 'STS.tmp', accessKeySecret: 'sk-sts', securityToken: 'tok-1' });
    await expect(sts.request('Echo', {})).resolves.toBeTruthy();
    const bad = new RPCClient({ endpoint: server.url, apiVersion: VERSION, accessKeyId: 'STS.tmp', accessKeySecret: 'sk-sts', securityToken: 'tok-2' });
    await expect(bad.request('Echo', {})).rejects.toMatchObject({ code: 'InvalidSecurityToken.Malformed' });
  });

  it('answers unexpected dispatch failures with InternalError 500', async () => {
    const err = (await client()
      .request('Boom', {})
      .catch((e: unknown) => e)) as PopErr;
    expect(err.code).toBe('InternalError');
    expect(err.entry.response.statusCode).toBe(500);
    expect(err.data.HostId).toBe('mns-open.cn-shanghai.aliyuncs.com');
    expect(err.data.Recommend).toContain('product=Mns-open');
  });

  it('rejects an expired timestamp using the injected clock', async () => {
    now = Date.now() + 16 * 60_000;
    const err = (await client()
      .request('Echo', {})
      .catch((e: unknown) => e)) as PopErr;
    expect(err.code).toBe('InvalidTimeStamp.Expired');
    now = Date.now();
  });

  it('detects a reused nonce and a wrong version by hand', async () => {
    now = Date.now();
    const params = {
      AccessKeyId: 'ak1',
      Action: 'Echo',
      Format: 'JSON',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: crypto.randomUUID(),
      SignatureVersion: '1.0',
      Timestamp: ts(),
      Version: VERSION,
    };
    const q = handSigned('GET', params, 'sk1');
    expect((await fetch(`${server.url}/?${q}`)).status).toBe(200);
    const again = await fetch(`${server.url}/?${q}`);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { Code: string }).Code).toBe('SignatureNonceUsed');
    const v = await fetch(`${server.url}/?${handSigned('GET', { ...params, SignatureNonce: 'n2', Version: '2018-03-13' }, 'sk1')}`);
    expect(((await v.json()) as { Code: string }).Code).toBe('InvalidVersion');
  });

  it('applies faults once per request after authentication', async () => {
    faults.add({ action: 'Echo', code: 'ServiceUnavailable', httpStatus: 503, count: 1 });
    const err = (await client()
      .request('Echo', {})
      .catch((e: unknown) => e)) as PopErr;
    expect(err.code).toBe('ServiceUnavailable');
    expect(err.data.Message).toBe('The request has failed due to a temporary failure of the server.');
    expect(err.entry.response.statusCode).toBe(503);
    await expect(client().request('Echo', {})).resolves.toBeTruthy();
    faults.clear();
  });
});
