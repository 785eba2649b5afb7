/** The variables the deployed code reads, found in the code itself. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_ENV } from '../function-env.js';

/**
 * Every variable the deployed code reads, with where it was found: the table in shared/config.ts's header plus
 * `env.X`, `env['X']` and `(env, 'X'` in shared/ and functions/ (tests excluded), minus the platform's own.
 */
export function codeEnvVariables(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const note = (name: string, where: string) => {
    if (!PLATFORM_ENV.test(name) && !found.has(name)) found.set(name, where);
  };
  const configText = readFileSync(join(root, 'shared', 'config.ts'), 'utf8');
  for (const line of configText.split('\n')) {
    const row = /^\s*\*\s*\|([^|]*)\|/.exec(line);
    if (!row || /---|variable/.test(row[1] as string)) continue;
    for (const m of (row[1] as string).matchAll(/`([A-Z][A-Z0-9_]+)`/g)) note(m[1] as string, 'shared/config.ts table');
  }
  const patterns = [/\benv\.([A-Z][A-Z0-9_]*)\b/g, /\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g, /\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g];
  for (const dir of ['shared', 'functions']) {
    for (const rel of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!rel.endsWith('.ts') || rel.endsWith('.test.ts') || rel.endsWith('.d.ts')) continue;
      const text = readFileSync(join(root, dir, rel), 'utf8');
      for (const re of patterns) for (const m of text.matchAll(re)) note(m[1] as string, `${dir}/${rel}`);
    }
  }
  return found;
}
