/**
 * Flow control on the local stack (issue #11): the adaptive pacer and the breaker, with WORKER_INSTANCES = 2
 * separate join-worker instances, the real SDKs and the emulators over loopback.
 *
 * - Permanent per-message errors are still dead-lettered at once.
 * - An instance the directory names but SAG does not have pauses that site only; the others keep flowing; the
 *   site resumes by itself when the instance is back.
 * - Revoked credentials (every call answers InvalidAccessKeyId.NotFound for a while): nothing is dead-lettered,
 *   every account is created exactly once after recovery, and the breaker logs a few lines, not one per message.
 * - A rate limit the workers are not told (ratePerSecond on Create): the backlog drains with no dead letter and
 *   no attempt counted against RETRY_MAX_ATTEMPTS. FLOW_TEST_JOINS (default 1000, the figure) joins against 10 calls/s take
 *   about 100 s (FLOW_TEST_JOINS=200 for a quicker run).
 *
 * Delays are scaled by RETRY_DELAY_SCALE = 0.02: the breaker's first pause of 60 s is 1.2 s here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { EVENT_SCHEMA_VERSION, eventId } from '../../shared/events.js';
import { encodeMessage } from '../../shared/mns/queue.js';
import { addFault, captureLogs, clearFaults, join, postSigned } from '../helpers/stack.js';

const SH = 'sag-shhq0000000001';
const GONE = 'sag-gone000000009';
const JOINS = Number(process.env.FLOW_TEST_JOINS ?? 1000);
const RATE = 10;

let stack: Stack;
const logs = captureLogs();

beforeAll(async () => {
  const sites = JSON.parse(await (await import('node:fs/promises')).readFile('config/sites.sample.json', 'utf8'));
  // The functions' directory names one more site than SAG has instances: its instance was deleted.
  const withGone = {
    ...sites,
    sites: [...sites.sites, { id: 'cd-gone', regionId: 'cn-shanghai', smartAGId: GONE, bandwidthKbps: 1000, offices: ['Chengdu'], departmentIds: ['109'] }],
  };
  stack = await startStack({
    sites: withGone,
    env: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '8', WORKER_INSTANCES: '2', RETRY_DELAY_SCALE: '0.02' },
    trigger: { countWindow: 16 },
    userQuota: JOINS + 1000,
  });
  stack.sag.removeInstance(GONE);
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});
beforeEach(async () => {
  await clearFaults(stack.sag.url);
  await stack.drainDeadLetters();
  logs.lines.length = 0;
});

/** Puts `n` join events for the Shanghai site straight on the join queue (as the webhook would). */
async function enqueueJoins(n: number, tag: string): Promise<string[]> {
  const site = stack.directory.sites[0] as any;
  const snap = { id: site.id, regionId: site.regionId, smartAGId: site.smartAGId, bandwidthKbps: site.bandwidthKbps, userNamePolicy: site.userNamePolicy };
  const mails = Array.from({ length: n }, (_, i) => `${tag}${i}@example.com`);
  const bodies = mails.map((email, i) =>
    encodeMessage({
      event: {
        schemaVersion: EVENT_SCHEMA_VERSION,
        id: eventId('generic', `${tag}-${i}`),
        source: 'generic',
        occurredAt: new Date().toISOString(),
        type: 'employee.joined',
        employee: { id: `${tag}${i}`, email, name: `Flow ${i}` },
        site: snap,
      },
    }),
  );
  for (let i = 0; i < bodies.length; i += 16)
    await stack.mnsClient.batchSendMessage(
      stack.env.JOIN_QUEUE ?? 'hr-join',
      bodies.slice(i, i + 16).map((MessageBody) => ({ MessageBody })),
    );
  return mails;
}

