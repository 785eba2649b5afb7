/**
 * Chaos on the local stack: 1,000 employees through the generic webhook, with every SAG action failing now and
 * then in every way a transient failure can look, and MNS SendMessage failing too. Every fault here is transient,
 * so the invariant is strict: every accepted event is applied, nothing is lost, no account is duplicated, and not
 * one dead letter appears.
 *
 * | traffic | share |
 * | --- | --- |
 * | joins | every employee, over 3 offices |
 * | transfers to another office | 40% of employees; 10% of those delivered before their join |
 * | duplicate deliveries (the same change again, as a new webhook delivery) | 10% of joins and of transfers |
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
 * The webhook answers 503 when its enqueue still fails after the send's own retries; the test then retries like
 * an HR system (same webhook-id, new timestamp). Delays are scaled down: the run takes about 25 s on a quiet
 * 2-core machine (Node 20.20); the timeouts leave room for a machine busy with other work.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { mapLimit } from '../../shared/concurrency.js';
import { addFault, captureLogs, join, postSigned, transfer } from '../helpers/stack.js';

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
    };
  });
  const joinOf = (e: (typeof employees)[number], n = 0): Delivery => ({ payload: join(e.id, e.email, e.office), id: `msg_join_${e.id}_${n}` });
  const transferOf = (e: (typeof employees)[number], n = 0): Delivery => ({
    payload: transfer(e.id, e.email, e.office, e.to as string),
    id: `msg_move_${e.id}_${n}`,
  });
  const movers = employees.filter((e) => e.to);
  return {
    employees,
    early: movers.filter((e) => e.early).map((e) => transferOf(e)),
    joins: employees.flatMap((e) => (e.dupJoin ? [joinOf(e), joinOf(e, 1)] : [joinOf(e)])),
    transfers: movers.filter((e) => !e.early).flatMap((e) => (e.dupMove ? [transferOf(e), transferOf(e, 1)] : [transferOf(e)])),
  };
}

it('1,000 employees under SAG and MNS faults: every accepted event applied, nothing lost or duplicated, no dead letter', async () => {
  const t = traffic();
  expect(t.early.length).toBe(40); // 10% of the 400 transfers come before their join
  expect(t.joins.length).toBe(1100); // 10% duplicated
  expect(t.transfers.length).toBe(400); // 360 after their join, and 40 duplicates
  const accepted = [...(await mapLimit(t.early, 16, deliver))];
  accepted.push(...(await mapLimit(t.joins, 32, deliver)));
  accepted.push(...(await mapLimit(t.transfers, 32, deliver)));
  await stack.waitForIdle(120_000);

  // Every accepted event applied: one finishing outcome line per event id. An event the ledger finds older than one
  // already applied for its employee (a duplicate join delivered after the transfer) is finished as stale.
  const ended = (l: Record<string, any>) =>
    l.result === 'done' || l.result === 'already-done' || (l.result === 'skipped' && String(l.detail).startsWith('stale'));
  const finished = new Set(logs.lines.filter((l) => l.msg === 'outcome' && ended(l)).map((l) => l.eventId));
  const unapplied = accepted.filter((a) => !finished.has(a.eventId));
  expect(unapplied).toEqual([]);
  expect(accepted.every((a) => a.action === 'join' || a.action === 'transfer')).toBe(true);

  // Every account where it belongs, exactly once per instance.
  const site = (office: string) => stack.directory.resolve({ office })?.smartAGId as string;
  const mails = new Map(stack.directory.sites.map((s) => [s.smartAGId, stack.sag.listUsers(s.smartAGId).map((u) => u.userMail)]));
  const missing = t.employees.filter((e) => !mails.get(site(e.office))?.includes(e.email) || (e.to && !mails.get(site(e.to))?.includes(e.email)));
  expect(missing.map((e) => e.id)).toEqual([]);
  for (const [id, list] of mails) expect(list.length, `duplicates on ${id}`).toBe(new Set(list).size);

  // Nothing dead-lettered, by the workers or by the trigger.
  expect(await stack.drainDeadLetters()).toEqual([]);
  expect(Object.values(stack.runners).reduce((n, r) => n + r.stats.deadLettered, 0)).toBe(0);

  // The faults did fire: the run exercised throttling, unknown outcomes, deferrals, and MNS send retries.
  const results = logs.lines.filter((l) => l.msg === 'outcome').map((l) => l.result as string);
  expect(results).toContain('deferred');
  expect(stack.sag.faults.list().every((r) => r.fired > 0)).toBe(true);
  expect(stack.mns.faults.list().every((r) => r.fired > 0)).toBe(true);
}, 180_000);
