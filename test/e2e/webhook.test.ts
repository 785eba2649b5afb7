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

  it('400 with a problem document listing every field error', async () => {
    const r = await postSigned(stack, { type: 'employee.joined', timestamp: 'yesterday', data: { employeeId: '', email: 'nope', name: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, title: 'Invalid payload' });
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['timestamp']));
    const r2 = await postSigned(stack, { type: 'employee.joined', timestamp: '2026-11-23T08:00:00Z', data: { employeeId: '', email: 'nope', name: 'x' } });
    expect(r2.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['data.employeeId', 'data.email', 'data.office']));
    expect(depth()).toBe(before);
  });

  it('401 for missing, wrong and stale signatures, saying nothing more', async () => {
    const good = signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, join('W2', 'w2@example.com'));
    const noSig = { ...good.headers };
    delete (noSig as Record<string, string>)['webhook-signature'];
    expect((await send(noSig, good.body)).status).toBe(401);
    const wrong = signedGenericRequest(url, 'whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==', join('W2', 'w2@example.com'));
    expect((await send(wrong.headers, wrong.body)).status).toBe(401);
    const stale = signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, join('W2', 'w2@example.com'), Date.now() - 10 * 60_000);
    const r = await send(stale.headers, stale.body);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401 });
    const tampered = await send(good.headers, good.body.replace('w2@', 'w3@'));
    expect(tampered.status).toBe(401);
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
    const r = await send({ 'content-type': 'text/plain', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(LOCAL_WEBHOOK_SECRET, id, ts, body) }, body);
    expect(r.status).toBe(415);
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

  it('202 and nothing enqueued for an unknown event type', async () => {
    const r = await postSigned(stack, { type: 'employee.promoted', timestamp: '2026-11-23T08:00:00Z', data: {} });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ status: 'ignored', type: 'employee.promoted' });
    expect(depth()).toBe(before);
  });

  it('never answers 5xx to garbage', async () => {
    const bodies = ['', 'null', '[]', '{"type":1}', '\u0000\u0001', 'a'.repeat(1000), '{"type":"employee.joined","timestamp":"2026-11-23T08:00:00Z","data":null}'];
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
