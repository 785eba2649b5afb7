/**
 * Property tests of the webhook as a whole, every source on: whatever arrives — random bytes, random JSON, JSON
 * and XML bombs, tampered valid requests — the answer is a 4xx (never 5xx, never a throw) and nothing is enqueued.
 * The queue is a recording QueueSender so that thousands of cases run in a second; the same paths run over the
 * wire in test/e2e.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dingTalkRequest, feishuRequest, feishuUserCreated, LOCAL_SOURCES, weComContactXml, weComRequest } from '../../local/hr-samples.js';
import { signedGenericRequest, type SignedRequest } from '../../local/sample.js';
import type { QueueSender } from '../../shared/mns/queue.js';
import { createWebhookHandler } from '../../shared/webhook/webhook.js';
import { setLogSink } from '../../shared/logger.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const sent: unknown[] = [];
const recorder: QueueSender = {
  send: async (_q, m) => {
    sent.push(m);
    return { messageId: 'm' };
  },
};
const sites = { sites: [{ id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh1', bandwidthKbps: 2000, offices: ['Shanghai'] }] };
const handler = createWebhookHandler({
  env: {
    ...LOCAL_SOURCES,
    HR_WEBHOOK_SECRET: SECRET,
    SITES_JSON: JSON.stringify(sites),
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'a',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b',
    MNS_ACCOUNT_ID: '1',
  },
  queue: () => recorder,
});
setLogSink(() => undefined);

const SOURCES = ['generic', 'feishu', 'dingtalk', 'wecom'];
function event(path: string, method: string, body: Buffer, headers: Record<string, string>, query: Record<string, string> = {}) {
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: path,
      body: body.toString('base64'),
      isBase64Encoded: true,
      headers,
      queryParameters: query,
      requestContext: { http: { method, path } },
    }),
  );
}
function fromSigned(r: SignedRequest, path: string) {
  const u = new URL(r.url, 'http://h');
  return { body: Buffer.from(r.body), headers: r.headers, query: Object.fromEntries(u.searchParams), path };
}

async function expectRefused(ev: Buffer) {
  const before = sent.length;
  const res = await handler(ev, {});
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body).toBeLessThan(500);
  expect(sent.length).toBe(before);
}

describe('webhook under arbitrary input', () => {
  it('answers 4xx and enqueues nothing for random bytes, JSON and headers on every source', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SOURCES),
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
          fc.json().map((j) => Buffer.from(j)),
          fc.string().map((s) => Buffer.from(s)),
        ),
        fc.dictionary(
          fc.constantFrom(
            'webhook-id',
            'webhook-timestamp',
            'webhook-signature',
            'x-lark-signature',
            'x-lark-request-timestamp',
            'x-lark-request-nonce',
            'content-type',
          ),
          fc.string({ maxLength: 64 }),
        ),
        fc.dictionary(fc.constantFrom('msg_signature', 'signature', 'timestamp', 'timeStamp', 'nonce', 'echostr'), fc.string({ maxLength: 64 })),
        fc.constantFrom('POST', 'GET', 'PUT'),
        async (source, body, headers, query, method) => expectRefused(event(`/webhooks/${source}`, method, body, headers, query)),
      ),
      { numRuns: 600 },
    );
  });

  it('answers 4xx for tampered valid requests of every source (one byte of the signed part flipped)', async () => {
    // Fresh requests each run, so that a refusal is never just the replay guard.
    type Made = { body: Buffer; headers: Record<string, string>; query: Record<string, string>; path: string; signed: [number, number] };
    const whole = (v: ReturnType<typeof fromSigned>): Made => ({ ...v, signed: [0, v.body.length] });
    const makers: Array<() => Made> = [
      () =>
        whole(
          fromSigned(
            signedGenericRequest('/webhooks/generic', SECRET, {
              type: 'employee.joined',
              timestamp: '2026-11-23T08:00:00Z',
              data: { employeeId: 'E', name: 'E', email: 'e@example.com', office: 'Shanghai' },
            }),
            '/webhooks/generic',
          ),
        ),
      () =>
        whole(
          fromSigned(
            feishuRequest('/webhooks/feishu', feishuUserCreated({ user_id: 'u', name: 'U', email: 'u@example.com', city: 'Shanghai' })),
            '/webhooks/feishu',
          ),
        ),
      () => whole(fromSigned(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: [`d${Math.random()}`] }), '/webhooks/dingtalk')),
      () => {
        const v = fromSigned(weComRequest('/webhooks/wecom', weComContactXml('create_user', `w${Math.random()}`)), '/webhooks/wecom');
        const text = v.body.toString('latin1');
        const from = text.indexOf('<Encrypt><![CDATA[') + '<Encrypt><![CDATA['.length;
        return { ...v, signed: [from, text.indexOf(']]></Encrypt>')] };
      },
    ];
    // Sanity: untampered, each is accepted and enqueues.
    for (const make of makers) {
      const v = make();
      const before = sent.length;
      const res = await handler(event(v.path, 'POST', v.body, v.headers, v.query), {});
      expect(res.statusCode, `${v.path} ${res.body}`).toBeLessThan(300);
      expect(sent.length).toBe(before + 1);
    }
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: makers.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (k, pos, delta) => {
        const v = (makers[k] as () => Made)();
        const [from, to] = v.signed;
        const body = Buffer.from(v.body);
        const i = from + (pos % (to - from));
        body[i] = ((body[i] as number) + delta) % 256;
        await expectRefused(event(v.path, 'POST', body, v.headers, v.query));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses JSON and XML bombs fast', async () => {
    const deep = Buffer.from('['.repeat(120_000) + ']'.repeat(120_000));
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>`;
    for (const source of SOURCES) {
      const t0 = Date.now();
      await expectRefused(event(`/webhooks/${source}`, 'POST', deep, { 'content-type': 'application/json' }));
      await expectRefused(
        event(
          `/webhooks/${source}`,
          'POST',
          Buffer.from(lol),
          { 'content-type': 'text/xml' },
          { msg_signature: 'a', timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'n' },
        ),
      );
      expect(Date.now() - t0).toBeLessThan(1000);
    }
  });

  it('spends a few milliseconds, not 0.4 s, on 256 KB of <Encrypt><![CDATA[ before authentication (issue: quadratic tag scan)', async () => {
    const body = Buffer.from('<Encrypt><![CDATA['.repeat(Math.floor((256 * 1024 - 64) / 18)));
    const query = { msg_signature: 'a'.repeat(40), timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'n' };
    let best = Infinity;
    for (let k = 0; k < 5; k++) {
      const ev = event('/webhooks/wecom', 'POST', body, { 'content-type': 'text/xml' }, query);
      const t0 = performance.now();
      await expectRefused(ev);
      best = Math.min(best, performance.now() - t0);
    }
    expect(best).toBeLessThan(5);
  });
});
