/**
 * Interleaving on the local stack: 200 employees × 5 lifecycle events (joins, transfers, leaves, rehires), every
 * event delivered in a random order, some twice: as a second HR delivery (a new webhook id, so another event id with
 * the same content) or as a queue redelivery (the same event id again, as MNS's at-least-once delivery can). The
 * delete step of each leave runs within seconds (hops shortened by RETRY_DELAY_SCALE), so accounts are also deleted
 * and recreated on the way. At the end, for every employee:
 *
 * | newest event | required |
 * | --- | --- |
 * | a leave | no enabled account on any instance |
 * | a join or a transfer | an enabled account on the site it names |
 *
 * The order comes from a seeded generator; the seed is printed with every failure (`INTERLEAVING_SEED=… npx vitest
 * run test/e2e/interleaving.test.ts` replays it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { createRandom } from '../../emulators/common/random.js';
import { encodeMessage, mapLimit, routeEvent, type InboundEvent } from '../../shared/index.js';
import { join, postSigned, stackLedger, transfer } from '../helpers/stack.js';
import { ledgerKey } from '../../shared/ledger/record.js';

const EMPLOYEES = 200;
const EVENTS_PER_EMPLOYEE = 5;
const DUPLICATE_SHARE = 0.2;
const OFFICES = ['Shanghai', 'Hangzhou', 'Beijing'];
const SEED = Number(process.env.INTERLEAVING_SEED ?? Date.now() % 1_000_000);

let stack: Stack;
let ledger: ReturnType<typeof stackLedger>['ledger'];

beforeAll(async () => {
  stack = await startStack({
    env: {
      LOG_LEVEL: process.env.IL_LOG ?? 'warn',
      // The delete chain's 7-day hops and the retries become immediate (the delete runs right after its leave); a
      // re-enqueue waits at least 1 s (MNS delays are whole seconds), so a transfer waits 3 × 1 s for its join.
      RETRY_DELAY_SCALE: '0.0000001',
      RETRY_DEFER_DELAY_SECONDS: '1',
      RETRY_MAX_DEFERRALS: '3',
      WORKER_CONCURRENCY: '8',
    },
    trigger: { countWindow: 16, lanes: 2 },
  });
  ({ ledger } = stackLedger(stack));
}, 30_000);
afterAll(async () => {
  await stack?.stop();
});

type Step = { kind: 'join'; office: string } | { kind: 'transfer'; from: string; to: string } | { kind: 'leave' };

interface Delivery {
  employee: string;
  step: number;
  payload: unknown;
  webhookId: string;
  /** A queue redelivery of the same event (same event id), instead of a webhook post. */
  redelivery?: boolean;
}

/** One employee's life: a join, then transfers or a leave while employed, a rehire (a join) after a leave. */
function lifeOf(rnd: () => number): Step[] {
  const pick = (xs: string[]) => xs[Math.floor(rnd() * xs.length)] as string;
  let office: string | undefined = pick(OFFICES);
  const steps: Step[] = [{ kind: 'join', office }];
  while (steps.length < EVENTS_PER_EMPLOYEE) {
    if (office === undefined) {
      office = pick(OFFICES);
      steps.push({ kind: 'join', office });
    } else if (rnd() < 0.5) {
      const to = pick(OFFICES.filter((o) => o !== office));
      steps.push({ kind: 'transfer', from: office, to });
      office = to;
    } else {
      steps.push({ kind: 'leave' });
      office = undefined;
    }
  }
  return steps;
}

function payloadOf(id: string, email: string, step: Step, timestamp: string): unknown {
  if (step.kind === 'join') return join(id, email, step.office, timestamp);
  if (step.kind === 'transfer') return transfer(id, email, step.from, step.to, timestamp);
  return { type: 'employee.left', timestamp, data: { employeeId: id, ...(email.length % 2 ? { email } : {}) } };
}

