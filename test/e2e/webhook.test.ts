/**
 * The webhook's answer table over real HTTP on the local stack: each refusal gets the right 4xx and enqueues
 * nothing; acceptance is only answered once the event is on the queue.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRET, startStack, type Stack } from '../../local/stack.js';
import { signedGenericRequest } from '../../local/sample.js';
import { join, postSigned } from '../helpers/stack.js';

let stack: Stack;
let url: string;
// Workers are not needed here: their queues are inspected directly. A huge time window keeps messages in place.
beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'warn' } });
  await Promise.all(Object.values(stack.runners).map((r) => r.stop()));
  url = `${stack.webhookUrl}/webhooks/generic`;
});
afterAll(async () => stack?.stop());

const depth = () => ['hr-join', 'hr-transfer', 'hr-dead-letter'].reduce((n, q) => n + stack.mns.queueDepth(q), 0);
let before = 0;
beforeEach(() => {
  before = depth();
});

async function send(headers: Record<string, string>, body: string | Buffer, method = 'POST', path = url) {
  const res = await fetch(path, { method, headers, body: method === 'GET' ? undefined : body });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), headers: res.headers };
}

describe('webhook answers', () => {
  it('202 with the event id once enqueued', async () => {
    const r = await postSigned(stack, join('W1', 'w1@example.com'));
    expect(r.status).toBe(202);
    expect(r.body.eventId).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(depth()).toBe(before + 1);
  });

  it('400 with an RFC 9457 problem document listing every field error, envelope and data together', async () => {
    const r = await postSigned(stack, { type: 'employee.joined', timestamp: 'yesterday', data: { employeeId: '', email: 'nope', name: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ type: 'about:blank', status: 400, title: 'Bad Request', detail: 'the payload is invalid' });
    // A bad timestamp does not hide the data.* errors.
    expect(r.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['data.email', 'data.employeeId', 'data.office', 'timestamp']);
    const r2 = await postSigned(stack, {
      type: 'employee.transferred',
      timestamp: 1,
      data: { employeeId: 'E', email: 'e@example.com', name: 'E', from: {}, to: { office: '' } },
    });
    expect(r2.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['data.from', 'data.to.office', 'timestamp']);
    expect(depth()).toBe(before);
  });

  it('401 for missing, wrong and stale signatures, with a short reason that gives nothing away', async () => {
    const good = signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, join('W2', 'w2@example.com'));
    const noSig = { ...good.headers };
    delete (noSig as Record<string, string>)['webhook-signature'];
    const reasons: string[] = [];
    const refuse = async (headers: Record<string, string>, body: string) => {
      const r = await send(headers, body);
      expect(r.status, r.body).toBe(401);
      expect(r.type).toBe('application/problem+json; charset=utf-8');
      const doc = JSON.parse(r.body);
      expect(Object.keys(doc).sort()).toEqual(['detail', 'status', 'title', 'type']);
      expect(doc).toMatchObject({ type: 'about:blank', title: 'Unauthorized', status: 401 });
      reasons.push(doc.detail);
      return r.body;
    };
    await refuse(noSig, good.body);
    const wrong = signedGenericRequest(url, 'whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==', join('W2', 'w2@example.com'));
    await refuse(wrong.headers, wrong.body);
    const stale = signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, join('W2', 'w2@example.com'), Date.now() - 10 * 60_000);
    await refuse(stale.headers, stale.body);
    const tamperedBody = good.body.replace('w2@', 'w3@');
    const answer = await refuse(good.headers, tamperedBody);
    expect(reasons).toEqual([
      'missing webhook-signature',
      'no webhook-signature entry matches',
      'webhook-timestamp outside the 5-minute replay window',
      'no webhook-signature entry matches',
    ]);
    // The signature the tampered body would need appears nowhere in the answer.
    const expected = signedGenericRequest(
      url,
      LOCAL_WEBHOOK_SECRET,
      JSON.parse(tamperedBody),
      Number(good.headers['webhook-timestamp']) * 1000,
      good.headers['webhook-id'],
    ).headers['webhook-signature'] as string;
    expect(answer).not.toContain(expected.slice(3, 20));
    expect(depth()).toBe(before);
  });

  it('409 for the same signed delivery replayed, 202 duplicate for a re-signed retry; each enqueued once', async () => {
    const req = signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, join('W4', 'w4@example.com'), Date.now(), 'msg_replay');
    expect((await send(req.headers, req.body)).status).toBe(202);
    const replay = await send(req.headers, req.body);
    expect(replay.status).toBe(409);
    const retry = signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, join('W4', 'w4@example.com'), Date.now() + 1000, 'msg_replay');
    const r = await send(retry.headers, retry.body);
    expect(r.status).toBe(202);
    expect(JSON.parse(r.body).action).toBe('duplicate');
    expect(depth()).toBe(before + 1);
  });

  it('413 for a body over 256 KB, before any verification', async () => {
    const big = JSON.stringify({ type: 'employee.joined', pad: 'x'.repeat(300 * 1024) });
    const req = signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, JSON.parse(big));
    expect((await send(req.headers, req.body)).status).toBe(413);
    expect((await send({ 'content-type': 'application/json' }, big)).status).toBe(413);
    expect(depth()).toBe(before);
  });

  it('415 for a signed body that is not JSON', async () => {
    const id = 'msg_notjson';
    const ts = Math.floor(Date.now() / 1000);
    const { signStandardWebhook } = await import('../../shared/hr/standard-webhooks.js');
    const body = 'employee=joined';
    const r = await send(
      {
        'content-type': 'text/plain',
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': signStandardWebhook(LOCAL_WEBHOOK_SECRET, id, ts, body),
      },
      body,
    );
    expect(r.status).toBe(415);
    expect(JSON.parse(r.body)).toMatchObject({ type: 'about:blank', title: 'Unsupported Media Type', status: 415 });
    expect(depth()).toBe(before);
  });

  it('405 with Allow for other methods, 404 for unknown sources and paths', async () => {
    const r = await send({}, '', 'GET');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect((await send({}, '{}', 'POST', `${stack.webhookUrl}/webhooks/nope`)).status).toBe(404);
    expect((await send({}, '{}', 'POST', `${stack.webhookUrl}/`)).status).toBe(404);
    expect(depth()).toBe(before);
  });

  it('4xx for malformed percent-encodings in the path, sent raw over the wire', async () => {
    const { request } = await import('node:http');
    const raw = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(stack.webhookUrl);
        const req = request({ host: u.hostname, port: u.port, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{}');
      });
    for (const path of [
      '/webhooks/%E0',
      '/webhooks/%C0%AF',
      '/webhooks/%zz',
      '/webhooks/generic%',
      '/webhooks/%',
      '/%E0%80%80/webhooks/generic',
      '/webhooks/gen%65ric%FF',
    ]) {
      const status = await raw(path);
      expect(status, path).toBeGreaterThanOrEqual(400);
      expect(status, path).toBeLessThan(500);
    }
    // A valid encoding of the generic path reaches the generic source (401: unsigned).
    expect(await raw('/webhooks/gen%65ric')).toBe(401);
    expect(depth()).toBe(before);
  });

  it('GET /health answers 200 with the version, and HEAD alike', async () => {
    const r = await send({}, '', 'GET', `${stack.webhookUrl}/health`);
    expect(r.status).toBe(200);
    const { version } = JSON.parse(await (await import('node:fs/promises')).readFile('package.json', 'utf8'));
    expect(JSON.parse(r.body)).toEqual({ status: 'ok', version });
    const head = await fetch(`${stack.webhookUrl}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await send({}, '{}', 'POST', `${stack.webhookUrl}/health`)).status).toBe(405);
  });

  it('202 and nothing enqueued for an unknown event type', async () => {
    const r = await postSigned(stack, { type: 'employee.promoted', timestamp: '2026-11-23T08:00:00Z', data: {} });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ status: 'ignored', type: 'employee.promoted' });
    expect(depth()).toBe(before);
  });

  it('never answers 5xx to garbage', async () => {
    const bodies = [
      '',
      'null',
      '[]',
      '{"type":1}',
      '\u0000\u0001',
      'a'.repeat(1000),
      '{"type":"employee.joined","timestamp":"2026-11-23T08:00:00Z","data":null}',
    ];
    for (const b of bodies) {
      for (const headers of [{}, signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, {}).headers]) {
        const r = await send(headers, b);
        expect(r.status, b).toBeGreaterThanOrEqual(400);
        expect(r.status, b).toBeLessThan(500);
      }
    }
    expect(depth()).toBe(before);
  });
});
