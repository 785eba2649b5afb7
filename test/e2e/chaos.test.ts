/**
 * Chaos on the local stack: 1,000 employees through the generic webhook, with every SAG action failing now and
 * then in every way a transient failure can look, and MNS SendMessage failing too. Every fault here is transient,
 * so the invariant is strict: every accepted event is applied, nothing is lost, no account is duplicated, every
 * leaver is disabled everywhere with the delete scheduled, and not one dead letter appears.
 *
 * | traffic | share |
 * | --- | --- |
 * | joins | every employee, over 3 offices |
 * | transfers to another office | 40% of employees; 10% of those delivered before their join |
 * | leaves (after the join and any transfer; a thin leave for half of them) | 10% of employees; 10% of those delivered before their join |
 * | duplicate deliveries (the same change again, as a new webhook delivery) | 10% of joins, of transfers and of leaves |
 *
 * | fault | where | probability per call |
 * | --- | --- | --- |
 * | `Throttling.User` 429 | every SAG action | 0.15 |
 * | `InternalError` 500 | every SAG action | 0.05 |
 * | answer held past the client timeout, the call applied | every SAG action | 0.03 |
 * | connection reset after applying | every SAG action | 0.02 |
 * | HTML 502 from a "load balancer" | every SAG action | 0.02 |
 * | `InternalError` 500 | MNS SendMessage (webhook enqueue, re-enqueues, dead letters) | 0.05 |
 *
 * The leavers' delete steps are due next billing cycle: they stay delayed on the leave queue (hops of 7 days × 0.02),
 * and the stack counts as idle with only those left (`waitForIdle(…, { scheduledDeletes: 'pending' })`).
 *
 * The webhook answers 503 when its enqueue still fails after the send's own retries; the test then retries like
 * an HR system (same webhook-id, new timestamp). Delays are scaled down: the run takes about 25 s on a quiet
 * 2-core machine (Node 20.20); the timeouts leave room for a machine busy with other work.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { mapLimit } from '../../shared/concurrency.js';
import { addFault, captureLogs, join, leave, postSigned, transfer } from '../helpers/stack.js';

const EMPLOYEES = 1000;
const OFFICES = ['Shanghai', 'Hangzhou', 'Beijing'];
const SAG_TIMEOUT_MS = 400;

let stack: Stack;
const logs = captureLogs();

beforeAll(async () => {
  stack = await startStack({
    env: {
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '8',
      SAG_TIMEOUT_MS: String(SAG_TIMEOUT_MS),
      RETRY_DELAY_SCALE: '0.02',
      RETRY_INLINE_BASE_DELAY_MS: '50',
      RETRY_DEFER_DELAY_SECONDS: '30',
      RETRY_MAX_DEFERRALS: '100',
    },
    trigger: { countWindow: 16, lanes: 2 },
  });
  await addFault(stack.sag.url, [
    { seed: 20261123 },
    { action: '*', code: 'Throttling.User', httpStatus: 429, probability: 0.15 },
    { action: '*', code: 'InternalError', httpStatus: 500, probability: 0.05 },
    { action: '*', delayAfterMs: SAG_TIMEOUT_MS + 300, probability: 0.03 },
    { action: '*', reset: 'after', probability: 0.02 },
    { action: '*', html502: true, probability: 0.02 },
  ]);
  await addFault(stack.mns.url, [{ seed: 1123 }, { action: 'SendMessage', code: 'InternalError', httpStatus: 500, probability: 0.05 }]);
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});

interface Delivery {
  payload: unknown;
  id: string;
}

/** Posts like an HR system: retries a 5xx or a network error with the same webhook-id and a new timestamp. */
async function deliver(d: Delivery): Promise<{ eventId: string; action: string; tries: number }> {
  for (let tries = 1; tries <= 20; tries++) {
    const res = await postSigned(stack, d.payload, { id: d.id, now: Date.now() + tries * 1000 }).catch(() => ({ status: 0, body: undefined }));
    if (res.status === 202) return { eventId: res.body.eventId, action: res.body.action, tries };
    if (res.status !== 0 && res.status < 500) throw new Error(`delivery ${d.id} refused: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
  }
  throw new Error(`delivery ${d.id} never accepted`);
}

/** The traffic: who joins where, who transfers where, which deliveries come early or twice. */
function traffic() {
  const employees = Array.from({ length: EMPLOYEES }, (_, i) => {
    const office = OFFICES[i % 3] as string;
    const moves = i % 5 < 2; // 40%
    // Transfers: i % 5 ∈ {0, 1}; early: i % 50 ∈ {0, 1}; a duplicated join: i % 10 = 7; a duplicated transfer: i % 50 ∈ {10, 21}.
    return {
      id: `X${i}`,
      email: `x${i}@example.com`,
      office,
      to: moves ? (OFFICES[(i + 1 + (i % 2)) % 3] as string) : undefined,
      early: moves && i % 50 < 2,
      dupJoin: i % 10 === 7,
      dupMove: i % 50 === 10 || i % 50 === 21,
      // Leaves: i % 20 ∈ {3, 10} (half of them movers); early: i % 100 = 3; duplicated: i % 100 = 10; thin: i % 20 = 10.
      leaves: i % 20 === 3 || i % 20 === 10,
      earlyLeave: i % 100 === 3,
      dupLeave: i % 100 === 10,
      thinLeave: i % 20 === 10,
    };
  });
  const joinOf = (e: (typeof employees)[number], n = 0): Delivery => ({ payload: join(e.id, e.email, e.office), id: `msg_join_${e.id}_${n}` });
  const transferOf = (e: (typeof employees)[number], n = 0): Delivery => ({
    payload: transfer(e.id, e.email, e.office, e.to as string),
    id: `msg_move_${e.id}_${n}`,
  });
  const leaveOf = (e: (typeof employees)[number], n = 0): Delivery => ({
    payload: leave(e.id, e.thinLeave ? undefined : e.email),
    id: `msg_leave_${e.id}_${n}`,
  });
  const movers = employees.filter((e) => e.to);
  const leavers = employees.filter((e) => e.leaves);
  return {
    employees,
    early: [...movers.filter((e) => e.early).map((e) => transferOf(e)), ...leavers.filter((e) => e.earlyLeave).map((e) => leaveOf(e))],
    leaves: leavers.filter((e) => !e.earlyLeave).flatMap((e) => (e.dupLeave ? [leaveOf(e), leaveOf(e, 1)] : [leaveOf(e)])),
    joins: employees.flatMap((e) => (e.dupJoin ? [joinOf(e), joinOf(e, 1)] : [joinOf(e)])),
    transfers: movers.filter((e) => !e.early).flatMap((e) => (e.dupMove ? [transferOf(e), transferOf(e, 1)] : [transferOf(e)])),
  };
}

it('1,000 employees under SAG and MNS faults: every accepted event applied, nothing lost or duplicated, no dead letter', async () => {
  const t = traffic();
  expect(t.early.length).toBe(50); // 10% of the 400 transfers and of the 100 leaves come before their join
  expect(t.leaves.length).toBe(100); // 90 after their join, and 10 duplicates
  expect(t.joins.length).toBe(1100); // 10% duplicated
  expect(t.transfers.length).toBe(400); // 360 after their join, and 40 duplicates
  const accepted = [...(await mapLimit(t.early, 16, deliver))];
  accepted.push(...(await mapLimit(t.joins, 32, deliver)));
  accepted.push(...(await mapLimit([...t.transfers, ...t.leaves], 32, deliver)));
  await stack.waitForIdle(120_000, { scheduledDeletes: 'pending' });

  // Every accepted event applied: one finishing outcome line per event id. An event the ledger finds older than one
  // already applied for its employee (a duplicate join delivered after the transfer) is finished as stale.
  const ended = (l: Record<string, any>) =>
    l.result === 'done' || l.result === 'already-done' || (l.result === 'skipped' && /^(stale|leave\.unknown-employee)/.test(String(l.detail)));
  const finished = new Set(logs.lines.filter((l) => l.msg === 'outcome' && ended(l)).map((l) => l.eventId));
  const unapplied = accepted.filter((a) => !finished.has(a.eventId));
  expect(unapplied).toEqual([]);
  expect(accepted.every((a) => ['join', 'transfer', 'leave'].includes(a.action))).toBe(true);

  // Every account where it belongs, enabled, exactly once per instance; every leaver disabled everywhere.
  const site = (office: string) => stack.directory.resolve({ office })?.smartAGId as string;
  const users = new Map(stack.directory.sites.map((s) => [s.smartAGId, stack.sag.listUsers(s.smartAGId)]));
  const enabledOn = (smartAGId: string, email: string) => users.get(smartAGId)?.some((u) => u.userMail === email && u.state === 0);
  const stayers = t.employees.filter((e) => !e.leaves);
  const missing = stayers.filter((e) => !enabledOn(site(e.office), e.email) || (e.to && !enabledOn(site(e.to), e.email)));
  expect(missing.map((e) => e.id)).toEqual([]);
  const leavers = t.employees.filter((e) => e.leaves);
  const stillEnabled = leavers.filter((e) => [...users.keys()].some((i) => enabledOn(i, e.email)));
  expect(
    stillEnabled.map((e) => e.id),
    'leavers still enabled',
  ).toEqual([]);
  for (const [id, list] of users) expect(list.length, `duplicates on ${id}`).toBe(new Set(list.map((u) => u.userMail)).size);

  // What is left on the leave queue: the delete steps scheduled for next cycle, one for every leaver whose (disabled)
  // account exists. A leave handled before its join was applied found nothing to revoke and scheduled nothing; the
  // older join is then stale, so that leaver has no account at all.
  const leaveQueue = stack.mns.snapshot().queues.find((q) => q.name === stack.queues.leave);
  const scheduledFor = new Set(leaveQueue?.messages.map((m) => (m.body as { event: { employee: { id: string } } }).event.employee.id));
  const holdsAccount = (e: (typeof leavers)[number]) => [...users.values()].some((list) => list.some((u) => u.userMail === e.email));
  expect(
    leavers.filter((e) => holdsAccount(e) && !scheduledFor.has(e.id)).map((e) => e.id),
    'leavers with an account and no scheduled delete',
  ).toEqual([]);
  expect(leavers.filter(holdsAccount).length).toBeGreaterThan(0);
  expect([...scheduledFor].filter((id) => !leavers.some((e) => e.id === id))).toEqual([]);

  // Nothing dead-lettered, by the workers or by the trigger.
  expect(await stack.drainDeadLetters()).toEqual([]);
  expect(Object.values(stack.runners).reduce((n, r) => n + r.stats.deadLettered, 0)).toBe(0);

  // The faults did fire: the run exercised throttling, unknown outcomes, deferrals, and MNS send retries.
  const results = logs.lines.filter((l) => l.msg === 'outcome').map((l) => l.result as string);
  expect(results).toContain('deferred');
  expect(stack.sag.faults.list().every((r) => r.fired > 0)).toBe(true);
  expect(stack.mns.faults.list().every((r) => r.fired > 0)).toBe(true);
}, 180_000);
