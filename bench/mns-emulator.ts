/**
 * MNS emulator throughput with the real `@alicloud/mns` client over loopback:
 * `npx tsx bench/mns-emulator.ts [--seconds=3] [--concurrency=48]`.
 *
 * Phases (each bounded by a duration, with a fixed number of calls in flight):
 * - SendMessage (a ~300-byte base64 JSON body, like the product's messages);
 * - ReceiveMessage + DeleteMessage pairs, draining what the send phase left (the queue is tens of thousands deep);
 * - BatchSendMessage of 16 and BatchReceiveMessage of 16 + BatchDeleteMessage, in messages per second.
 * Two setups: the emulator in a child process (its own core; the emulator's CPU time per call is reported, which is
 * what "calls per second on one core" means), then emulator and client in this one process.
 * Prints figures; asserts nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import MNSClient from '@alicloud/mns/lib/client.js';
import { startMnsEmulator, type MnsEmulator } from '../emulators/mns/index.js';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const SECONDS = arg('seconds', 3);
const CONCURRENCY = Math.min(256, Math.floor(arg('concurrency', 48)));
const QUEUE = 'bench-q';
const BATCH_QUEUE = 'bench-batch';
const BODY = Buffer.from(JSON.stringify({ type: 'join', source: 'feishu', userId: 'ou_7d8a6e6df7621556ce0d21922b676706ccs', email: 'li.lei@example.com', department: 101, at: '2026-11-23T08:00:00.000Z' }).repeat(2)).toString('base64');

async function startForBench(): Promise<MnsEmulator> {
  const emu = await startMnsEmulator();
  // A long visibility timeout: a received-but-not-yet-deleted message must not come back during the phase.
  emu.createQueue(QUEUE, { VisibilityTimeout: 600 });
  emu.createQueue(BATCH_QUEUE, { VisibilityTimeout: 600 });
  return emu;
}

// ---- child mode: just serve -----------------------------------------------------------------------------------
async function serveChild(): Promise<void> {
  const emu = await startForBench();
  let cpuAtMark = process.cpuUsage();
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'mark') cpuAtMark = process.cpuUsage();
    if (msg.type === 'cpu') {
      const d = process.cpuUsage(cpuAtMark);
      process.send?.({ type: 'cpu', micros: d.user + d.system });
    }
    if (msg.type === 'stop') void emu.close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url: emu.url, accountId: emu.accountId, accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret });
}

// ---- load generation -----------------------------------------------------------------------------------------
interface PhaseResult {
  /** Successful calls. */
  calls: number;
  /** Units of work (messages for batch phases). */
  units: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** Runs `call` from CONCURRENCY workers until the deadline; a worker stops early when `call` returns false (drained). */
async function phase(call: (i: number) => Promise<number | false>, seconds: number): Promise<PhaseResult> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let calls = 0;
  let units = 0;
  let errors = 0;
  let next = 0;
  let firstError: unknown;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const done = await call(next++);
        if (done === false) return;
        calls++;
        units += done;
      } catch (err) {
        errors++;
        firstError ??= err;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  if (firstError) console.error('  first error:', (firstError as Error).name, (firstError as Error).message);
  return { calls, units, errors, seconds: elapsed, p50: pct(0.5), p99: pct(0.99) };
}

function line(name: string, unit: string, r: PhaseResult, requestsPerUnit: number, serverCpuMicros?: number): void {
  const rate = r.units / r.seconds;
  let text = `  ${name.padEnd(38)} ${rate.toFixed(0).padStart(7)} ${unit}/s   p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms   (${r.units} ${unit}, ${r.errors} errors, ${r.seconds.toFixed(1)} s)`;
  if (serverCpuMicros !== undefined && r.units > 0) {
    const perUnit = serverCpuMicros / r.units;
    text += `\n  ${''.padEnd(38)} emulator CPU ${perUnit.toFixed(0)} µs per ${unit.replace(/s$/, '')} (${requestsPerUnit === 1 ? '1 request' : `${requestsPerUnit} requests`}) → ~${(1e6 / perUnit).toFixed(0)} ${unit}/s per core`;
  }
  console.log(text);
}

type Ok = { code: number };

function is2xx(r: Ok): boolean {
  return r.code >= 200 && r.code < 300;
}

