#!/usr/bin/env node
// Fails when package-lock.json cannot install on every platform with `npm ci`: each optional dependency that a
// locked package declares (esbuild's and rollup's per-platform binaries) must have its own entry in the lock.
// A lock written on one machine with some npm settings can omit the other platforms' entries; `npm ci` then
// refuses it with "Missing: … from lock file". Fix: rm -rf node_modules package-lock.json && npm install.
// Runs before the install (no dependencies), in .ci/run and `npm test`.
import { readFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const packages = lock.packages ?? {};
const missing = [];
for (const [path, meta] of Object.entries(packages)) {
  for (const name of Object.keys(meta.optionalDependencies ?? {})) {
    // npm resolves a dependency from the nearest node_modules up the tree.
    const candidates = [];
    let base = path;
    for (;;) {
      candidates.push(`${base ? `${base}/` : ''}node_modules/${name}`);
      const cut = base.lastIndexOf('node_modules/');
      if (cut < 0) break;
      base = base.slice(0, cut).replace(/\/$/, '');
    }
    if (!candidates.some((c) => c in packages)) missing.push(`${name} (optional dependency of ${path || 'the root'})`);
  }
}
if (lock.lockfileVersion < 2) missing.push(`lockfileVersion ${lock.lockfileVersion} (need 2 or 3)`);
if (missing.length > 0) {
  console.error(`package-lock.json is incomplete; \`npm ci\` would refuse it. Missing:\n  ${missing.join('\n  ')}`);
  console.error('Regenerate it: rm -rf node_modules package-lock.json && npm install');
  process.exit(1);
}
console.log(`package-lock.json: ${Object.keys(packages).length} entries, every platform's optional packages locked`);
