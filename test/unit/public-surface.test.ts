/**
 * shared/index.ts is the one public surface of shared/: the functions, the local stack, the tools, the deploy
 * tooling and the benchmarks import from it, never from shared/'s modules directly (only tests may).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as surface from '../../shared/index.js';

const OUTSIDE = ['functions', 'local', 'scripts', 'deploy', 'bench', 'emulators', 'cli'];

it('code outside shared/ imports shared/ only through shared/index.ts', () => {
  const offenders: string[] = [];
  for (const dir of OUTSIDE) {
    for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|mts|mjs)$/.test(rel)) continue;
      const text = readFileSync(join(dir, rel), 'utf8');
      for (const m of text.matchAll(/from '((?:\.\.\/)+shared\/[^']+)'/g))
        if (!/shared\/index\.js$/.test(m[1] as string)) offenders.push(`${dir}/${rel}: ${m[1]}`);
    }
  }
  expect(offenders).toEqual([]);
});

it('exports the handler factories, the workers and the catalogue the functions are built from', () => {
  expect(typeof surface.createWebhookHandler).toBe('function');
  expect(typeof surface.createWorkerHandler).toBe('function');
  expect(surface.WORKER_FUNCTIONS.map((f) => f.name)).toEqual([
    surface.joinWorker.name,
    surface.transferWorker.name,
    surface.enrichWorker.name,
    surface.leaveWorker.name,
  ]);
});
