/**
 * Bundles each FC function (functions/<name>/index.ts) into one CommonJS file, dist/<name>/index.js, with the
 * handler exported as `handler` (FC handler string `index.handler`). No node_modules are shipped.
 *
 * Usage: npm run build [-- <name> ...]
 */
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const FUNCTIONS_DIR = 'functions';
export const DIST_DIR = 'dist';

export function functionNames(): string[] {
  return readdirSync(FUNCTIONS_DIR).filter((n) => existsSync(join(FUNCTIONS_DIR, n, 'index.ts')));
}

export async function bundleFunction(name: string, outdir = join(DIST_DIR, name)): Promise<{ file: string; bytes: number }> {
  rmSync(outdir, { recursive: true, force: true });
  const file = join(outdir, 'index.js');
  await build({
    entryPoints: [join(FUNCTIONS_DIR, name, 'index.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    // Dead weight at cold start, replaced by shims (each file says why): see README "Decisions".
    alias: { debug: './scripts/shims/debug.cjs', xmlbuilder: './scripts/shims/xmlbuilder.cjs' },
    logLevel: 'warning',
  });
  return { file, bytes: statSync(file).size };
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : functionNames();
  for (const name of names) {
    const { file, bytes } = await bundleFunction(name);
    console.log(`${file}  ${(bytes / 1024).toFixed(1)} KB`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() as string)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