async function runPhases(client: MNSClient, label: string, child?: ChildProcess): Promise<void> {
  const cpu = async (): Promise<number | undefined> => {
    if (!child) return undefined;
    return new Promise((resolve) => {
      child.once('message', (m: { type: string; micros: number }) => resolve(m.micros));
      child.send({ type: 'cpu' });
    });
  };
  const measure = async (name: string, unit: string, requestsPerUnit: number, fn: (i: number) => Promise<number | false>) => {
    child?.send({ type: 'mark' });
    const cpuStart = child ? undefined : process.cpuUsage();
    const result = await phase(fn, SECONDS);
    line(name, unit, result, requestsPerUnit, await cpu());
    if (cpuStart) {
      const d = process.cpuUsage(cpuStart);
      console.log(`  ${''.padEnd(38)} process CPU (client + emulator) ${(((d.user + d.system) / 1e6 / result.seconds) * 100).toFixed(0)}% of one core`);
    }
  };

  const send = async () => (is2xx(await client.sendMessage(QUEUE, { MessageBody: BODY })) ? 1 : 0);
  const receiveDelete = async () => {
    let r;
    try {
      r = await client.receiveMessage(QUEUE);
    } catch (err) {
      if ((err as Error).name === 'MNSMessageNotExistError') return false; // drained
      throw err;
    }
    await client.deleteMessage(QUEUE, (r.body as { ReceiptHandle: string }).ReceiptHandle);
    return 1;
  };
  const batch16 = Array.from({ length: 16 }, () => ({ MessageBody: BODY }));
  const batchSend = async () => (is2xx(await client.batchSendMessage(BATCH_QUEUE, batch16)) ? 16 : 0);
  const batchReceiveDelete = async () => {
    let r;
    try {
      r = await client.batchReceiveMessage(BATCH_QUEUE, 16);
    } catch (err) {
      if ((err as Error).name === 'MNSMessageNotExistError') return false;
      throw err;
    }
    const msgs = r.body as Array<{ ReceiptHandle: string }>;
    await client.batchDeleteMessage(BATCH_QUEUE, msgs.map((m) => m.ReceiptHandle));
    return msgs.length;
  };

  console.log(`\n${label}: ${CONCURRENCY} calls in flight, up to ${SECONDS} s per phase`);
  await phase(send, 0.3); // warm-up (JIT, keep-alive sockets)
  await phase(receiveDelete, 0.3);
  await measure('SendMessage', 'messages', 1, send);
  await measure('ReceiveMessage + DeleteMessage', 'messages', 2, receiveDelete);
  await measure('BatchSendMessage (16)', 'messages', 1 / 16, batchSend);
  await measure('BatchReceive (16) + BatchDelete', 'messages', 2 / 16, batchReceiveDelete);
}

function clientFor(url: string, accountId: string, accessKeyId: string, accessKeySecret: string): MNSClient {
  return new MNSClient(accountId, { accessKeyId, accessKeySecret, endpoint: url });
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve-child')) return serveChild();
  console.log(`MNS emulator bench — Node ${process.version}, @alicloud/mns 1.2.0 over loopback`);

  // 1. Emulator in a child process.
  const child = fork(process.argv[1] as string, ['--serve-child'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await new Promise<{ url: string; accountId: string; accessKeyId: string; accessKeySecret: string }>((resolve, reject) => {
      child.once('message', (m: { type: string; url: string; accountId: string; accessKeyId: string; accessKeySecret: string }) =>
        m.type === 'ready' ? resolve(m) : reject(new Error('unexpected message')),
      );
      child.once('exit', (code) => reject(new Error(`emulator child exited with ${code}`)));
    });
    await runPhases(clientFor(ready.url, ready.accountId, ready.accessKeyId, ready.accessKeySecret), 'emulator in a child process', child);
  } finally {
    child.send({ type: 'stop' });
    await new Promise((r) => child.once('exit', r));
  }

  // 2. Everything in this process.
  const emu = await startForBench();
  try {
    await runPhases(clientFor(emu.url, emu.accountId, emu.accessKeyId, emu.accessKeySecret), 'emulator and client in one process');
  } finally {
    await emu.close();
  }
}

main().then(
  () => {
    if (!process.argv.includes('--serve-child')) process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
