/**
 * The measured half of `npm run bench:plan` (bench/reconcile-plan.ts bundles and spawns it): one dry-run plan from
 * BENCH_CHILD_ENV, timed; prints one JSON line with the time, the peak RSS and the plan's counts.
 */
import { FileRosterReader, loadConfig, preparePlan, reconcileDeps, SiteDirectory, setLogSink } from '../shared/index.js';

async function main(): Promise<void> {
  setLogSink(() => undefined);
  const env = JSON.parse(process.env.BENCH_CHILD_ENV as string) as Record<string, string>;
  const config = loadConfig(env);
  const credentials = { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' };
  const deps = reconcileDeps({
    config,
    directory: SiteDirectory.fromEnv(env),
    credentials,
    reader: new FileRosterReader(env.BENCH_FILE as string),
    accountId: '1',
  });
  const baselineRssKb = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  // The last page read (roster, Describe or ledger) marks the end of the reads.
  let readMs = 0;
  const prepared = await preparePlan(deps, {
    dryRun: true,
    onProgress: () => {
      readMs = performance.now() - t0;
    },
  });
  const total = performance.now() - t0;
  const r = prepared.report;
  const line = {
    total,
    readMs: Math.max(readMs, 0),
    baselineRssKb,
    maxRssKb: process.resourceUsage().maxRSS,
    counts: r.counts,
    describeCalls: r.describeCalls,
    managed: r.managed,
    unmanaged: r.unmanaged.length,
    employees: r.roster.employees,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
