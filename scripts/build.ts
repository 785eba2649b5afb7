/**
 * Bundles each FC function (functions/<name>/index.ts) into one CommonJS file, dist/<name>/index.js, with the
 * handler exported as `handler` (FC handler string `index.handler`). No node_modules are shipped.
 *
 * The site directory can ship inside each bundle (FC limits a function's environment variables to 4 KB in all,
 * which a large directory outgrows): if `SITES_BUNDLE_FILE` names a file, or `config/sites.json` exists, it is
 * validated and copied to `dist/<name>/sites.json`; deploy with `SITES_FILE=sites.json`.
 *
 * Usage: npm run build [-- <name> ...]
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SiteDirectory } from '../shared/index.js';

export const FUNCTIONS_DIR = 'functions';
export const DIST_DIR = 'dist';

export function functionNames(): string[] {
  return readdirSync(FUNCTIONS_DIR).filter((n) => existsSync(join(FUNCTIONS_DIR, n, 'index.ts')));
}

/** The site directory file to ship in the bundles, validated, or undefined when there is none. */
export function sitesToBundle(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.SITES_BUNDLE_FILE || (existsSync(join('config', 'sites.json')) ? join('config', 'sites.json') : undefined);
  if (!file) return undefined;
  SiteDirectory.parse(JSON.parse(readFileSync(file, 'utf8')));
  return file;
}

export async function bundleFunction(name: string, outdir = join(DIST_DIR, name), sitesFile?: string): Promise<{ file: string; bytes: number }> {
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
  if (sitesFile) copyFileSync(sitesFile, join(outdir, 'sites.json'));
  return { file, bytes: statSync(file).size };
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : functionNames();
  const sites = sitesToBundle();
  for (const name of names) {
    const { file, bytes } = await bundleFunction(name, undefined, sites);
    console.log(`${file}  ${(bytes / 1024).toFixed(1)} KB`);
  }
  if (sites) console.log(`site directory ${sites} → dist/<function>/sites.json (deploy with SITES_FILE=sites.json)`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() as string)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
