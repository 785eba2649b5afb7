/**
 * The join path end to end: signed webhook → MNS emulator → trigger runner → join worker → SAG emulator, with the
 * real SDKs over loopback.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { MNS_SEND_RETRY } from '../../shared/mns/queue.js';
import { addFault, captureLogs, clearFaults, join, postSigned, sagUsers } from '../helpers/stack.js';

const SH = 'sag-shhq0000000001';
let stack: Stack;
const crash = { armed: false, crashedBatch: 0 };
const logs = captureLogs();

beforeAll(async () => {
  stack = await startStack({
    // A short SAG timeout so that "timed out but applied" can be provoked quickly.
    env: { RETRY_MAX_ATTEMPTS: '4', SAG_TIMEOUT_MS: '1500', LOG_LEVEL: 'info' },
    // Crash injection: when armed, the join worker handles only the first half of a batch, then "crashes".
    wrap: (name, handler) => async (event, context) => {
      const batch = JSON.parse(event.toString('utf8')) as unknown[];
      if (name === 'join-worker' && crash.armed && batch.length >= 2) {
        crash.armed = false;
        crash.crashedBatch = batch.length;
        await handler(Buffer.from(JSON.stringify(batch.slice(0, Math.ceil(batch.length / 2)))), context);
        throw new Error('instance crashed mid-batch');
      }
      return handler(event, context);
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});
beforeEach(async () => {
  await clearFaults(stack.sag.url);
  await clearFaults(stack.mns.url);
  await stack.drainDeadLetters();
});

describe('join path', () => {
  it('creates the account on the office site and logs one outcome line with masked email', async () => {
    const res = await postSigned(stack, join('E1', 'e1.person@example.com'));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'accepted', action: 'join', eventId: expect.stringMatching(/^evt_/) });
    await stack.waitForIdle();
    expect(sagUsers(stack, SH)).toContainEqual({ userName: 'e1.person@example.com', userMail: 'e1.person@example.com' });
    const line = logs.lines.find((l) => l.msg === 'outcome' && l.eventId === res.body.eventId);
    expect(line).toMatchObject({ fn: 'join-worker', action: 'create-user', result: 'done', attempts: 1, employeeId: 'E1', sagRequestId: expect.any(String) });
    expect(JSON.stringify(logs.lines)).not.toContain('e1.person@example.com');
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('gives one user for duplicate and concurrent duplicate deliveries', async () => {
    const payload = join('E2', 'e2@example.com', 'Hangzhou');
    // The same HR event twice (an HR retry with a new timestamp): acknowledged, enqueued once.
    const first = await postSigned(stack, payload, { id: 'msg_dup_1' });
    const again = await postSigned(stack, payload, { id: 'msg_dup_1', now: Date.now() + 1000 });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.action).toBe('duplicate');
    // Distinct HR events for the same employee, all at once: the worker reconciles the losers.
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => postSigned(stack, payload, { id: `msg_dup_c${i}` })));
    expect(burst.every((r) => r.status === 202)).toBe(true);
    await stack.waitForIdle();
    expect(sagUsers(stack, 'sag-hzrd0000000002').filter((u) => u.userMail === 'e2@example.com')).toHaveLength(1);
    const outcomes = logs.lines.filter((l) => l.msg === 'outcome' && l.employeeId === 'E2').map((l) => l.result);
    expect(outcomes.filter((r) => r === 'done')).toHaveLength(1);
    expect(outcomes.filter((r) => r === 'already-done')).toHaveLength(6);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('recovers from a burst of injected throttling with no dead letters', async () => {
    await addFault(stack.sag.url, { action: 'CreateSmartAccessGatewayClientUser', code: 'Throttling.User', httpStatus: 429, count: 25 });
    const res = await Promise.all(Array.from({ length: 10 }, (_, i) => postSigned(stack, join(`T${i}`, `t${i}@example.com`))));
    expect(res.every((r) => r.status === 202)).toBe(true);
    await stack.waitForIdle(30_000);
    const users = sagUsers(stack, SH).map((u) => u.userMail);
    for (let i = 0; i < 10; i++) expect(users).toContain(`t${i}@example.com`);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('reconciles a create that timed out but did succeed, without a second account', async () => {
    // The emulator applies the call, then holds the answer past the worker's SAG timeout (1.5 s here).
    await addFault(stack.sag.url, { action: 'CreateSmartAccessGatewayClientUser', delayAfterMs: 2500, count: 1 });
    const res = await postSigned(stack, join('TO1', 'to1@example.com'));
    expect(res.status).toBe(202);
    await stack.waitForIdle();
    const outcome = logs.lines.find((l) => l.msg === 'outcome' && l.employeeId === 'TO1');
    expect(outcome).toMatchObject({ result: 'done', detail: 'reconciled after RequestTimeout' });
    expect(sagUsers(stack, SH).filter((u) => u.userMail === 'to1@example.com')).toHaveLength(1);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  // SAG.InstanceNoFound for an instance the directory names is systemic (the instance's breaker pauses the
  // site instead): test/e2e/flow-control.test.ts.
  it.each([
    ['ClientUser.UserOverLimit', 400],
    ['ClientUser.BandwidthInvalid', 400],
    ['ClientUser.EmailInvalid', 400],
    ['ClientUser.NameInvalid', 400],
    ['SAG.CidrEmpty', 400],
    ['ClientUser.InvalidClientIp', 400],
    ['ClientUser.NotSupportAction', 400],
  ])('dead-letters permanent code %s at once with its reason', async (code, httpStatus) => {
    await addFault(stack.sag.url, { action: 'CreateSmartAccessGatewayClientUser', code, httpStatus, count: 1 });
    const res = await postSigned(stack, join(`P-${code}`, `p.${code.toLowerCase().replace(/[^a-z]/g, '')}@example.com`));
    expect(res.status).toBe(202);
    await stack.waitForIdle();
    const dl = (await stack.drainDeadLetters()) as any[];
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({
      schema: 'hr-sag-sync.dead-letter/1',
      reason: `sag.${code}`,
      retryable: false,
      attempts: 1,
      function: 'join-worker',
      sourceQueue: 'hr-join',
      sagRequestId: expect.any(String),
      event: { id: res.body.eventId, type: 'employee.joined', employee: { id: `P-${code}` } },
    });
  });

  it('absorbs a transient queue send failure by retrying the send: 202 at once', async () => {
    await addFault(stack.mns.url, { action: 'SendMessage', queue: 'hr-join', code: 'InternalError', httpStatus: 500, count: MNS_SEND_RETRY.tries - 1 });
    const res = await postSigned(stack, join('Q0', 'q0@example.com'));
    expect(res.status).toBe(202);
    await stack.waitForIdle();
    expect(sagUsers(stack, SH).filter((u) => u.userMail === 'q0@example.com')).toHaveLength(1);
  });

  it('answers 503 when the queue send still fails after its retries, and loses nothing once the HR system retries', async () => {
    await addFault(stack.mns.url, { action: 'SendMessage', queue: 'hr-join', code: 'InternalError', httpStatus: 500, count: MNS_SEND_RETRY.tries });
    const payload = join('Q1', 'q1@example.com');
    const failed = await postSigned(stack, payload, { id: 'msg_q1' });
    expect(failed.status).toBe(503);
    const retried = await postSigned(stack, payload, { id: 'msg_q1', now: Date.now() + 2000 });
    expect(retried.status).toBe(202);
    expect(retried.body.action).toBe('join');
    await stack.waitForIdle();
    expect(sagUsers(stack, SH).filter((u) => u.userMail === 'q1@example.com')).toHaveLength(1);
  });

  it('survives a worker crash mid-batch with no loss and no duplicate user', async () => {
    crash.armed = true;
    const res = await Promise.all(Array.from({ length: 12 }, (_, i) => postSigned(stack, join(`K${i}`, `k${i}@example.com`))));
    expect(res.every((r) => r.status === 202)).toBe(true);
    await stack.waitForIdle();
    expect(crash.crashedBatch).toBeGreaterThanOrEqual(2);
    const mails = sagUsers(stack, SH).map((u) => u.userMail);
    for (let i = 0; i < 12; i++) expect(mails.filter((m) => m === `k${i}@example.com`)).toHaveLength(1);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('survives connections reset before and after a create was applied', async () => {
    // Reset after applying: the worker sees an unknown outcome and reconciles; reset before: a plain retry.
    await addFault(stack.sag.url, { action: 'CreateSmartAccessGatewayClientUser', reset: 'after', count: 3 });
    await addFault(stack.sag.url, { action: 'CreateSmartAccessGatewayClientUser', reset: 'before', count: 3 });
    const res = await Promise.all(Array.from({ length: 12 }, (_, i) => postSigned(stack, join(`C${i}`, `c${i}@example.com`))));
    expect(res.every((r) => r.status === 202)).toBe(true);
    await stack.waitForIdle();
    const mails = sagUsers(stack, SH).map((u) => u.userMail);
    for (let i = 0; i < 12; i++) expect(mails.filter((m) => m === `c${i}@example.com`)).toHaveLength(1);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('dead-letters an office that maps to no site with reason site.unmapped, answering 202', async () => {
    const res = await postSigned(stack, join('U1', 'u1@example.com', 'Atlantis'));
    expect(res.status).toBe(202);
    expect(res.body.action).toBe('dead-lettered');
    const dl = (await stack.drainDeadLetters()) as any[];
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ reason: 'site.unmapped', function: 'webhook', event: { kind: 'joined', location: { office: 'Atlantis' } } });
  });
});
