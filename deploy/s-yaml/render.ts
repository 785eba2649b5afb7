/**
 * Renders s.yaml offline with `s preview -o json --output-file <tmp>`: no credentials, no network. `s preview` only
 * renders magic variables (`env`, `vars`) and fails on an unset `${env()}` without a default; it validates no props
 * (https://github.com/Serverless-Devs/Serverless-Devs/blob/master/src/command/preview/index.ts).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Obj } from './problem.js';

export interface Rendered {
  spec: Obj;
  /** Wall time of `s preview`, ms. */
  ms: number;
}

/** Runs `s preview` in `dir` and returns its exit code and output. */
function runPreview(sEntry: string, dir: string, out: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const home = join(dir, 'home');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [sEntry, 'preview', '-t', 's.yaml', '-o', 'json', '--output-file', out], {
      cwd: dir,
      env: { ...env, PATH: env.PATH ?? process.env.PATH, HOME: home, USERPROFILE: home, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/**
 * Removes the scratch directory. `s` may still be writing its logs under HOME/.s for a moment after it exits, so
 * the removal is retried, and a directory that still cannot be removed is left to the OS's temp cleanup.
 */
function removeScratch(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // left in the temp directory: nothing of value is in it
  }
}

/**
 * Renders `yamlPath`. The file is copied to a fresh directory and `s` runs with a fresh HOME and CI=true, so no
 * `.env` beside the real file, no `~/.s` configuration or credentials, and no prompt take part; `env` is the whole
 * environment `s` sees (plus PATH, HOME and CI).
 */
export async function renderWithS(sEntry: string, yamlPath: string, env: NodeJS.ProcessEnv): Promise<Rendered> {
  const dir = mkdtempSync(join(tmpdir(), 's-preview-'));
  try {
    copyFileSync(yamlPath, join(dir, 's.yaml'));
    const out = join(dir, 'rendered.json');
    const started = Date.now();
    const result = await runPreview(sEntry, dir, out, env);
    const ms = Date.now() - started;
    if (result.code !== 0 || !existsSync(out)) {
      const why = result.output
        .split('\n')
        .filter((l) => l.trim() && !/not recommended to run the command as root|complete log of this run|^\s*(Logs|Env|Feedback):/.test(l))
        .slice(0, 12)
        .join('\n');
      throw new Error(`s preview failed (exit ${result.code}):\n${why}`);
    }
    return { spec: JSON.parse(readFileSync(out, 'utf8')) as Obj, ms };
  } finally {
    removeScratch(dir);
  }
}

const ENV_WITHOUT_DEFAULT = /\$\{env\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*\)\}/g;

/** The variables s.yaml reads with no default (`${env('X')}`): `s preview` and `s deploy` fail when one is unset. */
export function requiredEnv(yamlText: string): string[] {
  const names = new Set<string>();
  for (const raw of yamlText.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    for (const m of line.matchAll(ENV_WITHOUT_DEFAULT)) names.add(m[2] as string);
  }
  return [...names];
}

/** KEY=VALUE lines (optionally `export KEY=VALUE`, values optionally quoted); comments and blank lines skipped. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m || raw.trim().startsWith('#')) continue;
    let v = m[2] as string;
    const q = /^(['"])(.*)\1$/.exec(v);
    if (q) v = q[1] === '"' ? (q[2] as string).replace(/\\n/g, '\n') : (q[2] as string);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1] as string] = v;
  }
  return out;
}