/** The canonical message the webhook enqueued for a delivery, sent again to its queue (a redelivery). */
async function redeliver(d: Delivery): Promise<void> {
  const p = d.payload as { type: string; timestamp: string; data: Record<string, any> };
  const employee = { id: p.data.employeeId, email: p.data.email, name: p.data.name };
  const base = { source: 'generic', sourceEventId: d.webhookId, occurredAt: p.timestamp } as const;
  const inbound: InboundEvent =
    p.type === 'employee.joined'
      ? { ...base, kind: 'joined', employee, location: { office: p.data.office } }
      : p.type === 'employee.transferred'
        ? { ...base, kind: 'transferred', employee, from: p.data.from, to: p.data.to }
        : { ...base, kind: 'left', employee: { id: p.data.employeeId, ...(p.data.email ? { email: p.data.email } : {}) } };
  const routed = routeEvent(inbound, stack.directory, stack.queues, 'webhook');
  if (routed.kind !== 'enqueue') throw new Error(`redelivery of ${d.webhookId} routed to ${routed.kind}`);
  await stack.mnsClient.sendMessage(routed.queue, { MessageBody: encodeMessage(routed.message) });
}

async function deliver(d: Delivery): Promise<void> {
  if (d.redelivery) return redeliver(d);
  const res = await postSigned(stack, d.payload, { id: d.webhookId });
  if (res.status !== 202) throw new Error(`delivery ${d.webhookId} answered ${res.status} ${JSON.stringify(res.body)}`);
}

it(`${EMPLOYEES} employees × ${EVENTS_PER_EMPLOYEE} events in a random order, with duplicates: no leaver enabled, every employee enabled where the newest event says`, async () => {
  const rnd = createRandom(SEED);
  const lives = Array.from({ length: EMPLOYEES }, (_, i) => ({ id: `IL${i}`, email: `il${i}@example.com`, steps: lifeOf(rnd) }));
  const deliveries: Delivery[] = [];
  for (const l of lives) {
    l.steps.forEach((step, n) => {
      const timestamp = new Date(Date.UTC(2026, 10, 2 + n, 8)).toISOString();
      const d: Delivery = { employee: l.id, step: n, payload: payloadOf(l.id, l.email, step, timestamp), webhookId: `msg_il_${l.id}_${n}` };
      deliveries.push(d);
      if (rnd() < DUPLICATE_SHARE) {
        deliveries.push(rnd() < 0.5 ? { ...d, redelivery: true } : { ...d, webhookId: `${d.webhookId}_again` });
      }
    });
  }
  // Fisher–Yates with the seeded generator; a redelivery may so come before the original (MNS would not, HR might).
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j] as Delivery, deliveries[i] as Delivery];
  }
  const started = Date.now();
  await mapLimit(deliveries, 32, deliver);
  const posted = ((Date.now() - started) / 1000).toFixed(1);
  await stack.waitForIdle(120_000);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  const site = (office: string) => stack.directory.resolve({ office })?.smartAGId as string;
  const states = new Map<string, Map<string, number>>(); // email → instance → State
  for (const s of stack.directory.sites) {
    for (const u of stack.sag.listUsers(s.smartAGId)) {
      const m = states.get(u.userMail) ?? new Map<string, number>();
      m.set(s.smartAGId, u.state);
      states.set(u.userMail, m);
    }
  }
  const wrong: string[] = [];
  for (const l of lives) {
    const last = l.steps.at(-1) as Step;
    const mine = states.get(l.email) ?? new Map<string, number>();
    if (last.kind === 'leave') {
      const enabled = [...mine].filter(([, s]) => s === 0).map(([i]) => i);
      if (enabled.length) wrong.push(`${l.id} left but is enabled on ${enabled.join(', ')}: ${JSON.stringify(l.steps)}`);
    } else {
      const at = site(last.kind === 'join' ? last.office : last.to);
      if (mine.get(at) !== 0) wrong.push(`${l.id} should be enabled on ${at} (State ${mine.get(at) ?? 'missing'}): ${JSON.stringify(l.steps)}`);
    }
  }
  const duplicates = deliveries.length - EMPLOYEES * EVENTS_PER_EMPLOYEE;
  console.log(
    `interleaving seed ${SEED}: ${EMPLOYEES} employees, ${deliveries.length} deliveries (${duplicates} duplicates), idle after ${seconds} s (posted in ${posted} s)`,
  );
  expect(wrong, `seed ${SEED} (INTERLEAVING_SEED=${SEED} replays it)`).toEqual([]);
  expect(await stack.drainDeadLetters(), `seed ${SEED}`).toEqual([]);
}, 150_000);

