/**
 * `npm run bench:cold`: cold-start figures per function.
 * - bundle size of dist/<fn>/index.js (esbuild, minified, no node_modules) vs the unbundled baseline: the `tsc`
 *   output plus the node_modules packages it loads at run time;
 * - module-initialisation time (require of the entry, in a fresh `node` process, median of N) vs the baseline,
 *   measured in the same run, and the ratio between them (these machines are noisy: compare ratios, not ms);
 * - for the webhook, the time from spawning a fresh process to the answer of its first request (a signed generic
 *   join enqueued on a local MNS emulator): the Feishu URL check allows 1 s, cold start included.
 * Targets (issue #3): bundle ≤ 250 KB, init ≤ 25 ms, first webhook answer < 1 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { bundleFunction, functionNames } from '../scripts/build.js';
import { fmt, summary } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BASELINE_DIR = resolve('.tmp/baseline');

function initTimes(entry: string, env: NodeJS.ProcessEnv): number[] {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(entry)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`init of ${entry} failed: ${r.stderr}`);
    out.push(Number(r.stdout));
  }
  return out;
}

/** The node_modules packages a baseline entry actually loads (measured by requiring it and reading the cache). */
function loadedPackagesBytes(entry: string, env: NodeJS.ProcessEnv): { js: number; packages: string[] } {
  const code = `require(${JSON.stringify(entry)});const fs=require('fs');let n=0;const pk=new Set();for(const f of Object.keys(require.cache)){n+=fs.statSync(f).size;const m=/node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f);if(m)pk.add(m[1]);}process.stdout.write(JSON.stringify({js:n,packages:[...pk]}))`;
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

async function main(): Promise<void> {
  const env = {
    ...process.env,
    SITES_FILE: resolve('config/sites.sample.json'),
    HR_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    LOG_LEVEL: 'warn',
  };
  rmSync(BASELINE_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'bench/tsconfig.baseline.json'], { stdio: 'inherit' });
  console.log(`cold start, median of ${RUNS} fresh processes each (node ${process.version})\n`);
  console.log('function          bundle KB  baseline KB (files loaded)  init ms  baseline init ms  init ratio');
  for (const fn of functionNames()) {
    const { file, bytes } = await bundleFunction(fn);
    const bundleEntry = resolve(file);
    const baseEntry = join(BASELINE_DIR, 'functions', fn, 'index.js');
    if (!existsSync(baseEntry)) throw new Error(`baseline build missing ${baseEntry}`);
    const b = summary(initTimes(bundleEntry, env));
    const base = summary(initTimes(baseEntry, env));
    const loaded = loadedPackagesBytes(baseEntry, env);
    console.log(
      `${fn.padEnd(17)} ${fmt(bytes / 1024).padStart(9)}  ${fmt(loaded.js / 1024).padStart(11)} (${loaded.packages.length} packages)`.padEnd(58) +
        `${fmt(b.p50, 2).padStart(7)}  ${fmt(base.p50, 2).padStart(16)}  ${fmt(base.p50 / b.p50, 2).padStart(9)}x`,
    );
  }
  const { firstAnswer } = await import('./first-answer.js');
  await firstAnswer(env);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
