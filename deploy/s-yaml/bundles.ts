/** Each function's handler, loaded from its built bundle as FC would (in a child process, no node_modules around). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Check } from './check.js';
import { bundleExpectation, type BundleExpectation } from './function-checks.js';
import type { Problem } from './problem.js';

function loadExports(present: BundleExpectation[]): Record<string, string> | string {
  const script = `const out={};for(const [f,e] of JSON.parse(process.argv[1])){try{out[f+'#'+e]=typeof require(f)[e]}catch(err){out[f+'#'+e]='error: '+(err&&err.message)}}process.stdout.write('\\n@@RESULT '+JSON.stringify(out))`;
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify(present.map((c) => [c.file, c.exportName]))], {
    encoding: 'utf8',
    cwd: tmpdir(),
    env: { PATH: process.env.PATH },
  });
  try {
    // Module initialisation may log (e.g. a webhook without configuration): the result follows the marker.
    return JSON.parse(r.stdout.split('\n@@RESULT ')[1] ?? '') as Record<string, string>;
  } catch {
    return r.stderr.slice(0, 500);
  }
}

/** The file `props.handler` names exists in the bundle and exports a function of that name (skipped with bundles: 'skip'). */
export const checkBundles: Check = ({ functions }, ctx) => {
  if (ctx.bundles === 'skip') return [];
  const problems: Problem[] = [];
  const expected = functions.map((f) => bundleExpectation(f, ctx.baseDir)).filter((c): c is BundleExpectation => !!c);
  const present = expected.filter((c) => {
    if (existsSync(c.file)) return true;
    problems.push({ resource: c.resource, key: c.key, message: `${c.file} does not exist: run npm run build` });
    return false;
  });
  if (!present.length) return problems;
  const types = loadExports(present);
  if (typeof types === 'string') return [...problems, { resource: 'dist', key: 'bundles', message: `could not load the bundles: ${types}` }];
  for (const c of present) {
    const t = types[`${c.file}#${c.exportName}`];
    if (t !== 'function')
      problems.push({ resource: c.resource, key: c.key, message: `${c.file} does not export a function "${c.exportName}" (${t ?? 'not loaded'})` });
  }
  return problems;
};
