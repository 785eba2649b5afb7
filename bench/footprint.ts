/**
 * `npm run bench:footprint`: what the deployed bundles need, for sizing s.yaml. Each bundle runs alone in a child
 * process (as on FC) against the emulators in this process, and handles N invocations: the webhook N signed joins,
 * the join worker N batches of 4 messages (the trigger's batch window). Printed: init time, invocation p50/p99 and
 * the process's peak RSS and heap. Environment: BENCH_INVOCATIONS (300).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startStack, LOCAL_WEBHOOK_SECRET } from '../local/stack.js';
import { signedGenericRequest } from '../local/sample.js';
import { encodeMessage, EVENT_SCHEMA_VERSION, eventId, setLogSink } from '../shared/index.js';

const N = Number(process.env.BENCH_INVOCATIONS ?? 300);

/** Child: require the bundle, run the events from argv, report timings and memory. */
const CHILD = `
const t0 = process.hrtime.bigint();
const { handler } = require(process.argv[1]);
const init = Number(process.hrtime.bigint() - t0) / 1e6;
const events = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
(async () => {
  const d = []; let peakRss = 0, peakHeap = 0;
  for (const e of events) {
    const t = process.hrtime.bigint();
    const r = await handler(Buffer.from(JSON.stringify(e)), { credentials: { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' }, function: { timeout: 120 } });
    d.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r && r.statusCode && r.statusCode >= 300) throw new Error('status ' + r.statusCode + ' ' + r.body);
    const m = process.memoryUsage(); peakRss = Math.max(peakRss, m.rss); peakHeap = Math.max(peakHeap, m.heapUsed);
  }
  d.sort((a, b) => a - b);
  process.stdout.write('\\nRESULT ' + JSON.stringify({ init, p50: d[Math.floor(d.length / 2)], p99: d[Math.min(d.length - 1, Math.ceil(d.length * 0.99) - 1)], peakRss, peakHeap }));
})().catch((e) => { console.error(e); process.exit(1); });`;

function runChild(
  bundle: string,
  eventsFile: string,
  env: Record<string, string>,
): Promise<{ init: number; p50: number; p99: number; peakRss: number; peakHeap: number }> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, ['-e', CHILD, resolve(bundle), eventsFile], { env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'error' } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => (code === 0 ? res(JSON.parse(out.split('\nRESULT ')[1] ?? '{}')) : rej(new Error(err))));
  });
}

async function main(): Promise<void> {
  setLogSink(() => undefined);
  const stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  await Promise.all(Object.values(stack.runners).map((r) => r.stop()));
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/footprint-');
  try {
    const webhookEvents = Array.from({ length: N }, (_, i) => {
      const r = signedGenericRequest('/webhooks/generic', LOCAL_WEBHOOK_SECRET, {
        type: 'employee.joined',
        timestamp: new Date().toISOString(),
        data: { employeeId: `M${i}`, name: 'M', email: `m${i}@example.com`, office: 'Shanghai' },
      });
      return {
        version: 'v1',
        rawPath: '/webhooks/generic',
        body: r.body,
        isBase64Encoded: false,
        headers: r.headers,
        queryParameters: {},
        requestContext: { http: { method: 'POST', path: '/webhooks/generic' } },
      };
    });
    writeFileSync(`${dir}/webhook.json`, JSON.stringify(webhookEvents));
    const site = stack.directory.sites[0] as { id: string; regionId: string; smartAGId: string; bandwidthKbps: number; userNamePolicy: 'email' };
    const batches = Array.from({ length: N }, (_, b) =>
      Array.from({ length: 4 }, (_, j) => {
        const i = b * 4 + j;
        const event = {
          schemaVersion: EVENT_SCHEMA_VERSION,
          id: eventId('generic', `fp-${i}`),
          source: 'generic',
          occurredAt: new Date().toISOString(),
          type: 'employee.joined',
          employee: { id: `W${i}`, email: `w${i}@example.com`, name: 'W' },
          site: { id: site.id, regionId: site.regionId, smartAGId: site.smartAGId, bandwidthKbps: site.bandwidthKbps, userNamePolicy: site.userNamePolicy },
        };
        return { id: String(i), specversion: '1.0', data: { requestId: 'r', messageId: `m${i}`, messageBody: encodeMessage({ event }) } };
      }),
    );
    writeFileSync(`${dir}/join.json`, JSON.stringify(batches));
    console.log(`bundle footprint, ${N} invocations each, bundle in a child process, emulators in this one`);
    console.log('function        init ms  p50 ms  p99 ms  peak RSS MB  peak heap MB');
    for (const [fn, file] of [
      ['webhook', 'webhook.json'],
      ['join-worker', 'join.json'],
    ] as const) {
      const r = await runChild(`dist/${fn}/index.js`, `${dir}/${file}`, stack.env);
      console.log(
        `${fn.padEnd(14)} ${r.init.toFixed(1).padStart(7)} ${r.p50.toFixed(2).padStart(7)} ${r.p99.toFixed(2).padStart(7)} ${(r.peakRss / 2 ** 20).toFixed(1).padStart(12)} ${(r.peakHeap / 2 ** 20).toFixed(1).padStart(13)}`,
      );
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
