/**
 * `npm run bench:backfill`: onboarding an existing company. 2,000 employees in a roster file (spread over the
 * sample directory's three sites), `npx hr-sag-sync backfill --local --file …` run in-process against the local
 * stack, whose SAG emulator allows CreateSmartAccessGatewayClientUser 20 times a second
 * (`{"action":"CreateSmartAccessGatewayClientUser","ratePerSecond":20}`). Timed from the command's start to the
 * last event settled in the ledger (the command waits for the drain). Printed: the end-to-end rate against the
 * 20/s limit, the dead letters and the duplicate accounts (expected: none of either).
 *
 * The 2 worker instances are told nothing of the limit (SAG_MAX_CALLS_PER_SECOND unset, the product's default):
 * their pacers find it, as in bench:flow; they are tuned as bench:transfer (batches of 16, WORKER_CONCURRENCY 8).
 * BENCH_CEILING=10 tells each its share instead, as an operator who knows the account's quota might.
 *
 * Environment: BENCH_EMPLOYEES (2000), BENCH_RATE (20), BENCH_CEILING (0: none).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../cli/main.js';
import { startStack } from '../local/stack.js';
import { setLogSink } from '../shared/index.js';
import { fmt } from './stats.js';

const N = Number(process.env.BENCH_EMPLOYEES ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const CEILING = Number(process.env.BENCH_CEILING ?? 0);
const OFFICES = ['Shanghai', 'Hangzhou', 'Beijing'];

async function main(): Promise<void> {
  setLogSink(() => undefined);
  const stack = await startStack({
    // The same worker tuning as bench:transfer: batches of 16, 8 messages of a batch at once.
    env: { LOG_LEVEL: 'error', WORKER_INSTANCES: '2', WORKER_CONCURRENCY: '8', SAG_MAX_CALLS_PER_SECOND: String(CEILING) },
    trigger: { countWindow: 16 },
    userQuota: N + 10,
  });
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'bench-backfill-')), 'employees.csv');
    const rows = Array.from({ length: N }, (_, i) => `E${i},Employee ${i},e${i}@corp.example.com,${OFFICES[i % 3]},active`);
    writeFileSync(file, `employeeId,name,email,office,status\n${rows.join('\n')}\n`);
    const fault = { action: 'CreateSmartAccessGatewayClientUser', ratePerSecond: RATE };
    const res = await fetch(`${stack.sag.url}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
    if (res.status !== 201) throw new Error(`fault refused: ${res.status}`);
    const port = (url: string) => new URL(url).port;
    const env = {
      MNS_EMULATOR_PORT: port(stack.mns.url),
      SAG_EMULATOR_PORT: port(stack.sag.url),
      HR_EMULATOR_PORT: port(stack.hr.url),
      TABLESTORE_EMULATOR_PORT: port(stack.tablestore.url),
      WEBHOOK_PORT: port(stack.webhookUrl),
    };
    let stdout = '';
    // The SAG side: when the first and the last account appeared.
    let first = 0;
    let last = 0;
    const count = () => stack.sag.snapshot().instances.reduce((n, i) => n + i.userCount, 0);
    const watch = setInterval(() => {
      const n = count();
      if (n > 0 && !first) first = Date.now();
      if (n >= N && !last) last = Date.now();
    }, 50);
    const t0 = Date.now();
    const code = await run(['backfill', '--local', '--json', '--file', file, '--wait', '30m'], {
      env,
      home: '/nonexistent',
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
    });
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(watch);
    const doc = JSON.parse(stdout);
    await stack.waitForIdle(60_000);
    const dead = await stack.drainDeadLetters();
    const byMail = new Map<string, number>();
    for (const i of stack.sag.snapshot().instances) for (const u of i.users) byMail.set(u.userMail, (byMail.get(u.userMail) ?? 0) + 1);
    const duplicates = [...byMail.values()].filter((n) => n > 1).length;
    const rate = doc.settled / seconds;
    console.log(`backfill of ${N} employees (exit ${code}): ${doc.report.counts.join} joins planned, ${doc.settled} settled, ${byMail.size} accounts`);
    console.log(`ceiling per worker instance: ${CEILING || 'none (adaptive pacing alone)'}; SAG Create limit ${RATE}/s`);
    const sagSeconds = (last - first) / 1000;
    console.log(
      `SAG side: first to last account ${fmt(sagSeconds)} s = ${fmt(N / sagSeconds)}/s = ${fmt((N / sagSeconds / RATE) * 100)}% of the limit; before the first account (read, plan, enqueue): ${fmt((first - t0) / 1000)} s`,
    );
    console.log(
      `end to end ${fmt(seconds)} s = ${fmt(rate)} accounts/s = ${fmt((rate / RATE) * 100)}% of the ${RATE}/s limit (target ≥ 90%); dead letters: ${dead.length}; duplicates: ${duplicates}`,
    );
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
