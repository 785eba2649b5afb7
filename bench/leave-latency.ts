/**
 * `npm run bench:leave`: how fast access is revoked. 500 employees join (one site each, spread over the sample
 * directory's three sites), then 500 leave through the generic webhook as a steady stream (BENCH_LEAVE_RATE per
 * second, default 20: an HR system's offboarding run) and, second, all at once (a burst, which measures the
 * backlog's drain rather than the path). For each leave: the time from the webhook's 202 to the account being
 * disabled (State 1) on the instance that held it, by polling the SAG emulator's state. Prints p50/p99 and p99 as a
 * share of the 2 s budget (local stack, no faults).
 *
 * Environment: BENCH_LEAVERS (500), BENCH_LEAVE_RATE (20).
 */
import { type Stack, startStack } from '../local/stack.js';
import { LOCAL_WEBHOOK_SECRET } from '../local/stack.js';
import { sampleJoin, sampleLeave, signedGenericRequest } from '../local/sample.js';
import { mapLimit, setLogSink } from '../shared/index.js';
import { fmt, summary } from './stats.js';

const N = Number(process.env.BENCH_LEAVERS ?? 500);
const RATE = Number(process.env.BENCH_LEAVE_RATE ?? 20);
const BUDGET_MS = 2_000;
const OFFICES = ['Shanghai', 'Hangzhou', 'Beijing'];

async function post(stack: Stack, payload: unknown): Promise<void> {
  const r = signedGenericRequest(`${stack.webhookUrl}/webhooks/generic`, LOCAL_WEBHOOK_SECRET, payload);
  const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
}

/** Email → epoch ms when its account shows State 1 on the instance that held it. */
function watchDisabled(stack: Stack, emails: Set<string>, seen: Map<string, number>): () => void {
  const timer = setInterval(() => {
    for (const site of stack.directory.sites) {
      for (const u of stack.sag.listUsers(site.smartAGId))
        if (u.state === 1 && emails.has(u.userMail) && !seen.has(u.userMail)) seen.set(u.userMail, Date.now());
    }
  }, 5);
  return () => clearInterval(timer);
}

/** Leaves `emails` (stream: one every 1/RATE s; burst: all at once) and returns each one's 202 → disabled time. */
async function leaveAll(stack: Stack, emails: string[], tag: string, paced: boolean): Promise<number[]> {
  const accepted = new Map<string, number>();
  const disabled = new Map<string, number>();
  const stop = watchDisabled(stack, new Set(emails), disabled);
  const t0 = Date.now();
  await mapLimit(emails, paced ? 64 : 32, async (email: string, i: number) => {
    if (paced) await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i * 1000) / RATE - Date.now())));
    await post(stack, sampleLeave(`${tag}${i}`, email));
    accepted.set(email, Date.now());
  });
  while (disabled.size < emails.length && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
  stop();
  return emails.map((e) => (disabled.get(e) ?? Number.NaN) - (accepted.get(e) ?? Number.NaN)).filter(Number.isFinite);
}

async function joined(stack: Stack, tag: string): Promise<string[]> {
  const emails = Array.from({ length: N }, (_, i) => `${tag.toLowerCase()}${i}@example.com`);
  await mapLimit(emails, 32, (email: string, i: number) => post(stack, sampleJoin(`${tag}${i}`, email, OFFICES[i % 3])));
  // Not waitForIdle: the leave queue keeps each earlier leaver's delete step as a delayed message.
  const want = new Set(emails);
  const created = () => stack.directory.sites.reduce((n, site) => n + stack.sag.listUsers(site.smartAGId).filter((u) => want.has(u.userMail)).length, 0);
  const t0 = Date.now();
  while (created() < emails.length && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
  return emails;
}

function report(what: string, latencies: number[]): void {
  const s = summary([...latencies].sort((a, b) => a - b));
  console.log(
    `${what}: ${latencies.length}/${N} disabled; 202 → disabled p50 ${fmt(s.p50, 0)} ms, p99 ${fmt(s.p99, 0)} ms = ${fmt((s.p99 / BUDGET_MS) * 100)}% of the ${BUDGET_MS} ms budget`,
  );
  if (latencies.length < N) process.exitCode = 1;
}

async function main(): Promise<void> {
  setLogSink(() => undefined);
  const stack = await startStack({ env: { LOG_LEVEL: 'error', WORKER_CONCURRENCY: '8' }, trigger: { countWindow: 16 } });
  try {
    console.log(`local stack (2 instances per worker), no faults, ${N} leavers each run`);
    report(`stream of ${RATE} leaves/s`, await leaveAll(stack, await joined(stack, 'LS'), 'LS', true));
    report('burst (all at once)', await leaveAll(stack, await joined(stack, 'LB'), 'LB', false));
  } finally {
    await stack.stop();
  }
}

void main();
