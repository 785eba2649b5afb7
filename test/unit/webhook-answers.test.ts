/**
 * The webhook's answers that the wire-level tests (test/e2e/webhook.test.ts) do not reach easily: the health
 * check with a good and a broken configuration, the 401 reasons of every source, the log level of dead letters,
 * and the path handling of the FC event (encoded `rawPath`, decoded `requestContext.http.path`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dingTalkRequest, feishuRequest, feishuUserCreated, LOCAL_SOURCES, weComContactXml, weComRequest } from '../../local/hr-samples.js';
import { signedGenericRequest, type SignedRequest } from '../../local/sample.js';
import { setLogSink } from '../../shared/logger.js';
import type { QueueSender } from '../../shared/mns/queue.js';
import { decodePath, parseHttpEvent } from '../../shared/webhook/http-event.js';
import { MAX_JSON_DEPTH, MAX_JSON_MEMBERS, parseBoundedJson } from '../../shared/webhook/json-body.js';
import { ValidationError } from '../../shared/errors.js';
import { VERSION } from '../../shared/webhook/health.js';
import { createWebhookHandler } from '../../shared/webhook/webhook.js';
import pkg from '../../package.json';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SITES = JSON.stringify({ sites: [{ id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh1', bandwidthKbps: 2000, offices: ['Shanghai'] }] });
const ENV = {
  ...LOCAL_SOURCES,
  HR_WEBHOOK_SECRET: SECRET,
  SITES_JSON: SITES,
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'a',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b',
  MNS_ACCOUNT_ID: '1',
};
const sent: unknown[] = [];
const recorder: QueueSender = {
  send: async (_q, m) => {
    sent.push(m);
    return { messageId: 'm' };
  },
};
const logs: Array<Record<string, any>> = [];
const previousSink = setLogSink((l) => logs.push(JSON.parse(l)));
afterAll(() => setLogSink(previousSink));

function fcEvent(path: string, method = 'POST', body = '', headers: Record<string, string> = {}, query: Record<string, string> = {}) {
  return Buffer.from(
    JSON.stringify({ version: 'v1', rawPath: path, body, isBase64Encoded: false, headers, queryParameters: query, requestContext: { http: { method, path } } }),
  );
}
const fromSigned = (r: SignedRequest, path: string, drop: string[] = []) => {
  const u = new URL(r.url, 'http://h');
  const query = Object.fromEntries([...u.searchParams].filter(([k]) => !drop.includes(k)));
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => !drop.includes(k)));
  return fcEvent(path, 'POST', r.body, headers, query);
};

describe('GET /health', () => {
  it('answers 200 {status:"ok", version} without calling the queue', async () => {
    const handler = createWebhookHandler({ env: ENV, queue: () => ({ send: async () => Promise.reject(new Error('the health check must not send')) }) });
    const r = await handler(fcEvent('/health', 'GET'), {});
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ok', version: pkg.version });
    expect(VERSION).toBe(pkg.version);
    expect((await handler(fcEvent('/health', 'HEAD'), {})).body).toBe('');
    expect((await handler(fcEvent('/health/', 'GET'), {})).statusCode).toBe(200);
    const post = await handler(fcEvent('/health', 'POST'), {});
    expect([post.statusCode, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('answers 503 {status:"misconfigured"} when the configuration is invalid, revealing nothing of it', async () => {
    const handler = createWebhookHandler({ env: { HR_WEBHOOK_SECRET: 'not-a-whsec-secret' } });
    const r = await handler(fcEvent('/health', 'GET'), {});
    expect(r.statusCode).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ status: 'misconfigured', version: pkg.version });
    expect((await handler(fcEvent('/webhooks/generic'), {})).statusCode).toBe(503);
  });
});

describe('401 reasons', () => {
  const handler = createWebhookHandler({ env: ENV, queue: () => recorder });
  const detail = async (ev: Buffer) => {
    const r = await handler(ev, {});
    expect(r.statusCode, r.body).toBe(401);
    return JSON.parse(r.body).detail as string;
  };
  const join = { type: 'employee.joined', timestamp: '2026-11-23T08:00:00Z', data: { employeeId: 'E', name: 'E', email: 'e@example.com', office: 'Shanghai' } };

  it('name the missing header or query parameter', async () => {
    expect(await detail(fromSigned(signedGenericRequest('/', SECRET, join), '/webhooks/generic', ['webhook-id', 'webhook-timestamp']))).toBe(
      'missing webhook-id, webhook-timestamp',
    );
    expect(await detail(fromSigned(feishuRequest('/', feishuUserCreated({ user_id: 'u' })), '/webhooks/feishu', ['x-lark-request-nonce']))).toBe(
      'missing X-Lark-Request-Nonce',
    );
    expect(
      await detail(fromSigned(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: ['a'] }), '/webhooks/dingtalk', ['msg_signature'])),
    ).toBe('missing signature');
    expect(await detail(fromSigned(weComRequest('/webhooks/wecom', weComContactXml('create_user', 'w')), '/webhooks/wecom', ['nonce']))).toBe('missing nonce');
  });

  it('say the timestamp is outside the 5-minute window, or the signature does not match', async () => {
    const old = Date.now() - 6 * 60_000;
    expect(await detail(fromSigned(signedGenericRequest('/', SECRET, join, old), '/webhooks/generic'))).toBe(
      'webhook-timestamp outside the 5-minute replay window',
    );
    expect(await detail(fromSigned(feishuRequest('/', feishuUserCreated({ user_id: 'u' }), LOCAL_SOURCES, old), '/webhooks/feishu'))).toBe(
      'X-Lark-Request-Timestamp outside the 5-minute replay window',
    );
    expect(await detail(fromSigned(dingTalkRequest('/', { EventType: 'x' }, LOCAL_SOURCES, old), '/webhooks/dingtalk'))).toBe(
      'timestamp outside the 5-minute replay window',
    );
    const w = weComRequest('/', weComContactXml('create_user', 'w'));
    expect(await detail(fromSigned({ ...w, url: w.url.replace(/msg_signature=[0-9a-f]{2}/, 'msg_signature=00') }, '/webhooks/wecom'))).toBe(
      'the signature does not match',
    );
    expect(sent).toEqual([]);
  });
});

describe('dead letters at the webhook', () => {
  it('are logged at warn, like the workers log theirs', async () => {
    const handler = createWebhookHandler({ env: ENV, queue: () => recorder });
    const r = await handler(
      fromSigned(
        signedGenericRequest('/', SECRET, {
          type: 'employee.joined',
          timestamp: '2026-11-23T08:00:00Z',
          data: { employeeId: 'E9', name: 'E', email: 'e9@example.com', office: 'Atlantis' },
        }),
        '/webhooks/generic',
      ),
      {},
    );
    expect(r.statusCode).toBe(202);
    expect(JSON.parse(r.body).action).toBe('dead-lettered');
    expect(logs.filter((l) => l.msg === 'accepted' && l.employeeId === 'E9')).toEqual([
      expect.objectContaining({ level: 'warn', reason: 'site.unmapped', action: 'dead-lettered' }),
    ]);
  });
});

describe('paths of the FC event', () => {
  const path = (rawPath: string, decoded?: string) =>
    parseHttpEvent({ rawPath, requestContext: { http: { method: 'POST', ...(decoded === undefined ? {} : { path: decoded }) } } }).path;

  it('decode rawPath leniently when the decoded path is absent, and never throw', () => {
    expect(path('/webhooks/gen%65ric')).toBe('/webhooks/generic');
    for (const raw of ['/webhooks/%E0', '/webhooks/%C0%AF', '/webhooks/%zz', '/webhooks/generic%', '/%', '/%E0%A4%A']) expect(path(raw)).toBe(raw);
    expect(decodePath('/a%20b/%E4%B8%AD%E0')).toBe('/a b/%E4%B8%AD%E0');
    expect(path('/webhooks/generic///', '/webhooks/generic///')).toBe('/webhooks/generic');
    expect(path('', '')).toBe('/');
  });

  it('trim trailing slashes in linear time (no backtracking on a run of slashes)', () => {
    const slashes = `${'/'.repeat(200_000)}x`;
    const t0 = performance.now();
    expect(path(slashes, slashes)).toBe(slashes);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('route a malformed encoding to 404, whatever FC passes as the decoded path', async () => {
    const handler = createWebhookHandler({ env: ENV, queue: () => recorder });
    for (const [raw, decoded] of [
      ['/webhooks/%E0', '/webhooks/%E0'],
      ['/webhooks/%E0', '/webhooks/\uFFFD'],
      ['/webhooks/generic%', undefined],
      ['/webhooks/%C0%AF', undefined],
    ] as const) {
      const ev = Buffer.from(JSON.stringify({ rawPath: raw, body: '{}', requestContext: { http: { method: 'POST', ...(decoded ? { path: decoded } : {}) } } }));
      expect((await handler(ev, {})).statusCode, `${raw} ${decoded}`).toBe(404);
    }
  });
});

describe('JSON bodies before authentication', () => {
  it('are refused past the nesting and member bounds, brackets and commas inside strings not counting', () => {
    expect(parseBoundedJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBeInstanceOf(Array);
    expect(() => parseBoundedJson(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toThrow(ValidationError);
    expect(parseBoundedJson(JSON.stringify({ s: `[{,:"\\${'['.repeat(500)}${',:'.repeat(5000)}` }))).toHaveProperty('s');
    expect(() => parseBoundedJson(JSON.stringify(Array.from({ length: MAX_JSON_MEMBERS + 2 }, (_, i) => i)))).toThrow(ValidationError);
    expect(() => parseBoundedJson('{"a":')).toThrow(SyntaxError);
    expect(Object.getPrototypeOf(parseBoundedJson('{"__proto__":{"polluted":1}}'))).toBe(Object.prototype);
  });

  it('answer 400 on Feishu and DingTalk, which parse before verifying, and 415 for non-JSON', async () => {
    const handler = createWebhookHandler({ env: ENV, queue: () => recorder });
    const before = sent.length;
    for (const source of ['feishu', 'dingtalk', 'generic']) {
      const deep = await handler(fcEvent(`/webhooks/${source}`, 'POST', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, {}, {}), {});
      expect(deep.statusCode, `${source} ${deep.body}`).toBe(source === 'generic' ? 401 : 400);
      const many = await handler(fcEvent(`/webhooks/${source}`, 'POST', `{${Array.from({ length: 15_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`), {});
      expect(many.statusCode, source).toBe(source === 'generic' ? 401 : 400);
      if (source !== 'generic') expect((await handler(fcEvent(`/webhooks/${source}`, 'POST', '<xml/>'), {})).statusCode).toBe(415);
    }
    expect(sent.length).toBe(before);
  });
});
