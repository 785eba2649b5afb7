/**
 * `npm run bench:flow`: how close the workers' adaptive pacing gets to a SAG rate limit it is never told (issue
 * #11). The SAG emulator allows `ratePerSecond` calls of CreateSmartAccessGatewayClientUser and RoamClientUser
 * (beyond that: Throttling.User 429) and adds 50 ms of latency; no client-side limit is set. Joins are put on the
 * join queue at once; the local stack's trigger runners and WORKER_INSTANCES separate join-worker instances drain
 * them. Printed per scenario, as fractions of the limit: the steady rate (accounts created between the 10% and the
 * 90% marks: slow start and the last batches excluded; this is the figure the targets apply to) and the drain rate
 * (all accounts over the time from the first enqueue to the last account); and the dead letters.
 *
 * Scenarios: limits 5, 20 and 50 calls/s with 2 instances; 4 instances at 20/s; the limit changing 20 → 5 → 20
 * during one run (printed: how long the achieved rate takes to settle at each new limit).
 *
 * Environment: BENCH_MESSAGES (1000), BENCH_LATENCY_MS (50), BENCH_PHASE_SECONDS (20, the changing-limit run),
 * BENCH_ONLY (comma-separated scenario names: 5,20,50,4x20,change).
 */
import { startStack, type Stack } from '../local/stack.js';
import { EVENT_SCHEMA_VERSION, encodeMessage, eventId, setLogSink } from '../shared/index.js';
import { fmt } from './stats.js';

const N = Number(process.env.BENCH_MESSAGES ?? 1000);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const PHASE_SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 20);
const ONLY = process.env.BENCH_ONLY?.split(',');
const LIMITED_ACTIONS = ['CreateSmartAccessGatewayClientUser', 'RoamClientUser'];