describe('the cases it found, one by one', () => {
  const SH = 'sag-shhq0000000001';
  const HZ = 'sag-hzrd0000000002';
  const BJ = 'sag-bjsl0000000003';
  const at = (day: number) => new Date(Date.UTC(2026, 10, day, 8)).toISOString();
  const leave = (id: string, timestamp: string) => ({ type: 'employee.left', timestamp, data: { employeeId: id } });
  const until = async (ok: () => boolean) => {
    for (const deadline = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > deadline) throw new Error('timed out');
    }
  };
  const stateOn = (smartAGId: string, mail: string) => stack.sag.listUsers(smartAGId).find((u) => u.userMail === mail)?.state;

  it('a transfer newer than a leave, applied before the older rehire: the roamed copy (disabled) is enabled on the target', async () => {
    const mail = 'il-known@example.com';
    await postSigned(stack, join('ILK', mail, 'Shanghai', at(2)), { id: 'msg_ilk_join' });
    await stack.waitForIdle();
    stack.sag.markTraffic(SH, mail); // the delete is refused this cycle: the disabled account stays
    await postSigned(stack, leave('ILK', at(3)), { id: 'msg_ilk_leave' });
    await until(() => stateOn(SH, mail) === 1);
    await postSigned(stack, transfer('ILK', mail, 'Shanghai', 'Hangzhou', at(5)), { id: 'msg_ilk_move' });
    await stack.waitForIdle();
    await postSigned(stack, join('ILK', mail, 'Shanghai', at(4)), { id: 'msg_ilk_rehire' }); // older: stale
    await stack.waitForIdle();
    expect(stateOn(HZ, mail)).toBe(0);
    expect(stateOn(SH, mail)).toBe(1);
    const rec = await ledger.read(ledgerKey('generic', 'ILK'));
    expect(rec?.history.filter((h) => h.type !== 'employee.leave-delete').map((h) => `${h.type}:${h.result}`)).toEqual([
      'employee.joined:done',
      'employee.left:done',
      'employee.transferred:done',
      'employee.joined:stale',
    ]);
    expect(rec?.accounts.map((a) => `${a.smartAGId}:${a.state}`).sort()).toEqual([`${HZ}:enabled`, `${SH}:disabled`]);
    stack.sag.markTraffic(SH, mail, null);
  }, 30_000);

  it('a transfer newer than a leave whose origin never had the account: after the deferrals, roamed from the copy the ledger knows and enabled', async () => {
    const mail = 'il-elsewhere@example.com';
    await postSigned(stack, join('ILE', mail, 'Beijing', at(2)), { id: 'msg_ile_join' });
    await stack.waitForIdle();
    stack.sag.markTraffic(BJ, mail);
    await postSigned(stack, leave('ILE', at(3)), { id: 'msg_ile_leave' });
    await until(() => stateOn(BJ, mail) === 1);
    // The rehire in Shanghai (at(4)) is lost; the transfer Shanghai → Hangzhou (at(5)) finds no account in Shanghai.
    await postSigned(stack, transfer('ILE', mail, 'Shanghai', 'Hangzhou', at(5)), { id: 'msg_ile_move' });
    await stack.waitForIdle();
    expect([stateOn(SH, mail), stateOn(HZ, mail), stateOn(BJ, mail)]).toEqual([undefined, 0, 1]);
    const rec = await ledger.read(ledgerKey('generic', 'ILE'));
    expect(rec?.history.filter((h) => h.type === 'employee.transferred').map((h) => h.result)).toEqual(['defer', 'defer', 'defer', 'done']);
    expect(rec?.history.find((h) => h.type === 'employee.transferred' && h.result === 'done')?.reason).toMatch(
      /roamed sag-bjsl0000000003 → sag-hzrd0000000002; enabled on sag-hzrd0000000002/,
    );
    expect(await stack.drainDeadLetters()).toEqual([]);
    stack.sag.markTraffic(BJ, mail, null);
  }, 30_000);
});
