/**
 * `npm run bench:roster`: reading a 100,000-row roster file (shared/roster/file.ts), as CSV (BOM, CRLF, quoted
 * names), JSON Lines and a JSON array, each with 1% bad rows. Each file is read in a fresh process; printed per
 * format: the read time as a share of the 10 s a whole reconcile plan of 100,000 rows may take (issue #14), rows
 * per second, the reading process's peak RSS and the heap the roster keeps once read.
 *
 * Environment: BENCH_ROWS (100000).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileRosterReader } from '../shared/index.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const PLAN_BUDGET_MS = 10_000;

interface Row {
  employeeId: string;
  name: string;
  email: string;
  office: string;
  departmentIds: string[];
  status: string;
}

function row(i: number): Row {
  const bad = i % 100 === 99;
  return {
    employeeId: `E${String(i).padStart(6, '0')}`,
    name: `Lee, Ann ${i}`,
    email: bad ? 'not-an-email' : `ann.lee${i}@example.com`,
    office: ['Shanghai', 'Beijing', 'Hangzhou'][i % 3] as string,
    departmentIds: [`od-${i % 40}`, `od-x${i % 7}`],
    status: i % 20 === 0 ? 'departed' : 'active',
  };
}

const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

function files(dir: string): Record<string, string> {
  const rows = Array.from({ length: ROWS }, (_, i) => row(i));
  const csv = ['\uFEFFemployeeId,name,email,office,departmentIds,status'];
  for (const r of rows) csv.push([r.employeeId, r.name, r.email, r.office, r.departmentIds.join(';'), r.status].map(csvField).join(','));
  const out = { csv: join(dir, 'roster.csv'), jsonl: join(dir, 'roster.jsonl'), json: join(dir, 'roster.json') };
  writeFileSync(out.csv, `${csv.join('\r\n')}\r\n`);
  const lines = rows.map((r) => JSON.stringify(r));
  writeFileSync(out.jsonl, `${lines.join('\n')}\n`);
  writeFileSync(out.json, `[\n${lines.join(',\n')}\n]\n`);
  return out;
}

interface Reading {
  ms: number;
  employees: number;
  problems: number;
  peakRssMb: number;
  keptHeapMb: number;
}

/** In the child: reads one file and prints a Reading. */
async function readOne(path: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const roster = await new FileRosterReader(path).read();
  const ms = performance.now() - t0;
  gc();
  const keptHeapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
  const reading: Reading = {
    ms,
    employees: roster.employees.length,
    problems: roster.problems.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    keptHeapMb,
  };
  console.log(JSON.stringify(reading));
}

function readInChild(path: string): Reading {
  const out = execFileSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--read', path], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as Reading;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-roster-'));
  try {
    const paths = files(dir);
    console.log(`roster file read, ${ROWS} rows (1% bad), Node ${process.version}, against the ${PLAN_BUDGET_MS / 1000} s plan budget`);
    for (const [format, path] of Object.entries(paths)) {
      const r = readInChild(path);
      const share = ((r.ms / PLAN_BUDGET_MS) * 100).toFixed(1);
      const perSecond = Math.round(ROWS / (r.ms / 1000)).toLocaleString('en');
      console.log(
        `${format.padEnd(5)} ${r.ms.toFixed(0).padStart(5)} ms = ${share}% of the budget, ${perSecond} rows/s; ${r.employees} employees, ${r.problems} problems; peak RSS ${r.peakRssMb.toFixed(0)} MB, roster heap ${r.keptHeapMb.toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--read') void readOne(process.argv[3] as string);
else void main();
