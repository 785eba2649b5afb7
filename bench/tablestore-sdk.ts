/**
 * `npx tsx bench/tablestore-sdk.ts`: what the official Tablestore SDK (`tablestore`) costs a cold start, measured in
 * one run against its unbundled baseline (require from node_modules):
 * - `unbundled`: `require('tablestore')` from node_modules (also what keeping the FC runtime's preinstalled copy
 *   external costs: the function's bundle then requires it the same way);
 * - `bundled`: the SDK bundled with esbuild as the functions are (cjs, minified, node20);
 * - `bundled, no proto`: the same with its generated protobuf module replaced by an empty stub — not functional, the
 *   lower bound of what cutting that module down to the messages used can reach;
 * - `own codec`: the emulator's protobufjs schema and PlainBuffer codec bundled (emulators/tablestore/wire.ts and
 *   plain-buffer.ts) — a proxy for a small client of our own built on protobufjs with a parsed schema;
 * - `own PlainBuffer only`: plain-buffer.ts alone — the floor of a client with a hand-written protobuf codec.
 * Then the join worker with the SDK as each option would load it: its unbundled baseline (tsc output) plus the SDK
 * from node_modules (the first row, the ratios' reference), its bundle alone, its bundle plus the SDK bundled (a), its
 * bundle plus the SDK required from node_modules (b: the FC runtime's preinstalled copy kept external).
 * For each: size (and gzip), the share of the protobuf module, module-init time (the requires + `new Client`, median
 * of N fresh processes) and its ratio to the table's first row. Every full client then lists the tables of a
 * Tablestore emulator, to show the bundle works. Figures on a shared machine vary: compare ratios, not ms.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { mkdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { startTablestoreEmulator } from '../emulators/tablestore/index.js';
import { bundleFunction } from '../scripts/build.js';
import { fmt, summary } from './stats.js';

const run = promisify(execFile);
/** What a function's module init reads (as bench/cold-start.ts sets it). */
const FUNCTION_ENV = {
  ...process.env,
  SITES_FILE: resolve('config/sites.sample.json'),
  HR_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  LOG_LEVEL: 'warn',
};
const WORKER = 'join-worker';
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const DIR = resolve('.tmp/tablestore-sdk-bench');
const PROTO_MODULE = 'tablestore_compiled_proto.js';

interface Variant {
  name: string;
  /** The module to require (a bundle, or the entry that requires node_modules); `m` in `init`. */
  file: string;
  /** Modules required before it, in the same process (a function's entry). */
  before?: string[];
  /** Bytes of the bundle, or of every file the unbundled require loads. */
  bytes: number;
  gzipBytes: number;
  protoBytes: number;
  /** Code run after the require (`m` is the module). */
  init: string;
  /** Whether the variant can talk to the emulator. */
  functional: boolean;
}

const SDK_INIT = `new m.Client({endpoint:'http://127.0.0.1:1',instancename:'i',accessKeyId:'a',accessKeySecret:'s'})`;

/** Stands for any namespace, enum or message of the generated module, at any depth (reads at load time work). */
const STUB = 'const s=()=>new Proxy(function(){},{get:(t,k)=>k===Symbol.toPrimitive?()=>0:s(),apply:()=>s(),construct:()=>s()});module.exports=s();';

async function bundle(name: string, entry: string, stubProto: boolean): Promise<{ file: string; meta: Metafile }> {
  const out = join(DIR, name, 'index.js');
  const result = await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
    plugins: stubProto
      ? [{ name: 'stub-proto', setup: (b) => b.onLoad({ filter: /tablestore_compiled_proto\.js$/ }, () => ({ contents: STUB, loader: 'js' })) }]
      : [],
  });
  return { file: out, meta: result.metafile };
}

function protoShare(meta: Metafile): number {
  let n = 0;
  for (const output of Object.values(meta.outputs))
    for (const [input, info] of Object.entries(output.inputs)) if (input.endsWith(PROTO_MODULE)) n += info.bytesInOutput;
  return n;
}

function bundled(name: string, b: { file: string; meta: Metafile }, init: string, functional: boolean): Variant {
  const text = readFileSync(b.file);
  return { name, file: b.file, bytes: text.length, gzipBytes: gzipSync(text).length, protoBytes: protoShare(b.meta), init, functional };
}

/** The files an unbundled require loads (from require.cache), their total and gzip sizes, the proto module's. */
function unbundled(entry: string): Variant {
  const code = `require(${JSON.stringify(entry)});process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const files = (JSON.parse(r.stdout) as string[]).filter((f) => f !== entry);
  const all = Buffer.concat(files.map((f) => readFileSync(f)));
  const proto = files.filter((f) => f.endsWith(PROTO_MODULE)).reduce((n, f) => n + statSync(f).size, 0);
  return {
    name: 'unbundled (node_modules)',
    file: entry,
    bytes: all.length,
    gzipBytes: gzipSync(all).length,
    protoBytes: proto,
    init: SDK_INIT,
    functional: true,
  };
}

function initTimes(v: Variant): number[] {
  const before = (v.before ?? []).map((f) => `require(${JSON.stringify(f)});`).join('');
  const code = `const t=process.hrtime.bigint();${before}const m=require(${JSON.stringify(v.file)});${v.init};process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['--no-deprecation', '-e', code], { encoding: 'utf8', env: FUNCTION_ENV });
    if (r.status !== 0) throw new Error(`init of ${v.name} failed: ${r.stderr}`);
    out.push(Number(r.stdout));
  }
  return out;
}

