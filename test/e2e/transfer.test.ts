/**
 * The transfer path end to end: RoamClientUser converging under duplicates, reordering, replays and unknown
 * outcomes, on the local stack with the real SDKs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { addFault, captureLogs, clearFaults, join, postSigned, sagUsers, transfer } from '../helpers/stack.js';

const SH = 'sag-shhq0000000001';
const HZ = 'sag-hzrd0000000002';
const BJ = 'sag-bjsl0000000003';
let stack: Stack;
const logs = captureLogs();

beforeAll(async () => {
  stack = await startStack({
    env: { RETRY_MAX_ATTEMPTS: '4', RETRY_MAX_DEFERRALS: '20', RETRY_DEFER_DELAY_SECONDS: '10', SAG_TIMEOUT_MS: '1500', LOG_LEVEL: 'info' },
  });
});
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});
beforeEach(async () => {
  await clearFaults(stack.sag.url);
  await stack.drainDeadLetters();
});

/** Resolves once `ready()` holds; fails the test after `timeoutMs`. */
async function waitFor(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const has = (smartAGId: string, email: string) => sagUsers(stack, smartAGId).some((u) => u.userName === email);
const outcomes = (employeeId: string, fn = 'transfer-worker') =>
  logs.lines.filter((l) => l.msg === 'outcome' && l.fn === fn && l.employeeId === employeeId).map((l) => l.result);

describe('transfer path', () => {
  it('a transfer delivered before its join ends roamed, with no dead letter', async () => {
    expect((await postSigned(stack, transfer('R1', 'r1@example.com', 'Shanghai', 'Hangzhou'))).status).toBe(202);
    // The join is sent only once the transfer has been handled and deferred: the order is certain, not timed.
    await waitFor(() => outcomes('R1').includes('deferred'));
    expect((await postSigned(stack, join('R1', 'r1@example.com', 'Shanghai'))).status).toBe(202);
    await stack.waitForIdle(30_000);
    expect(has(SH, 'r1@example.com')).toBe(true);
    expect(has(HZ, 'r1@example.com')).toBe(true);
    expect(outcomes('R1')).toContain('deferred');
    expect(outcomes('R1').at(-1)).toBe('done');
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('duplicate and concurrent duplicate deliveries give one roam and no error', async () => {
    await postSigned(stack, join('R2', 'r2@example.com', 'Shanghai'));
    await stack.waitForIdle();
    const t = transfer('R2', 'r2@example.com', 'Shanghai', 'Beijing');
    const res = await Promise.all(Array.from({ length: 5 }, (_, i) => postSigned(stack, t, { id: `msg_r2_${i}` })));
    expect(res.every((r) => r.status === 202)).toBe(true);
    await stack.waitForIdle();
    expect(sagUsers(stack, BJ).filter((u) => u.userName === 'r2@example.com')).toHaveLength(1);
    const o = outcomes('R2');
    // Five HR events with the same HR time: one roams; the ledger orders the rest by event id, so each is either
    // reconciled as already done or skipped as stale.
    expect(o.filter((x) => x === 'done')).toHaveLength(1);
    expect(o.filter((x) => x === 'already-done' || x === 'skipped')).toHaveLength(4);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('a chain A→B then B→C delivered in reverse order ends roamed to B and C', async () => {
    await postSigned(stack, transfer('R3', 'r3@example.com', 'Hangzhou', 'Beijing', '2026-11-23T10:00:00Z'));
    await postSigned(stack, transfer('R3', 'r3@example.com', 'Shanghai', 'Hangzhou', '2026-11-23T09:00:00Z'));
    await postSigned(stack, join('R3', 'r3@example.com', 'Shanghai'));
    await stack.waitForIdle(30_000);
    expect([SH, HZ, BJ].map((id) => has(id, 'r3@example.com'))).toEqual([true, true, true]);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('a replay of an old A→B after B→C changes nothing and dead-letters nothing', async () => {
    await postSigned(stack, join('R4', 'r4@example.com', 'Shanghai'));
    await stack.waitForIdle();
    await postSigned(stack, transfer('R4', 'r4@example.com', 'Shanghai', 'Hangzhou'), { id: 'msg_r4_ab' });
    await stack.waitForIdle();
    await postSigned(stack, transfer('R4', 'r4@example.com', 'Hangzhou', 'Beijing', '2026-11-23T10:00:00Z'), { id: 'msg_r4_bc' });
    await stack.waitForIdle();
    const snapshot = JSON.stringify([SH, HZ, BJ].map((id) => sagUsers(stack, id)));
    // The HR system redelivers the old A→B much later (a new delivery, so a new webhook-id, as some HR systems do).
    expect((await postSigned(stack, transfer('R4', 'r4@example.com', 'Shanghai', 'Hangzhou'), { id: 'msg_r4_ab_again' })).status).toBe(202);
    await stack.waitForIdle();
    expect(JSON.stringify([SH, HZ, BJ].map((id) => sagUsers(stack, id)))).toBe(snapshot);
    // The ledger knows B→C (newer) was applied: the old A→B is stale, skipped without a SAG call.
    expect(outcomes('R4').at(-1)).toBe('skipped');
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('recovers from injected throttling and 5xx', async () => {
    await postSigned(stack, join('R5', 'r5@example.com', 'Shanghai'));
    await stack.waitForIdle();
    await addFault(stack.sag.url, { action: 'RoamClientUser', code: 'Throttling.User', httpStatus: 429, count: 3 });
    await addFault(stack.sag.url, { action: 'RoamClientUser', code: 'ServiceUnavailable', httpStatus: 503, count: 2 });
    await addFault(stack.sag.url, { action: 'RoamClientUser', html502: true, count: 1 });
    await postSigned(stack, transfer('R5', 'r5@example.com', 'Shanghai', 'Beijing'));
    await stack.waitForIdle(30_000);
    expect(has(BJ, 'r5@example.com')).toBe(true);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('roams again, instead of dead-lettering, when the origin lists the user after a refusal (the join landed in between)', async () => {
    await postSigned(stack, join('R8', 'r8@example.com', 'Shanghai'));
    await stack.waitForIdle();
    // The Roam is refused as if the user were missing; the Describe that follows finds the user (as when the join
    // completes between the two calls).
    await addFault(stack.sag.url, { action: 'RoamClientUser', code: 'ClientUser.UserNotExist', httpStatus: 400, count: 1 });
    await postSigned(stack, transfer('R8', 'r8@example.com', 'Shanghai', 'Hangzhou'));
    await stack.waitForIdle();
    expect(has(HZ, 'r8@example.com')).toBe(true);
    expect(outcomes('R8')).toEqual(['done']);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('judges a refusal permanent only when it comes again with the user already listed on the origin', async () => {
    await postSigned(stack, join('R9', 'r9@example.com', 'Shanghai'));
    await stack.waitForIdle();
    await addFault(stack.sag.url, { action: 'RoamClientUser', code: 'ClientUser.UserNotExist', httpStatus: 400, count: 2 });
    await postSigned(stack, transfer('R9', 'r9@example.com', 'Shanghai', 'Hangzhou'));
    await stack.waitForIdle();
    const dl = (await stack.drainDeadLetters()) as any[];
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ reason: 'sag.ClientUser.UserNotExist', retryable: false, attempts: 1, event: { employee: { id: 'R9' } } });
    expect(has(HZ, 'r9@example.com')).toBe(false);
  });

  it('reconciles a roam that timed out but did succeed, without applying it twice', async () => {
    await postSigned(stack, join('R6', 'r6@example.com', 'Shanghai'));
    await stack.waitForIdle();
    await addFault(stack.sag.url, { action: 'RoamClientUser', delayAfterMs: 2500, count: 1 });
    await postSigned(stack, transfer('R6', 'r6@example.com', 'Shanghai', 'Hangzhou'));
    await stack.waitForIdle(30_000);
    expect(sagUsers(stack, HZ).filter((u) => u.userName === 'r6@example.com')).toHaveLength(1);
    const line = logs.lines.find((l) => l.msg === 'outcome' && l.fn === 'transfer-worker' && l.employeeId === 'R6');
    expect(line).toMatchObject({ result: 'done', detail: 'reconciled after RequestTimeout' });
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  // SAG.InstanceNoFound for an instance the directory names opens that instance's breaker instead (flow-control.test.ts).
  it.each(['ClientUser.NotSupportAction', 'SAG.CidrEmpty', 'SAG.CidrOverlap', 'ClientUser.UserOverLimit', 'ClientUser.NameInvalid'])(
    'dead-letters %s at once with its reason',
    async (code) => {
      const id = `P${code.replace(/[^A-Za-z]/g, '')}`;
      const email = `${id.toLowerCase()}@example.com`;
      await postSigned(stack, join(id, email, 'Shanghai'));
      await stack.waitForIdle();
      await addFault(stack.sag.url, { action: 'RoamClientUser', code, httpStatus: 400, count: 1 });
      await postSigned(stack, transfer(id, email, 'Shanghai', 'Hangzhou'));
      await stack.waitForIdle();
      const dl = (await stack.drainDeadLetters()) as any[];
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({
        reason: `sag.${code}`,
        retryable: false,
        function: 'transfer-worker',
        sourceQueue: 'hr-transfer',
        event: { type: 'employee.transferred', employee: { id } },
      });
    },
  );

  it('creates the account at the target when the join never comes and no account exists anywhere: no dead letter', async () => {
    const s2 = await startStack({ env: { RETRY_MAX_DEFERRALS: '2', RETRY_DEFER_DELAY_SECONDS: '1', RETRY_DELAY_SCALE: '0.01', LOG_LEVEL: 'info' } });
    try {
      await postSigned(s2, transfer('R7', 'r7@example.com', 'Shanghai', 'Hangzhou'));
      await s2.waitForIdle(30_000);
      expect(await s2.drainDeadLetters()).toEqual([]);
      expect(sagUsers(s2, HZ).map((u) => u.userMail)).toContain('r7@example.com');
      expect(sagUsers(s2, SH).map((u) => u.userMail)).not.toContain('r7@example.com');
      const done = logs.lines.filter((l) => l.msg === 'outcome' && l.employeeId === 'R7' && l.result === 'done');
      expect(done.map((l) => l.detail)).toEqual([expect.stringMatching(/^no account anywhere: created at the target/)]);
    } finally {
      await s2.stop();
    }
  });
});
