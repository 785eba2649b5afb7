/**
 * `npm run bench:transfer`: worker throughput against a SAG rate limit (issue #4).
 * The SAG emulator answers `RoamClientUser` with 50 ms of added latency and allows 20 calls per second (beyond
 * that: Throttling.User). A burst of 1,000 transfers is put on the transfer queue at once; the local stack's
 * trigger runner and the real transfer worker drain it. Printed: the achieved roams per second and its ratio to the
 * limit (the physical ceiling), for the workers' ceiling (SAG_MAX_CALLS_PER_SECOND, per instance: the limit's share
 * of each of the 2 instances) set at the SAG limit and a little below it, and the dead letters (expected: none).
 * bench/flow.ts measures the same without any ceiling.
 *
 * Environment: BENCH_TRANSFERS (1000), BENCH_RATE (20), BENCH_LATENCY_MS (50).
 */
import { startStack } from '../local/stack.js';
import { encodeMessage, EVENT_SCHEMA_VERSION, eventId, setLogSink } from '../shared/index.js';
import { fmt } from './stats.js';

const N = Number(process.env.BENCH_TRANSFERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);

async function run(clientRate: number): Promise<void> {
  setLogSink(() => undefined);
  const _sites = JSON.parse(await (await import('node:fs/promises')).readFile('config/sites.sample.json', 'utf8'));
  const stack = await startStack({
    // The ceiling is per instance (each paces on its own): the limit's share of each of the 2 instances.
    env: { SAG_MAX_CALLS_PER_SECOND: String(clientRate / 2), WORKER_INSTANCES: '2', WORKER_CONCURRENCY: '8', LOG_LEVEL: 'error' },
    trigger: { countWindow: 16 },
    userQuota: N + 10,
  });
  try {
    const [from, to] = stack.directory.sites as [any, any];
    stack.sag.seedUsers(
      from.smartAGId,
      Array.from({ length: N }, (_, i) => ({ userMail: `bench${i}@example.com` })),
    );
    await fetch(`${stack.sag.url}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { action: 'RoamClientUser', ratePerSecond: RATE },
        { action: 'RoamClientUser', delayMs: LATENCY },
      ]),
    });
    const snap = (s: any) => ({ id: s.id, regionId: s.regionId, smartAGId: s.smartAGId, bandwidthKbps: s.bandwidthKbps, userNamePolicy: s.userNamePolicy });
    const messages = Array.from({ length: N }, (_, i) => ({
      event: {
        schemaVersion: EVENT_SCHEMA_VERSION,
        id: eventId('generic', `bench-${i}`),
        source: 'generic',
        occurredAt: new Date().toISOString(),
        type: 'employee.transferred',
        employee: { id: `B${i}`, email: `bench${i}@example.com`, name: `Bench ${i}` },
        from: snap(from),
        to: snap(to),
      },
    }));
    const t0 = Date.now();
    for (let i = 0; i < messages.length; i += 16) {
      await stack.mnsClient.batchSendMessage(
        'hr-transfer',
        messages.slice(i, i + 16).map((m) => ({ MessageBody: encodeMessage(m) })),
      );
    }
    let done = 0;
    while (done < N && Date.now() - t0 < 600_000) {
      await new Promise((r) => setTimeout(r, 200));
      done = stack.sag.listUsers(to.smartAGId).length;
    }
    const seconds = (Date.now() - t0) / 1000;
    await stack.waitForIdle(60_000);
    const dead = await stack.drainDeadLetters();
    const rate = done / seconds;
    console.log(
      `client limit ${String(clientRate).padStart(5)}/s: ${done}/${N} roamed in ${fmt(seconds)} s = ${fmt(rate)} roams/s, ${fmt((rate / RATE) * 100)}% of the ${RATE}/s limit; dead letters: ${dead.length}`,
    );
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  console.log(`transfer worker vs SAG RoamClientUser limit ${RATE}/s, latency +${LATENCY} ms, burst of ${N}`);
  for (const clientRate of [RATE, RATE * 0.95]) await run(clientRate);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
