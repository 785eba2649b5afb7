/**
 * SAG emulator throughput with the real `@alicloud/pop-core` client over loopback:
 * `npx tsx bench/sag-emulator.ts [--seconds=3] [--concurrency=48]`.
 *
 * Two setups, each measuring DescribeSmartAccessGatewayClientUsers (a page of 10 from 1,000 users, and a UserName
 * lookup) and CreateSmartAccessGatewayClientUser (POST):
 * 1. emulator in a child process (its own core), reporting the emulator's CPU time per call;
 * 2. emulator and client in this one process (one core for both).
 * Prints figures; asserts nothing. Bounded: a fixed number of in-flight calls, a fixed duration per phase.
 */
import { fork, type ChildProcess } from 'node:child_process';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { startSagEmulator, type SagEmulator } from '../emulators/sag/index.js';
import { summary } from './stats.js';

const REGION = 'cn-shanghai';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = hit ? Number(hit.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const SECONDS = arg('seconds', 3);
const CONCURRENCY = Math.min(256, Math.floor(arg('concurrency', 48)));

async function startSeeded(): Promise<SagEmulator> {
  const emu = await startSagEmulator({
    region: REGION,
    instances: [
      { id: 'sag-bench-describe', cidr: '10.1.0.0/16', userQuota: 5000 },
      { id: 'sag-bench-create', cidr: '10.128.0.0/9', userQuota: 5_000_000 },
    ],
    onInternalError: (err) => console.error('emulator error', err),
  });
  emu.seedUsers(
    'sag-bench-describe',
    Array.from({ length: 1000 }, (_, i) => ({ userName: `bench.user${String(i).padStart(4, '0')}`, userMail: `bench${i}@example.com` })),
  );
  return emu;
}

// ---- child mode: just serve -----------------------------------------------------------------------------------
async function serveChild(): Promise<void> {
  const emu = await startSeeded();
  let cpuAtMark = process.cpuUsage();
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'mark') cpuAtMark = process.cpuUsage();
    if (msg.type === 'cpu') {
      const d = process.cpuUsage(cpuAtMark);
      process.send?.({ type: 'cpu', micros: d.user + d.system });
    }
    if (msg.type === 'stop') void emu.close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url: emu.url });
}

// ---- load generation -----------------------------------------------------------------------------------------
interface PhaseResult {
  calls: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function phase(call: (i: number) => Promise<unknown>, seconds: number): Promise<PhaseResult> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let calls = 0;
  let errors = 0;
  let next = 0;
  let firstError: unknown;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await call(next++);
        calls++;
      } catch (err) {
        errors++;
        firstError ??= err;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const lat = summary(latencies);
  if (firstError) console.error('  first error:', (firstError as { code?: string; message?: string }).code ?? firstError);
  return { calls, errors, seconds: elapsed, p50: lat.p50 || 0, p99: lat.p99 || 0 };
}

function line(name: string, r: PhaseResult, serverCpuMicros?: number): void {
  const rate = r.calls / r.seconds;
  let text = `  ${name.padEnd(40)} ${rate.toFixed(0).padStart(6)} calls/s   p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms   (${r.calls} ok, ${r.errors} errors, ${r.seconds.toFixed(1)} s)`;
  if (serverCpuMicros !== undefined && r.calls > 0) {
    const perCall = serverCpuMicros / (r.calls + r.errors);
    text += `\n  ${''.padEnd(40)} emulator CPU ${perCall.toFixed(0)} µs/call → ~${(1e6 / perCall).toFixed(0)} calls/s per core`;
  }
  console.log(text);
}

async function runPhases(url: string, label: string, tag: string, child?: ChildProcess): Promise<void> {
  const client = new RPCClient({ endpoint: url, apiVersion: '2018-03-13', accessKeyId: 'local-ak', accessKeySecret: 'local-sk', opts: { timeout: 10_000 } });
  const describePage = () => client.request('DescribeSmartAccessGatewayClientUsers', { RegionId: REGION, SmartAGId: 'sag-bench-describe', PageNumber: 7 });
  const describeName = (i: number) =>
    client.request('DescribeSmartAccessGatewayClientUsers', {
      RegionId: REGION,
      SmartAGId: 'sag-bench-describe',
      UserName: `bench.user${String(i % 1000).padStart(4, '0')}`,
    });
  const create = (i: number) =>
    client.request(
      'CreateSmartAccessGatewayClientUser',
      { RegionId: REGION, SmartAGId: 'sag-bench-create', UserMail: `${tag}-${i}@example.com`, Bandwidth: 1000 },
      { method: 'POST' },
    );

  const cpu = async (): Promise<number | undefined> => {
    if (!child) return undefined;
    return new Promise((resolve) => {
      child.once('message', (m: { type: string; micros: number }) => resolve(m.micros));
      child.send({ type: 'cpu' });
    });
  };
  const measure = async (name: string, fn: (i: number) => Promise<unknown>) => {
    child?.send({ type: 'mark' });
    const cpuStart = child ? undefined : process.cpuUsage();
    const result = await phase(fn, SECONDS);
    const serverCpu = await cpu();
    line(name, result, serverCpu);
    if (cpuStart) {
      const d = process.cpuUsage(cpuStart);
      console.log(`  ${''.padEnd(40)} process CPU (client + emulator) ${(((d.user + d.system) / 1e6 / result.seconds) * 100).toFixed(0)}% of one core`);
    }
  };

  console.log(`\n${label}: ${CONCURRENCY} calls in flight, ${SECONDS} s per phase`);
  await phase(describePage, 0.5); // warm-up (JIT, keep-alive sockets)
  await measure('Describe (page 7 of 1,000 users, GET)', describePage);
  await measure('Describe (UserName filter, GET)', describeName);
  await measure('Create (POST)', create);
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve-child')) return serveChild();
  console.log(`SAG emulator bench — Node ${process.version}, pop-core 1.8.0 over loopback`);

  // 1. Emulator in a child process.
  const child = fork(process.argv[1] as string, ['--serve-child'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { type: string; url: string }) => (m.type === 'ready' ? resolve(m.url) : reject(new Error('unexpected message'))));
      child.once('exit', (code) => reject(new Error(`emulator child exited with ${code}`)));
    });
    await runPhases(url, 'emulator in a child process', 'child', child);
  } finally {
    child.send({ type: 'stop' });
    await new Promise((r) => child.once('exit', r));
  }

  // 2. Everything in this process.
  const emu = await startSeeded();
  try {
    await runPhases(emu.url, 'emulator and client in one process', 'inproc');
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
