/**
 * `npm run bench:plan`: a reconcile plan for a large company. 100,000 roster rows (a CSV file read by the file
 * reader; 97% active over 20 offices, 3% departed) against 20 SAG instances whose Describe pages the SAG emulator
 * serves (90,000 accounts: most on the right site, 3,000 on a wrong one, 2,000 of leavers, a few unmanaged) and a
 * ledger of BENCH_LEDGER_ROWS rows in the Tablestore emulator. The plan (read the roster, Describe every instance
 * page by page through the product's paced SAG client, range-read the ledger, plan, guard) runs as a dry run in a
 * child process bundled as the functions are, so its time and peak RSS are its own (the emulators run in this
 * process, on the other core).
 * Printed: each phase, the total against the 10 s limit and the peak RSS against 300 MB, as ratios.
 *
 * Environment: BENCH_ROSTER_ROWS (100000), BENCH_INSTANCES (20), BENCH_LEDGER_ROWS (20000).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSagEmulator } from '../emulators/sag/index.js';
import { startTablestoreEmulator } from '../emulators/tablestore/index.js';
import { TablestoreClient, ensureLedgerTable, ledgerKey, mapLimit, setLogSink } from '../shared/index.js';
import { fmt } from './stats.js';

const ROWS = Number(process.env.BENCH_ROSTER_ROWS ?? 100_000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 20);
const LEDGER_ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 20_000);
const LIMIT_S = 10;
const LIMIT_MB = 300;
const CREDENTIALS = { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' };

const sites = Array.from({ length: INSTANCES }, (_, i) => ({
  id: `site-${i}`,
  regionId: 'cn-shanghai',
  smartAGId: `sag-bench${String(i).padStart(4, '0')}`,
  bandwidthKbps: 1000,
  offices: [`Office-${i}`],
}));
const email = (i: number) => `e${i}@corp.example.com`;
const departed = (i: number) => i % 33 === 0;

async function seed(sag: Awaited<ReturnType<typeof startSagEmulator>>, ots: TablestoreClient): Promise<string> {
  for (const s of sites)
    sag.addInstance({ id: s.smartAGId, regionId: s.regionId, cidr: `10.${sites.indexOf(s)}.0.0/16`, userQuota: 50_000, allowClientUsers: true });
  const lines = ['employeeId,name,email,office,status'];
  const perInstance = new Map<string, Array<{ userMail: string }>>();
  const add = (site: number, userMail: string) => {
    const id = sites[site % INSTANCES]?.smartAGId as string;
    perInstance.set(id, [...(perInstance.get(id) ?? []), { userMail }]);
  };
  for (let i = 0; i < ROWS; i++) {
    lines.push(`E${i},Employee ${i},${email(i)},Office-${i % INSTANCES},${departed(i) ? 'departed' : 'active'}`);
    if (i % 10 === 9) continue; // 10%: no account yet
    add(i % 30 === 1 ? i + 1 : i, email(i)); // 1 in 30 on a wrong site
  }
  for (let k = 0; k < 200; k++) add(k, `stranger-${k}@else.example.com`);
  for (const [id, users] of perInstance) sag.seedUsers(id, users);
  const dir = mkdtempSync(join(tmpdir(), 'bench-plan-'));
  const file = join(dir, 'roster.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await ensureLedgerTable(ots, 'hr_sag_ledger');
  await mapLimit(
    Array.from({ length: LEDGER_ROWS }, (_, i) => i),
    32,
    (i) =>
      ots.putRow(
        'hr_sag_ledger',
        [{ name: 'employee', value: ledgerKey('generic', `E${i}`) }],
        [
          { name: 'email', value: email(i) },
          { name: 'userName', value: email(i) },
          {
            name: 'accounts',
            value: JSON.stringify([{ site: `site-${i % INSTANCES}`, regionId: 'cn-shanghai', smartAGId: sites[i % INSTANCES]?.smartAGId, state: 'enabled' }]),
          },
          { name: 'history', value: '[]' },
          { name: 'version', value: 1n },
        ],
        { row: 'ignore' },
      ),
  );
  return file;
}

async function main(): Promise<void> {
  setLogSink(() => undefined);
  const sag = await startSagEmulator({ credentials: [CREDENTIALS] });
  const tablestore = await startTablestoreEmulator({ credentials: [CREDENTIALS] });
  try {
    const ots = new TablestoreClient({ endpoint: tablestore.url, instance: tablestore.instanceName, credentials: CREDENTIALS, timeoutMs: 10_000 });
    const t = Date.now();
    const file = await seed(sag, ots);
    console.log(`seeded ${ROWS} roster rows, ${INSTANCES} instances, ${LEDGER_ROWS} ledger rows in ${fmt((Date.now() - t) / 1000)} s`);
    const env = {
      SITES_JSON: JSON.stringify({ sites }),
      SAG_ENDPOINT: sag.url,
      TABLESTORE_INSTANCE: tablestore.instanceName,
      TABLESTORE_ENDPOINT: tablestore.url,
      TABLESTORE_TIMEOUT_MS: '30000',
      MNS_ACCOUNT_ID: '1',
      LOG_LEVEL: 'error',
      BENCH_FILE: file,
    };
    // The child is bundled as the functions are (npm run build's options): the product's code as it ships.
    const childFile = join(mkdtempSync(join(tmpdir(), 'bench-plan-child-')), 'child.cjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./reconcile-plan-child.ts', import.meta.url))],
      outfile: childFile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      alias: { debug: './scripts/shims/debug.cjs', xmlbuilder: './scripts/shims/xmlbuilder.cjs' },
      logLevel: 'warning',
    });
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, [childFile], { env: { ...process.env, BENCH_CHILD_ENV: JSON.stringify(env) }, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      c.stdout.on('data', (d) => (text += d));
      c.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`plan child exited ${code}`))));
    });
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    const s = r.total / 1000;
    const mb = r.maxRssKb / 1024;
    console.log(
      `plan of ${r.employees} employees against ${INSTANCES} instances: ${JSON.stringify(r.counts)}; ${r.managed} managed, ${r.unmanaged} unmanaged; ${r.describeCalls} Describe calls`,
    );
    console.log(
      `phases: roster, SAG and ledger read (together) ${fmt(r.readMs / 1000, 2)} s, plan and guard ${fmt((r.total - r.readMs) / 1000, 2)} s; RSS before the plan ${fmt(r.baselineRssKb / 1024)} MB`,
    );
    console.log(
      `load average ${loadavg()
        .map((l) => fmt(l, 2))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log(
      `time ${fmt(s, 2)} s = ${fmt((s / LIMIT_S) * 100)}% of the ${LIMIT_S} s limit; peak RSS ${fmt(mb)} MB = ${fmt((mb / LIMIT_MB) * 100)}% of ${LIMIT_MB} MB`,
    );
  } finally {
    await sag.close();
    await tablestore.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
