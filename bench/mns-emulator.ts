/**
 * MNS emulator throughput with the real `@alicloud/mns` client over loopback:
 * `npx tsx bench/mns-emulator.ts [--seconds=3] [--concurrency=48] [--clients=2]`.
 *
 * Phases (each bounded by a duration, with a fixed number of calls in flight; the loops stop by themselves):
 * - SendMessage (a ~340-byte base64 JSON body, like the product's messages);
 * - ReceiveMessage + DeleteMessage pairs, draining what the send phase left (the queue is thousands deep);
 * - BatchSendMessage of 16, then BatchReceiveMessage of 16 + BatchDeleteMessage, in messages per second.
 * Two setups:
 * 1. the emulator alone in this process, driven by `--clients` SDK client processes (the SDK costs about as much CPU
 *    per call as the emulator, so one client process cannot keep it busy). This process's CPU time per message is
 *    the emulator's: 1e6 / that is "messages per second on one core".
 * 2. emulator and one client in this one process (one core for both).
 * Prints figures; asserts nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import MNSClient from '@alicloud/mns/lib/client.js';
import { startMnsEmulator, type MnsEmulator } from '../emulators/mns/index.js';
import { mnsErrorCode } from '../shared/index.js';
import { summary } from './stats.js';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const SECONDS = arg('seconds', 3);
const CONCURRENCY = Math.min(256, Math.floor(arg('concurrency', 48)));
const CLIENTS = Math.min(8, Math.floor(arg('clients', 2)));
const QUEUE = 'bench-q';
const BATCH_QUEUE = 'bench-batch';
const BODY = Buffer.from(
  JSON.stringify({
    type: 'join',
    source: 'feishu',
    userId: 'ou_7d8a6e6df7621556ce0d21922b676706ccs',
    email: 'li.lei@example.com',
    department: 101,
    at: '2026-11-23T08:00:00.000Z',
  }).repeat(2),
).toString('base64');

async function startForBench(): Promise<MnsEmulator> {
  const emu = await startMnsEmulator();
  // A long visibility timeout: a received-but-not-yet-deleted message must not come back during the phase.
  emu.createQueue(QUEUE, { VisibilityTimeout: 600 });
  emu.createQueue(BATCH_QUEUE, { VisibilityTimeout: 600 });
  return emu;
}

// ---- load generation -----------------------------------------------------------------------------------------
interface PhaseResult {
  /** Units of work (messages). */
  units: number;
  errors: number;
  seconds: number;
  latencies: number[];
  firstError?: string;
}

/** Runs `call` from `concurrency` workers until the deadline; a worker stops early when `call` returns false (drained). */
async function phase(call: () => Promise<number | false>, seconds: number, concurrency: number): Promise<PhaseResult> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let units = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const done = await call();
        if (done === false) return;
        units += done;
      } catch (err) {
        errors++;
        firstError ??= `${(err as Error).name}: ${(err as Error).message}`;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { units, errors, seconds: (performance.now() - started) / 1000, latencies, firstError };
}

function merge(results: PhaseResult[]): PhaseResult {
  return {
    units: results.reduce((n, r) => n + r.units, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
    latencies: results.flatMap((r) => r.latencies),
    firstError: results.find((r) => r.firstError)?.firstError,
  };
}

function line(name: string, r: PhaseResult, emulatorCpuMicros?: number, processCpuMicros?: number): void {
  const lat = summary(r.latencies);
  let text = `  ${name.padEnd(34)} ${(r.units / r.seconds).toFixed(0).padStart(7)} messages/s   p50 ${(lat.p50 || 0).toFixed(1)} ms  p99 ${(lat.p99 || 0).toFixed(1)} ms   (${r.units} messages, ${r.errors} errors, ${r.seconds.toFixed(1)} s)`;
  if (emulatorCpuMicros !== undefined && r.units > 0) {
    const per = emulatorCpuMicros / r.units;
    text += `\n  ${''.padEnd(34)} emulator CPU ${per.toFixed(0)} µs/message, busy ${((emulatorCpuMicros / 1e6 / r.seconds) * 100).toFixed(0)}% of a core → ~${(1e6 / per).toFixed(0)} messages/s on one core`;
  }
  if (processCpuMicros !== undefined)
    text += `\n  ${''.padEnd(34)} process CPU (client + emulator) ${((processCpuMicros / 1e6 / r.seconds) * 100).toFixed(0)}% of one core`;
  if (r.firstError) text += `\n  ${''.padEnd(34)} first error: ${r.firstError}`;
  console.log(text);
}

type PhaseName = 'send' | 'receiveDelete' | 'batchSend' | 'batchReceiveDelete';
const PHASES: Array<[PhaseName, string]> = [
  ['send', 'SendMessage'],
  ['receiveDelete', 'ReceiveMessage + DeleteMessage'],
  ['batchSend', 'BatchSendMessage (16)'],
  ['batchReceiveDelete', 'BatchReceive (16) + BatchDelete'],
];

function calls(client: MNSClient): Record<PhaseName, () => Promise<number | false>> {
  const is2xx = (r: { code: number }) => r.code >= 200 && r.code < 300;
  const drained = (err: unknown) => mnsErrorCode(err) === 'MessageNotExist';
  const batch16 = Array.from({ length: 16 }, () => ({ MessageBody: BODY }));
  return {
    send: async () => (is2xx(await client.sendMessage(QUEUE, { MessageBody: BODY })) ? 1 : 0),
    receiveDelete: async () => {
      let r: Awaited<ReturnType<typeof client.receiveMessage>>;
      try {
        r = await client.receiveMessage(QUEUE);
      } catch (err) {
        if (drained(err)) return false;
        throw err;
      }
      await client.deleteMessage(QUEUE, (r.body as { ReceiptHandle: string }).ReceiptHandle);
      return 1;
    },
    batchSend: async () => (is2xx(await client.batchSendMessage(BATCH_QUEUE, batch16)) ? 16 : 0),
    batchReceiveDelete: async () => {
      let r: Awaited<ReturnType<typeof client.batchReceiveMessage>>;
      try {
        r = await client.batchReceiveMessage(BATCH_QUEUE, 16);
      } catch (err) {
        if (drained(err)) return false;
        throw err;
      }
      const msgs = r.body as Array<{ ReceiptHandle: string }>;
      await client.batchDeleteMessage(
        BATCH_QUEUE,
        msgs.map((m) => m.ReceiptHandle),
      );
      return msgs.length;
    },
  };
}

function clientFor(emu: { url: string; accountId: string; accessKeyId: string; accessKeySecret: string }): MNSClient {
  return new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: emu.url });
}