/** Lists the emulator's tables with the variant's SDK in a fresh process. */
async function works(v: Variant, ots: Emulator): Promise<string> {
  const code = `const m=require(${JSON.stringify(v.file)});new m.Client({endpoint:${JSON.stringify(ots.url)},instancename:${JSON.stringify(ots.instanceName)},accessKeyId:${JSON.stringify(ots.accessKeyId)},accessKeySecret:${JSON.stringify(ots.accessKeySecret)},maxRetries:0}).listTable({}).then(r=>process.stdout.write('ok, ListTable '+JSON.stringify(r.tableNames)),e=>{process.stdout.write('error '+e.message);})`;
  // Asynchronous: the emulator answers from this process's event loop.
  const r = await run(process.execPath, ['--no-deprecation', '-e', code], { encoding: 'utf8', timeout: 10_000 }).catch(
    (err: { stdout?: string; message: string }) => ({ stdout: err.stdout || err.message, stderr: '' }),
  );
  return r.stdout || r.stderr;
}

type Emulator = { url: string; instanceName: string; accessKeyId: string; accessKeySecret: string };

async function table(title: string, variants: Variant[], ots: Emulator): Promise<void> {
  console.log(
    `${title}\n(size: what is deployed; proto KB: the generated protobuf module's share of what is loaded)\nvariant                                size KB  gzip KB  proto KB  init ms  init vs first row  works on the emulator`,
  );
  let baseline = Number.NaN;
  for (const v of variants) {
    const t = summary(initTimes(v));
    if (Number.isNaN(baseline)) baseline = t.p50;
    const check = v.functional ? await works(v, ots) : '(not a full client)';
    console.log(
      `${v.name.padEnd(37)} ${fmt(v.bytes / 1024).padStart(8)} ${fmt(v.gzipBytes / 1024).padStart(8)} ${fmt(v.protoBytes / 1024).padStart(9)} ${fmt(t.p50, 2).padStart(8)} ${fmt(baseline / t.p50, 2).padStart(17)}x  ${check}`,
    );
  }
  console.log('');
}

/** The join worker's unbundled baseline (tsc output) and bundle, each with the SDK as it would be loaded. */
async function workerVariants(sdkUnbundled: Variant, sdkBundled: Variant): Promise<Variant[]> {
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'bench/tsconfig.baseline.json'], { stdio: 'inherit' });
  const baseEntry = resolve('.tmp/baseline/functions', WORKER, 'index.js');
  const { file, bytes } = await bundleFunction(WORKER, join(DIR, WORKER));
  const worker = resolve(file);
  const text = readFileSync(worker);
  const alone: Variant = {
    name: `${WORKER} bundle, no SDK`,
    file: worker,
    bytes,
    gzipBytes: gzipSync(text).length,
    protoBytes: 0,
    init: '',
    functional: false,
  };
  const withSdk = (name: string, before: string, sdk: Variant, own: number, ownGzip: number): Variant => ({
    ...sdk,
    name,
    before: [before],
    bytes: own + sdk.bytes,
    gzipBytes: ownGzip + sdk.gzipBytes,
  });
  return [
    { ...withSdk(`${WORKER} unbundled + SDK unbundled`, baseEntry, sdkUnbundled, 0, 0), bytes: Number.NaN, gzipBytes: Number.NaN },
    alone,
    withSdk(`${WORKER} bundle + SDK bundled (a)`, worker, sdkBundled, bytes, alone.gzipBytes),
    // (b) deploys only the worker's bundle; the SDK's files are read from the runtime's disk at init.
    { ...withSdk(`${WORKER} bundle + SDK external (b)`, worker, sdkUnbundled, bytes, alone.gzipBytes), bytes, gzipBytes: alone.gzipBytes },
  ];
}

async function main(): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const entry = join(DIR, 'entry.js');
  writeFileSync(entry, "module.exports = require('tablestore');\n");
  const codecEntry = join(DIR, 'codec.ts');
  writeFileSync(
    codecEntry,
    `export * from '${resolve('emulators/tablestore/wire.js')}';\nexport * from '${resolve('emulators/tablestore/plain-buffer.js')}';\n`,
  );
  const variants: Variant[] = [
    unbundled(entry),
    bundled('bundled (esbuild)', await bundle('bundled', entry, false), SDK_INIT, true),
    bundled('bundled, no proto (bound)', await bundle('no-proto', entry, true), SDK_INIT, false),
    bundled('own codec (protobufjs)', await bundle('codec', codecEntry, false), `m.messageType('PutRowRequest')`, false),
    bundled('own PlainBuffer only', await bundle('plain', resolve('emulators/tablestore/plain-buffer.ts'), false), `m.writeRows([])`, false),
  ];
  const ots = await startTablestoreEmulator();
  console.log(
    `tablestore ${JSON.parse(readFileSync('node_modules/tablestore/package.json', 'utf8')).version} cold start, median of ${RUNS} fresh processes each (node ${process.version})\n`,
  );
  await table('the SDK alone', variants, ots);
  await table(
    `${WORKER} with the SDK (option b = the runtime's preinstalled copy kept external)`,
    await workerVariants(variants[0] as Variant, variants[1] as Variant),
    ots,
  );
  await ots.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