async function setLimit(stack: Stack, ratePerSecond: number): Promise<void> {
  await fetch(`${stack.sag.url}/__admin/faults`, { method: 'DELETE' });
  const rules = LIMITED_ACTIONS.flatMap((action) => [
    { action, ratePerSecond },
    { action, delayMs: LATENCY },
  ]);
  const res = await fetch(`${stack.sag.url}/__admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rules) });
  if (res.status !== 201) throw new Error(`fault refused: ${res.status}`);
}

/** Throttling answers so far (the rate rules' fire counts). */
const throttled = (stack: Stack) => stack.sag.faults.list().reduce((n, r) => n + (r.ratePerSecond !== undefined ? r.fired : 0), 0);

async function enqueueJoins(stack: Stack, n: number, tag: string): Promise<string> {
  const site = stack.directory.sites[0] as any;
  const snap = { id: site.id, regionId: site.regionId, smartAGId: site.smartAGId, bandwidthKbps: site.bandwidthKbps, userNamePolicy: site.userNamePolicy };
  const messages = Array.from({ length: n }, (_, i) => ({
    event: {
      schemaVersion: EVENT_SCHEMA_VERSION,
      id: eventId('generic', `flow-${tag}-${i}`),
      source: 'generic',
      occurredAt: new Date().toISOString(),
      type: 'employee.joined',
      employee: { id: `F${i}`, email: `flow${tag}${i}@example.com`, name: `Flow ${i}` },
      site: snap,
    },
  }));
  for (let i = 0; i < messages.length; i += 16) {
    await stack.mnsClient.batchSendMessage(
      stack.env.JOIN_QUEUE ?? 'hr-join',
      messages.slice(i, i + 16).map((m) => ({ MessageBody: encodeMessage(m) })),
    );
  }
  return site.smartAGId as string;
}

async function withStack<T>(instances: number, fn: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack({
    env: { WORKER_INSTANCES: String(instances), WORKER_CONCURRENCY: '8', LOG_LEVEL: 'error' },
    trigger: { countWindow: 16 },
    userQuota: 4 * N + 10,
  });
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
  }
}

/** Samples the account count every `everyMs` until `n` exist or `maxMs` passed. */
async function sampleUntil(
  stack: Stack,
  smartAGId: string,
  n: number,
  maxMs: number,
  onSample?: (t: number, count: number) => Promise<void> | void,
): Promise<Array<[number, number]>> {
  const t0 = Date.now();
  const samples: Array<[number, number]> = [];
  for (;;) {
    const count = stack.sag.listUsers(smartAGId).length;
    const t = Date.now() - t0;
    samples.push([t, count]);
    await onSample?.(t, count);
    if (count >= n || t > maxMs) return samples;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Accounts per second between the samples where 10% and 90% of `n` exist (NaN if the run did not get there). */
function steadyRate(samples: Array<[number, number]>, n: number): number {
  const from = samples.find(([, c]) => c >= 0.1 * n);
  const to = samples.find(([, c]) => c >= 0.9 * n);
  return from && to && to[0] > from[0] ? ((to[1] - from[1]) * 1000) / (to[0] - from[0]) : Number.NaN;
}

async function fixedLimit(limit: number, instances: number): Promise<void> {
  await withStack(instances, async (stack) => {
    await setLimit(stack, limit);
    const t0 = Date.now();
    const smartAGId = await enqueueJoins(stack, N, `l${limit}`);
    const samples = await sampleUntil(stack, smartAGId, N, Math.max(120_000, (N / limit) * 3000));
    const seconds = (Date.now() - t0) / 1000;
    await stack.waitForIdle(60_000);
    const dead = await stack.drainDeadLetters();
    const done = (samples.at(-1) as [number, number])[1];
    if (process.env.BENCH_TRACE)
      console.log(
        samples
          .filter((_, i) => i % 4 === 0)
          .map(([t, c]) => `${Math.round(t / 1000)}:${c}`)
          .join(' '),
      );
    const rate = done / seconds;
    const steady = steadyRate(samples, N);
    console.log(
      `limit ${String(limit).padStart(3)}/s, ${instances} instances: steady ${fmt(steady)}/s = ${fmt((steady / limit) * 100)}% of the limit; drain ${done}/${N} in ${fmt(seconds)} s = ${fmt(rate)}/s = ${fmt((rate / limit) * 100)}%; throttled answers ${throttled(stack)}; dead letters ${dead.length}`,
    );
  });
}

/** 20 → 5 → 20: for each phase, the seconds until the 2-s average reaches 90% of the new limit (or stays at/below it). */
async function changingLimit(): Promise<void> {
  const phases = [20, 5, 20];
  const total = Math.ceil(phases.reduce((a, l) => a + l * PHASE_SECONDS, 0) * 1.2);
  await withStack(2, async (stack) => {
    await setLimit(stack, phases[0] as number);
    const smartAGId = await enqueueJoins(stack, total, 'chg');
    let phase = 0;
    const samples = await sampleUntil(stack, smartAGId, total, phases.length * PHASE_SECONDS * 1000, async (t) => {
      const want = Math.min(phases.length - 1, Math.floor(t / (PHASE_SECONDS * 1000)));
      if (want !== phase) {
        phase = want;
        await setLimit(stack, phases[phase] as number);
      }
    });
    for (let p = 0; p < phases.length; p++) {
      const limit = phases[p] as number;
      const start = p * PHASE_SECONDS * 1000;
      const inPhase = samples.filter(([t]) => t >= start && t < start + PHASE_SECONDS * 1000);
      const settled = inPhase.find(([t, c]) => {
        const back = samples.find(([t2]) => t2 >= t - 2000);
        const avg = back && t - back[0] > 0 ? ((c - back[1]) * 1000) / (t - back[0]) : 0;
        return t - start >= 2000 && avg >= 0.9 * limit && avg <= 1.1 * limit;
      });
      const last = inPhase.at(-1);
      const mid = inPhase.find(([t]) => t >= start + PHASE_SECONDS * 500);
      const steady = last && mid ? ((last[1] - mid[1]) * 1000) / (last[0] - mid[0]) : NaN;
      console.log(
        `changing limit, phase ${p + 1} (${limit}/s): within ±10% of the limit after ${settled ? fmt((settled[0] - start) / 1000) : `>${PHASE_SECONDS}`} s; second half of the phase ${fmt(steady)}/s = ${fmt((steady / limit) * 100)}%`,
      );
    }
    await fetch(`${stack.sag.url}/__admin/faults`, { method: 'DELETE' });
    await stack.waitForIdle(120_000);
    console.log(`changing limit: dead letters ${(await stack.drainDeadLetters()).length}`);
  });
}

async function main(): Promise<void> {
  setLogSink(() => undefined);
  console.log(`join worker vs an unannounced SAG limit on Create and Roam, latency +${LATENCY} ms, ${N} joins per run, no SAG_MAX_CALLS_PER_SECOND`);
  const want = (name: string) => !ONLY || ONLY.includes(name);
  for (const limit of [5, 20, 50]) if (want(String(limit))) await fixedLimit(limit, Number(process.env.BENCH_INSTANCES ?? 2));
  if (want('4x20')) await fixedLimit(20, 4);
  if (want('change')) await changingLimit();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