const usersWith = (smartAGId: string, mails: string[]) => {
  const want = new Set(mails);
  return stack.sag.listUsers(smartAGId).filter((u) => want.has(u.userMail));
};
const outcomes = () => logs.lines.filter((l) => l.msg === 'outcome' && l.fn === 'join-worker');
const breakerLines = () => logs.lines.filter((l) => l.msg === 'breaker open');

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('flow control', () => {
  it('still dead-letters documented permanent per-message errors at once', async () => {
    await addFault(stack.sag.url, [
      { action: 'CreateSmartAccessGatewayClientUser', code: 'ClientUser.UserOverLimit', httpStatus: 400, count: 1 },
      { action: 'CreateSmartAccessGatewayClientUser', code: 'ClientUser.NameInvalid', httpStatus: 400, count: 1 },
    ]);
    expect((await postSigned(stack, join('P1', 'perm.one@example.com'))).status).toBe(202);
    expect((await postSigned(stack, join('P2', 'perm.two@example.com'))).status).toBe(202);
    await stack.waitForIdle(20_000);
    const dead = (await stack.drainDeadLetters()) as Array<{ reason: string; attempts: number }>;
    expect(dead.map((d) => d.reason).sort()).toEqual(['sag.ClientUser.NameInvalid', 'sag.ClientUser.UserOverLimit']);
    expect(dead.every((d) => d.attempts === 1)).toBe(true);
    expect(breakerLines()).toHaveLength(0);
  });

  it('pauses only the site whose instance is gone; the others keep flowing; it resumes when the instance is back', async () => {
    const gone = Array.from({ length: 20 }, (_, i) => `gone.${i}@example.com`);
    const fine = Array.from({ length: 20 }, (_, i) => `fine.${i}@example.com`);
    for (const [i, mail] of gone.entries()) expect((await postSigned(stack, join(`G${i}`, mail, 'Chengdu'))).status).toBe(202);
    for (const [i, mail] of fine.entries()) expect((await postSigned(stack, join(`F${i}`, mail, 'Shanghai'))).status).toBe(202);
    await until(() => usersWith(SH, fine).length === fine.length, 20_000);
    // The Chengdu joins wait behind the instance's breaker: re-enqueued, not dead-lettered, no retry spent.
    await until(() => outcomes().filter((l) => l.result === 'paused').length >= gone.length, 20_000);
    const lines = breakerLines();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.scope === `sag:instance:${GONE}` && l.reason === 'sag.SAG.InstanceNoFound')).toBe(true);
    expect(lines[0]?.fix).toMatch(/directory/);
    expect(outcomes().some((l) => l.result === 'paused' && l.retries)).toBe(false);

    stack.sag.addInstance({ id: GONE, regionId: 'cn-shanghai', cidr: '10.99.0.0/16', userQuota: 100, allowClientUsers: true });
    await until(() => usersWith(GONE, gone).length === gone.length, 30_000);
    await stack.waitForIdle(20_000);
    expect(await stack.drainDeadLetters()).toEqual([]);
    expect(logs.lines.some((l) => l.msg === 'breaker closed' && l.scope === `sag:instance:${GONE}`)).toBe(true);
  }, 60_000);

  it('revoked credentials: nothing dead-lettered, every account created exactly once after recovery, a few breaker lines', async () => {
    await addFault(stack.sag.url, { action: '*', code: 'InvalidAccessKeyId.NotFound', httpStatus: 404 });
    const mails = await enqueueJoins(500, 'revoked');
    const outage = Date.now();
    // 6 s of outage = 300 s at RETRY_DELAY_SCALE 0.02 (the breaker's pauses: 1.2 s, 2.4 s, 4.8 s, …).
    await until(() => Date.now() - outage > 6_000, 10_000);
    expect(usersWith(SH, mails)).toHaveLength(0);
    await clearFaults(stack.sag.url);
    await until(() => usersWith(SH, mails).length === mails.length, 45_000);
    await stack.waitForIdle(30_000);

    const users = usersWith(SH, mails);
    expect(new Set(users.map((u) => u.userMail)).size).toBe(500);
    expect(users).toHaveLength(500);
    expect(await stack.drainDeadLetters()).toEqual([]);
    const lines = breakerLines();
    // One line per cause per minute per instance (two instances): the run is well under a minute.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines[0]).toMatchObject({ level: 'error', scope: 'sag:account', reason: 'sag.InvalidAccessKeyId.NotFound' });
    expect(String(lines[0]?.fix)).toMatch(/AccessKey/);
    expect(outcomes().some((l) => l.retries)).toBe(false);
  }, 90_000);

  it(
    `drains ${JOINS} joins against an unannounced ${RATE} calls/s limit with no dead letter and no retry spent on throttling`,
    async () => {
      await addFault(stack.sag.url, [
        { action: 'CreateSmartAccessGatewayClientUser', ratePerSecond: RATE },
        { action: 'CreateSmartAccessGatewayClientUser', delayMs: 50 },
      ]);
      const t0 = Date.now();
      const mails = await enqueueJoins(JOINS, 'paced');
      await until(() => usersWith(SH, mails).length === JOINS, (JOINS / RATE) * 1000 * 2);
      const seconds = (Date.now() - t0) / 1000;
      await stack.waitForIdle(30_000);
      expect(await stack.drainDeadLetters()).toEqual([]);
      const throttledAnswers = stack.sag.faults.list().find((r) => r.ratePerSecond)?.fired ?? 0;
      expect(throttledAnswers).toBeGreaterThan(0); // the limit was reached
      const done = outcomes().filter((l) => l.result === 'done');
      expect(done).toHaveLength(JOINS);
      // Throttling is pacing: no message's attempt counter (retries) grew.
      expect(outcomes().some((l) => l.retries)).toBe(false);
      // Pacing keeps near the limit without being told it (bench:flow measures this precisely).
      expect(JOINS / seconds).toBeGreaterThan(RATE * 0.7);
    },
    (JOINS / RATE) * 1000 * 2 + 30_000,
  );
});