// ---- client child: runs phases on request ----------------------------------------------------------------------
function serveClientChild(): void {
  let run: Record<PhaseName, () => Promise<number | false>> | undefined;
  process.on('message', (msg: { type: string; emu?: Parameters<typeof clientFor>[0]; phase?: PhaseName; seconds?: number; concurrency?: number }) => {
    if (msg.type === 'init' && msg.emu) {
      run = calls(clientFor(msg.emu));
      process.send?.({ type: 'ready' });
    } else if (msg.type === 'phase' && run && msg.phase) {
      void phase(run[msg.phase], msg.seconds ?? 1, msg.concurrency ?? 1).then((result) => process.send?.({ type: 'result', result }));
    } else if (msg.type === 'stop') process.exit(0);
  });
}

function ask<T>(child: ChildProcess, message: object, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string } & T) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`client child exited with ${code}`)));
    child.send(message);
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--client-child')) return serveClientChild();
  console.log(`MNS emulator bench — Node ${process.version}, @alicloud/mns 1.2.0 over loopback, ${CONCURRENCY} calls in flight, up to ${SECONDS} s per phase`);

  // 1. The emulator alone in this process, CLIENTS SDK client processes.
  const emu = await startForBench();
  const children = Array.from({ length: CLIENTS }, () =>
    fork(process.argv[1] as string, ['--client-child'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  // The clients run at a lower priority, so that the emulator gets the CPU whenever it has work: its CPU time per
  // message is then measured while it is busy, as it would be on a core of its own.
  for (const c of children) {
    try {
      if (c.pid !== undefined) os.setPriority(c.pid, 10);
    } catch {
      // not permitted here: measure anyway
    }
  }
  try {
    await Promise.all(
      children.map((c) =>
        ask(c, { type: 'init', emu: { url: emu.url, accountId: emu.accountId, accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret } }, 'ready'),
      ),
    );
    const perChild = Math.max(1, Math.round(CONCURRENCY / CLIENTS));
    const runPhase = async (name: PhaseName, seconds: number) =>
      merge(
        await Promise.all(
          children.map((c) => ask<{ result: PhaseResult }>(c, { type: 'phase', phase: name, seconds, concurrency: perChild }, 'result').then((m) => m.result)),
        ),
      );
    await runPhase('send', 0.3); // warm-up (JIT, keep-alive sockets)
    await runPhase('receiveDelete', 0.3);
    console.log(`\n1. emulator alone in this process, ${CLIENTS} SDK client processes`);
    for (const [name, label] of PHASES) {
      const cpu0 = process.cpuUsage();
      const result = await runPhase(name, SECONDS);
      const d = process.cpuUsage(cpu0);
      line(label, result, d.user + d.system);
    }
  } finally {
    for (const c of children) c.send({ type: 'stop' });
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await emu.close();
  }

  // 2. Emulator and client in this one process.
  const solo = await startForBench();
  try {
    const run = calls(clientFor(solo));
    await phase(run.send, 0.3, CONCURRENCY);
    await phase(run.receiveDelete, 0.3, CONCURRENCY);
    console.log('\n2. emulator and one SDK client in this one process');
    for (const [name, label] of PHASES) {
      const cpu0 = process.cpuUsage();
      const result = await phase(run[name], SECONDS, CONCURRENCY);
      const d = process.cpuUsage(cpu0);
      line(label, result, undefined, d.user + d.system);
    }
  } finally {
    await solo.close();
  }
}

main().then(
  () => {
    if (!process.argv.includes('--client-child')) process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
