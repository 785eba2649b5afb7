/**
 * Offline checks of s.yaml: renders it with `s preview -o json --output-file <tmp>` (no credentials, no network;
 * fc-platform.md §6) and checks what fc3 would deploy against what the code and the platform need. Each problem
 * names the resource and the key. Used by test/deploy (with dummy values) and as a command:
 *
 *   npx tsx deploy/check-s-yaml.ts          # renders with YOUR environment: the values `s deploy` would use
 *   npx tsx deploy/check-s-yaml.ts --ci     # renders with the dummy values CI uses (no secrets needed)
 *   npx tsx deploy/check-s-yaml.ts --file other.yaml
 *
 * Prints the problems and exits 1 when there is any. s.yaml runs it as a pre-deploy action.
 *
 * `s preview` only renders (it validates no props, and fc3's own schema leaves trigger configs unvalidated), so the
 * checks below are this project's: runtime, handler present in the built bundle, PascalCase MNS trigger keys,
 * event-streaming with errorsTolerance ALL and a dead-letter ARN, retry strategy, batch window, timeouts under the
 * 5-minute push limit, queue names equal to the code's defaults, secrets only from the environment, the 4 KB
 * environment limit, the code's own configuration validation (loadConfig, site directory), the SAG rate budget,
 * the queue VisibilityTimeout of deploy/setup.ts against the trigger's longest hold, every variable the code reads
 * (shared/config.ts's table, `env.X` in shared/ and functions/) reaching each function that needs it (ENV_NEEDS)
 * from `${env('SAME_NAME', …)}`, and, as a warning only, each worker's timeout against its worst-case try.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_QUEUE_NAMES, loadConfig, type QueueNames } from '../shared/config.js';
import { SiteDirectory } from '../shared/sites.js';
import { QUEUE_ATTRIBUTES } from './setup.js';
import { runAsMain } from './run-main.js';
import { MNS_CALL_TIMEOUT_MS, SOFT_DEADLINE_SHARE } from '../shared/limits.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const S_YAML = join(REPO_ROOT, 's.yaml');
const S_ENTRY = join(REPO_ROOT, 'node_modules', '@serverless-devs', 's', 'bin', 's');

/** The only runtime the product is built for (esbuild target node20; FC has no nodejs22 built-in runtime). */
export const RUNTIME = 'nodejs20';
/** An MNS trigger push may last at most 5 minutes (fc-platform.md §3.4). */
export const PUSH_LIMIT_SECONDS = 300;
/** FC: all environment variables of a function together ≤ 4 KB (fc-platform.md §1.4). */
export const ENV_LIMIT_BYTES = 4096;
/** BACKOFF_RETRY: 1 push + 3 retries, 10–20 s apart (fc-platform.md §3.6). */
const BACKOFF_DELIVERIES = 4;
const BACKOFF_MAX_GAP_SECONDS = 20;

type QueueRole = keyof QueueNames;

/** The MNS client's read/connect timeout, i.e. the longest one re-enqueue or dead-letter send takes. */
const MNS_SEND_TIMEOUT_SECONDS = MNS_CALL_TIMEOUT_MS / 1000;

/**
 * The functions the product ships. `queue`: the queue a worker consumes; `sites`: needs the site directory;
 * `sagCallsPerTry` / `hrCallsPerTry`: the most SAG / HR API calls one try of one message makes ('per-instance': one
 * DescribeSmartAccessGatewayClientUsers per SAG instance of the site directory, to find the previous site).
 */
export const FUNCTIONS: Record<string, { queue?: QueueRole; callsSag: boolean; sites: boolean; sagCallsPerTry?: number | 'per-instance'; hrCallsPerTry?: number }> = {
  webhook: { callsSag: false, sites: true },
  'join-worker': { queue: 'join', callsSag: true, sites: false, sagCallsPerTry: 2 },
  'transfer-worker': { queue: 'transfer', callsSag: true, sites: false, sagCallsPerTry: 2 },
  'enrich-worker': { queue: 'enrich', callsSag: true, sites: true, sagCallsPerTry: 'per-instance', hrCallsPerTry: 2 },
};

export const QUEUE_ENV: Record<QueueRole, string> = {
  join: 'JOIN_QUEUE',
  transfer: 'TRANSFER_QUEUE',
  enrich: 'ENRICH_QUEUE',
  deadLetter: 'DEAD_LETTER_QUEUE',
};

/** The secrets shared/config.ts reads. Any other variable whose name looks secret is treated the same way. */
export const SECRET_ENV = [
  'HR_WEBHOOK_SECRET',
  'FEISHU_ENCRYPT_KEY',
  'FEISHU_VERIFICATION_TOKEN',
  'DINGTALK_TOKEN',
  'DINGTALK_AES_KEY',
  'DINGTALK_APP_KEY',
  'DINGTALK_APP_SECRET',
  'WECOM_TOKEN',
  'WECOM_ENCODING_AES_KEY',
  'WECOM_CORP_ID',
  'WECOM_CORP_SECRET',
] as const;
const SECRET_LIKE = /SECRET|TOKEN|PASSWORD|PASSWD|AES_KEY|ENCRYPT_KEY|APP_KEY|ACCESS_KEY|PRIVATE_KEY|CORP_ID/;
export const isSecretName = (name: string): boolean => (SECRET_ENV as readonly string[]).includes(name) || SECRET_LIKE.test(name);

// ---------------------------------------------------------------------------------------------------------------
// The variables the code reads, and which functions need them

/** Set by Function Compute itself (FC_*) or from the role's STS credentials (ALIBABA_CLOUD_*): never in s.yaml. */
const PLATFORM_ENV = /^(FC_|ALIBABA_CLOUD_)/;
const ALL_FUNCTIONS = ['webhook', 'join-worker', 'transfer-worker', 'enrich-worker'] as const;
const WORKER_FUNCTIONS = ['join-worker', 'transfer-worker', 'enrich-worker'] as const;
/** The HR source credentials: the webhook verifies/decrypts, the enrich worker calls the HR user APIs (all-or-none). */
const HR_SOURCE_FUNCTIONS = ['webhook', 'enrich-worker'] as const;

/**
 * Which functions need each variable the code reads. A variable the code reads that is missing here fails the check
 * (so a new knob in shared/config.ts cannot be forgotten in s.yaml), and so does a function that needs a variable
 * s.yaml does not pass it.
 */
export const ENV_NEEDS: Record<string, readonly string[]> = {
  REGION: ALL_FUNCTIONS,
  MNS_ENDPOINT: ALL_FUNCTIONS,
  MNS_ACCOUNT_ID: ALL_FUNCTIONS,
  JOIN_QUEUE: ALL_FUNCTIONS,
  TRANSFER_QUEUE: ALL_FUNCTIONS,
  ENRICH_QUEUE: ALL_FUNCTIONS,
  DEAD_LETTER_QUEUE: ALL_FUNCTIONS,
  LOG_LEVEL: ALL_FUNCTIONS,
  SAG_ENDPOINT: WORKER_FUNCTIONS,
  SAG_TIMEOUT_MS: WORKER_FUNCTIONS,
  SAG_MAX_CALLS_PER_SECOND: WORKER_FUNCTIONS,
  BREAKER_BASE_SECONDS: WORKER_FUNCTIONS,
  BREAKER_MAX_SECONDS: WORKER_FUNCTIONS,
  WORKER_CONCURRENCY: WORKER_FUNCTIONS,
  RETRY_INLINE_ATTEMPTS: WORKER_FUNCTIONS,
  RETRY_INLINE_BASE_DELAY_MS: WORKER_FUNCTIONS,
  RETRY_MAX_ATTEMPTS: WORKER_FUNCTIONS,
  RETRY_BASE_DELAY_SECONDS: WORKER_FUNCTIONS,
  RETRY_MAX_DELAY_SECONDS: WORKER_FUNCTIONS,
  RETRY_MAX_DEFERRALS: WORKER_FUNCTIONS,
  RETRY_DEFER_DELAY_SECONDS: WORKER_FUNCTIONS,
  RETRY_DELAY_SCALE: WORKER_FUNCTIONS,
  WEBHOOK_MAX_BODY_BYTES: ['webhook'],
  WEBHOOK_TOLERANCE_SECONDS: ['webhook'],
  HR_WEBHOOK_SECRET: ['webhook'],
  FEISHU_ENCRYPT_KEY: ['webhook'],
  FEISHU_VERIFICATION_TOKEN: ['webhook'],
  DINGTALK_TOKEN: HR_SOURCE_FUNCTIONS,
  DINGTALK_AES_KEY: HR_SOURCE_FUNCTIONS,
  DINGTALK_APP_KEY: HR_SOURCE_FUNCTIONS,
  DINGTALK_APP_SECRET: HR_SOURCE_FUNCTIONS,
  WECOM_TOKEN: HR_SOURCE_FUNCTIONS,
  WECOM_ENCODING_AES_KEY: HR_SOURCE_FUNCTIONS,
  WECOM_CORP_ID: HR_SOURCE_FUNCTIONS,
  WECOM_CORP_SECRET: HR_SOURCE_FUNCTIONS,
  SITES_JSON: HR_SOURCE_FUNCTIONS,
  SITES_FILE: HR_SOURCE_FUNCTIONS,
  DINGTALK_API_ENDPOINT: ['enrich-worker'],
  WECOM_API_ENDPOINT: ['enrich-worker'],
  HR_API_TIMEOUT_MS: ['enrich-worker'],
};

/**
 * Every variable the deployed code reads, with where it was found: the table in shared/config.ts's header plus
 * `env.X`, `env['X']` and `(env, 'X'` in shared/ and functions/ (tests excluded), minus the platform's own.
 */
export function codeEnvVariables(root = REPO_ROOT): Map<string, string> {
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

/** PascalCase keys of the EventBridge trigger structs (SourceMNSParameters, RetryStrategy, DeadLetterQueue, BatchWindow). */
const PASCAL_KEYS = ['RegionId', 'QueueName', 'IsBase64Decode', 'PushRetryStrategy', 'Arn', 'CountBasedWindow', 'TimeBasedWindow'];

export interface Problem {
  /** The s.yaml resource (e.g. `join-worker`), or `s.yaml` / `vars` / `actions` for file-level findings. */
  resource: string;
  /** Where: a path inside the resource (`props.triggers[0].triggerConfig.runOptions.errorsTolerance`) or `line N`. */
  key: string;
  message: string;
  /** 'warning': printed, but does not fail the check (worst-case arithmetic that a deployment may accept). */
  severity?: 'warning';
}

export const formatProblem = (p: Problem): string => `${p.resource}: ${p.key}: ${p.message}`;
export const isError = (p: Problem): boolean => p.severity !== 'warning';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Dummy values for CI: every source on, realistic lengths, nothing real. */
export function ciDummyEnv(): Record<string, string> {
  const aes = (seed: string) => Buffer.from(seed.repeat(4)).toString('base64').replace(/[^A-Za-z0-9+/]/g, '').slice(0, 43);
  return {
    ALIBABA_CLOUD_ACCOUNT_ID: '1234567890123456',
    SITES_JSON: JSON.stringify(JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'sites.sample.json'), 'utf8'))),
    HR_WEBHOOK_SECRET: `whsec_${Buffer.from('ci-dummy-standard-webhooks-key!').toString('base64')}`,
    FEISHU_ENCRYPT_KEY: 'ci-dummy-feishu-encrypt-key',
    FEISHU_VERIFICATION_TOKEN: 'ci-dummy-feishu-verification-token',
    DINGTALK_TOKEN: 'ci-dummy-dingtalk-token',
    DINGTALK_AES_KEY: aes('ci-dummy-dingtalk'),
    DINGTALK_APP_KEY: 'ci-dummy-dingtalk-app-key',
    DINGTALK_APP_SECRET: 'ci-dummy-dingtalk-app-secret',
    WECOM_TOKEN: 'ci-dummy-wecom-token',
    WECOM_ENCODING_AES_KEY: aes('ci-dummy-wecom'),
    WECOM_CORP_ID: 'ci-dummy-corp-id',
    WECOM_CORP_SECRET: 'ci-dummy-corp-secret',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export interface Rendered {
  spec: Obj;
  /** Wall time of `s preview`, ms. */
  ms: number;
}

/**
 * Renders `yamlPath` with `s preview -o json --output-file`. The file is copied to a fresh directory and `s` runs
 * with a fresh HOME and CI=true, so no `.env` beside the real file, no `~/.s` configuration or credentials, and no
 * prompt take part; `env` is the whole environment `s` sees (plus PATH, HOME and CI).
 */
export async function renderSYaml(yamlPath: string, env: NodeJS.ProcessEnv): Promise<Rendered> {
  const dir = mkdtempSync(join(tmpdir(), 's-preview-'));
  try {
    copyFileSync(yamlPath, join(dir, 's.yaml'));
    const home = join(dir, 'home');
    const out = join(dir, 'rendered.json');
    const started = Date.now();
    const result = await new Promise<{ code: number | null; output: string }>((resolvePromise, reject) => {
      const child = spawn(process.execPath, [S_ENTRY, 'preview', '-t', 's.yaml', '-o', 'json', '--output-file', out], {
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
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks of the raw text (what the rendered values cannot show: where a value came from)

const ENV_CALL = /\$\{env\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*(['"])(.*?)\3\s*)?\)\}/g;

const stripComment = (line: string) => line.replace(/(^|\s)#.*$/, '');
const unquote = (v: string) => v.replace(/^(['"])(.*)\1$/, '$2');

/**
 * Problems visible only in the text of s.yaml: hard-coded secrets, secret defaults, queue-name defaults, and any
 * variable the code reads whose value is written in the file instead of coming from `${env('SAME_NAME', …)}`
 * (directly, or through a `vars` entry that is exactly that).
 */
export function checkRawYaml(text: string, defaults: QueueNames = DEFAULT_QUEUE_NAMES, codeEnv: ReadonlyMap<string, string> = codeEnvVariables()): Problem[] {
  const problems: Problem[] = [];
  const lines = text.split('\n');
  const add = (lineNo: number, message: string) => problems.push({ resource: 's.yaml', key: `line ${lineNo}`, message });
  const envDefaults = new Map<string, string | undefined>();
  // Top-level `vars:` entries (two-space indent), to follow `${vars.x}` one step.
  const varDefs = new Map<string, string>();
  let inVars = false;
  for (const raw of lines) {
    const line = stripComment(raw);
    if (/^\S/.test(line)) inVars = /^vars:\s*$/.test(line);
    else if (inVars) {
      const m = /^ {2}([A-Za-z_]\w*):\s*(.*?)\s*$/.exec(line);
      if (m) varDefs.set(m[1] as string, unquote(m[2] as string));
    }
  }
  lines.forEach((raw, i) => {
    const line = stripComment(raw);
    const code = /^\s+([A-Z][A-Z0-9_]*)\s*:\s*(.*?)\s*$/.exec(line);
    if (code && codeEnv.has(code[1] as string) && !isSecretName(code[1] as string)) {
      const name = code[1] as string;
      const written = unquote(code[2] as string);
      const viaVar = /^\$\{vars\.(\w+)\}$/.exec(written);
      const value = viaVar ? (varDefs.get(viaVar[1] as string) ?? written) : written;
      const fromEnv = new RegExp(`^\\$\\{env\\(\\s*(['"])${name}\\1\\s*(?:,\\s*(['"]).*?\\2\\s*)?\\)\\}$`);
      if (!fromEnv.test(value)) {
        add(i + 1, `${name} does not come from the environment: write ${name}: \${env('${name}', '<default>')}${viaVar ? ` (or make vars.${viaVar[1]} exactly that)` : ''} (got ${written}${viaVar ? ` = ${value}` : ''})`);
      }
    }
    for (const m of line.matchAll(ENV_CALL)) {
      const name = m[2] as string;
      const def = m[4];
      if (!envDefaults.has(name)) envDefaults.set(name, def);
      if (isSecretName(name) && def !== undefined && def !== '') {
        add(i + 1, `${name} has a non-empty default in \${env('${name}', …)}: a secret never has a default (use '' to let an unset secret switch its source off)`);
      }
    }
    const kv = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$/.exec(line);
    if (kv && isSecretName(kv[1] as string)) {
      const [, name, value] = kv as unknown as [string, string, string];
      const unquoted = unquote(value);
      const fromEnv = new RegExp(`^\\$\\{env\\(\\s*(['"])${name}\\1\\s*(?:,\\s*(['"])\\2\\s*)?\\)\\}$`);
      if (unquoted !== '' && !unquoted.startsWith('*') && !fromEnv.test(unquoted)) {
        add(i + 1, `${name} is not read from the environment: write ${name}: \${env('${name}', '')} (got a literal value)`);
      }
    }
    if (/LTAI[0-9A-Za-z]{12,}/.test(line)) add(i + 1, 'looks like a hard-coded AccessKey ID (LTAI…): credentials come from `s config add` / the function role');
    if (/whsec_[A-Za-z0-9+/=]{8,}/.test(line)) add(i + 1, 'looks like a hard-coded Standard Webhooks secret (whsec_…)');
  });
  for (const [role, variable] of Object.entries(QUEUE_ENV) as Array<[QueueRole, string]>) {
    if (!envDefaults.has(variable)) {
      problems.push({ resource: 's.yaml', key: variable, message: `queue name is not read with \${env('${variable}', '${defaults[role]}')}` });
    } else if (envDefaults.get(variable) !== defaults[role]) {
      problems.push({ resource: 's.yaml', key: variable, message: `default queue name "${envDefaults.get(variable) ?? '(none)'}" differs from the code's default "${defaults[role]}" (shared/config.ts DEFAULT_QUEUE_NAMES)` });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks of the rendered spec

export interface CheckContext {
  /** The environment `s preview` ran with: secrets must render to exactly these values ('' when unset). */
  env: NodeJS.ProcessEnv;
  /** Where `code` paths and SITES_FILE resolve (the repository root). */
  baseDir?: string;
  /** 'require': load each bundle and check its handler export; 'skip': do not look at dist/. */
  bundles?: 'require' | 'skip';
  defaults?: QueueNames;
  /** The variables the code reads (default: codeEnvVariables()). */
  codeEnv?: Map<string, string>;
}

function at(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const part of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Keys that equal a PascalCase API key case-insensitively but not exactly (e.g. `queueName`), anywhere below `o`. */
function miscasedKeys(o: unknown, path: string, out: Array<{ path: string; key: string; expected: string }>): void {
  if (Array.isArray(o)) {
    o.forEach((v, i) => miscasedKeys(v, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(o)) return;
  for (const [k, v] of Object.entries(o)) {
    const expected = PASCAL_KEYS.find((p) => p.toLowerCase() === k.toLowerCase());
    if (expected && expected !== k) out.push({ path: `${path}.${k}`, key: k, expected });
    miscasedKeys(v, `${path}.${k}`, out);
  }
}

function envBytes(env: Obj): number {
  return Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(str(v)), 0);
}

export function checkRendered(spec: Obj, ctx: CheckContext): Problem[] {
  const problems: Problem[] = [];
  const baseDir = ctx.baseDir ?? REPO_ROOT;
  const defaults = ctx.defaults ?? DEFAULT_QUEUE_NAMES;
  const add = (resource: string, key: string, message: string) => problems.push({ resource, key, message });
  const warn = (resource: string, key: string, message: string) => problems.push({ resource, key, message, severity: 'warning' });
  const vars = isObj(spec.vars) ? spec.vars : {};
  const resources = isObj(spec.resources) ? spec.resources : {};
  const codeEnv = ctx.codeEnv ?? codeEnvVariables(baseDir);
  for (const [name, where] of codeEnv) {
    if (!ENV_NEEDS[name]) add('s.yaml', name, `the code reads ${name} (${where}) but ENV_NEEDS in deploy/check-s-yaml.ts does not say which functions need it: add it there and pass it in s.yaml`);
  }

  if (spec.edition !== '3.0.0') add('s.yaml', 'edition', `must be 3.0.0 (got ${str(spec.edition)})`);
  const accountId = str(vars.accountId ?? '');
  if (!/^\d+$/.test(accountId)) add('vars', 'accountId', `must be the numeric account id (got ${accountId})`);

  // One build for all functions: a global pre-deploy, no per-resource build.
  const globalPre = at(spec, 'actions.pre-deploy');
  const builds = (steps: unknown) => Array.isArray(steps) && steps.some((s) => isObj(s) && /npm run build/.test(str(s.run)));
  if (!builds(globalPre)) add('actions', 'pre-deploy', 'must run `npm run build` once for all functions (a global pre-deploy action)');
  for (const [name, r] of Object.entries(resources)) {
    if (builds(at(r, 'actions.pre-deploy'))) add(name, 'actions.pre-deploy', 'builds per resource: the global pre-deploy action already builds every bundle once');
  }

  for (const name of Object.keys(FUNCTIONS)) {
    if (!isObj(resources[name])) add(name, 'resources', 'missing: every function of the product must be deployed');
  }

  const queueValues = new Map<string, string>();
  const regions = new Set<string>();
  const functionNames = new Map<string, string>();
  let sagBudget = 0;
  const sagTerms: string[] = [];
  const bundleChecks: Array<{ resource: string; file: string; exportName: string; key: string }> = [];

  for (const [name, resource] of Object.entries(resources)) {
    if (!isObj(resource) || resource.component !== 'fc3') {
      if (FUNCTIONS[name]) add(name, 'component', `must be fc3 (got ${str(isObj(resource) ? resource.component : resource)})`);
      continue;
    }
    const props = isObj(resource.props) ? resource.props : {};
    const known = FUNCTIONS[name];
    const triggers = Array.isArray(props.triggers) ? props.triggers.filter(isObj) : [];
    const ebIndex = triggers.findIndex((t) => t.triggerType === 'eventbridge');
    const isWorker = !!known?.queue || ebIndex >= 0;
    const region = str(props.region ?? '');
    regions.add(region);

    // Function basics.
    if (props.runtime !== RUNTIME) add(name, 'props.runtime', `must be ${RUNTIME} (got ${str(props.runtime)}): the bundles target Node 20 and FC has no nodejs22 built-in runtime`);
    const fnName = str(props.functionName ?? '');
    if (!fnName) add(name, 'props.functionName', 'missing');
    else if (functionNames.has(fnName)) add(name, 'props.functionName', `"${fnName}" is also used by ${functionNames.get(fnName)}`);
    else functionNames.set(fnName, name);
    if (props.code !== `./dist/${name}`) add(name, 'props.code', `must be ./dist/${name}, the bundle npm run build writes (got ${str(props.code)})`);
    const handler = str(props.handler ?? '');
    const hm = /^([\w.-]+)\.([A-Za-z_$][\w$]*)$/.exec(handler);
    if (!hm) add(name, 'props.handler', `must be <file>.<export>, e.g. index.handler (got ${handler || '(none)'})`);
    else if (typeof props.code === 'string') bundleChecks.push({ resource: name, file: join(baseDir, props.code, `${hm[1]}.js`), exportName: hm[2] as string, key: 'props.handler' });
    if (!/^acs:ram::\d+:role\/[\w.-]+$/.test(str(props.role ?? ''))) add(name, 'props.role', `must be a role ARN acs:ram::<account>:role/<name> (got ${str(props.role)})`);
    const log = props.logConfig;
    if (!(log === 'auto' || (isObj(log) && log.project && log.logstore))) add(name, 'props.logConfig', 'must name a project and logstore (or be auto): without it function logs are lost');
    const mem = Number(props.memorySize);
    if (!Number.isInteger(mem) || mem < 128 || mem > 32768 || mem % 64 !== 0) add(name, 'props.memorySize', `must be a multiple of 64 from 128 to 32768 (got ${str(props.memorySize)})`);
    if (props.cpu !== undefined) {
      const cpu = Number(props.cpu);
      const ratio = mem / 1024 / cpu;
      if (!(cpu > 0) || Math.abs(cpu * 20 - Math.round(cpu * 20)) > 1e-9 || ratio < 1 || ratio > 4) {
        add(name, 'props.cpu', `must be a multiple of 0.05 vCPU with memory:vCPU between 1 and 4 GB (got ${str(props.cpu)} vCPU for ${mem} MB)`);
      }
    }
    const timeout = Number(props.timeout);
    if (!Number.isInteger(timeout) || timeout < 1) add(name, 'props.timeout', `must be a whole number of seconds (got ${str(props.timeout)})`);

    // Environment.
    const env = isObj(props.environmentVariables) ? props.environmentVariables : {};
    if (!isObj(props.environmentVariables)) add(name, 'props.environmentVariables', 'missing');
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== 'string') add(name, `props.environmentVariables.${k}`, `must be a string (got ${typeof v} ${str(v)}): quote it, or give \${env()} a quoted default`);
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(k)) add(name, `props.environmentVariables.${k}`, 'names must start with a letter and contain only letters, digits and _');
      if (k.startsWith('FC_')) add(name, `props.environmentVariables.${k}`, 'the FC_ prefix is reserved by Function Compute');
      if (isSecretName(k)) {
        const expected = ctx.env[k] ?? '';
        if (v !== expected) {
          const why = expected ? `it renders to something other than the environment's ${k}` : `${k} is unset, yet it renders to a value`;
          add(name, `props.environmentVariables.${k}`, `secret does not come from the environment (${why}): write ${k}: \${env('${k}', '')}`);
        }
      }
    }
    // Every variable the code reads reaches the functions that need it; nothing the code does not read is passed.
    if (known) {
      for (const [variable, where] of codeEnv) {
        if (ENV_NEEDS[variable]?.includes(name) && !(variable in env)) {
          add(name, `props.environmentVariables.${variable}`, `missing: the code reads ${variable} (${where}) and ${name} needs it; pass ${variable}: \${env('${variable}', …)}`);
        }
      }
      for (const k of Object.keys(env)) {
        if (!codeEnv.has(k)) add(name, `props.environmentVariables.${k}`, `the code does not read ${k} (not in shared/config.ts's table, no env.${k} in shared/ or functions/): a typo or a leftover`);
      }
    }
    const bytes = envBytes(env);
    if (bytes > ENV_LIMIT_BYTES) add(name, 'props.environmentVariables', `${bytes} bytes: FC allows ${ENV_LIMIT_BYTES} for all variables together (move the site directory to SITES_FILE, or drop variables this function does not use)`);
    for (const [role, variable] of Object.entries(QUEUE_ENV) as Array<[QueueRole, string]>) {
      const v = env[variable];
      if (typeof v !== 'string' || !v) {
        add(name, `props.environmentVariables.${variable}`, 'missing: every function needs all four queue names (workers re-enqueue and dead-letter)');
        continue;
      }
      const seen = queueValues.get(variable);
      if (seen === undefined) queueValues.set(variable, v);
      else if (seen !== v) add(name, `props.environmentVariables.${variable}`, `"${v}" differs from "${seen}" in another function`);
      if (!ctx.env[variable] && v !== defaults[role]) add(name, `props.environmentVariables.${variable}`, `"${v}" differs from the code's default "${defaults[role]}" although ${variable} is unset`);
    }
    // The code's own validation, as at cold start.
    const asEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, str(v)]));
    let config: ReturnType<typeof loadConfig> | undefined;
    try {
      config = loadConfig(asEnv);
    } catch (err) {
      add(name, 'props.environmentVariables', `rejected by shared/config.ts: ${(err as Error).message}`);
    }
    let sagInstances: number | undefined;
    if (known?.sites) {
      const file = asEnv.SITES_FILE;
      const sitesEnv = { SITES_JSON: asEnv.SITES_JSON, SITES_FILE: file && !isAbsolute(file) && typeof props.code === 'string' ? join(baseDir, props.code, file) : file };
      if (!asEnv.SITES_JSON?.trim() && !file) add(name, 'props.environmentVariables.SITES_JSON', 'the site directory is missing: set SITES_JSON to the directory as minified JSON (config/sites.sample.json shows the shape)');
      else {
        try {
          const dir = SiteDirectory.fromEnv(sitesEnv);
          sagInstances = new Set(dir.sites.map((x) => `${x.regionId}/${x.smartAGId}`)).size;
        } catch (err) {
          add(name, `props.environmentVariables.${asEnv.SITES_JSON?.trim() ? 'SITES_JSON' : 'SITES_FILE'}`, (err as Error).message);
        }
      }
    }
    if (name === 'webhook' && config) {
      const on = config.webhook.genericSecrets.length + Object.keys(config.sources).length;
      if (on === 0) add(name, 'props.environmentVariables', 'no HR source is configured (HR_WEBHOOK_SECRET, FEISHU_*, DINGTALK_*, WECOM_* all empty): the webhook would refuse every request');
    }

    // HTTP trigger.
    const http = triggers.filter((t) => t.triggerType === 'http');
    if (name === 'webhook') {
      if (http.length !== 1) add(name, 'props.triggers', `needs exactly one http trigger (got ${http.length})`);
      const i = triggers.findIndex((t) => t.triggerType === 'http');
      const tc = http[0]?.triggerConfig;
      if (isObj(tc)) {
        if (tc.authType !== 'anonymous') add(name, `props.triggers[${i}].triggerConfig.authType`, `must be anonymous: HR systems cannot sign FC requests, the code verifies each source's signature (got ${str(tc.authType)})`);
        const methods = Array.isArray(tc.methods) ? tc.methods.map(String).sort() : [];
        if (tc.disableURLInternet === true) add(name, `props.triggers[${i}].triggerConfig.disableURLInternet`, 'must not be true: the HR systems call the public URL');
        if (methods.join(',') !== 'GET,POST') add(name, `props.triggers[${i}].triggerConfig.methods`, `must be POST and GET (GET for the WeCom URL check) (got ${str(tc.methods)})`);
      }
    }

    // Worker: the MNS trigger.
    if (isWorker) {
      if (ebIndex < 0) {
        add(name, 'props.triggers', 'a worker needs an eventbridge trigger with eventSourceType MNS');
      } else {
        if (triggers.filter((t) => t.triggerType === 'eventbridge').length > 1) add(name, 'props.triggers', 'more than one eventbridge trigger');
        const base = `props.triggers[${ebIndex}].triggerConfig`;
        const tc = (triggers[ebIndex] as Obj).triggerConfig;
        const miscased: Array<{ path: string; key: string; expected: string }> = [];
        miscasedKeys(tc, base, miscased);
        for (const m of miscased) add(name, m.path, `must be spelled ${m.expected}: fc3 sends triggerConfig verbatim and the API ignores "${m.key}"`);
        if (at(tc, 'eventSourceConfig.eventSourceType') !== 'MNS') add(name, `${base}.eventSourceConfig.eventSourceType`, `must be MNS (got ${str(at(tc, 'eventSourceConfig.eventSourceType'))})`);
        const src = at(tc, 'eventSourceConfig.eventSourceParameters.sourceMNSParameters');
        const srcKey = `${base}.eventSourceConfig.eventSourceParameters.sourceMNSParameters`;
        if (!isObj(src)) add(name, srcKey, 'missing');
        else {
          for (const k of Object.keys(src)) if (!['RegionId', 'QueueName', 'IsBase64Decode'].includes(k) && !PASCAL_KEYS.some((p) => p.toLowerCase() === k.toLowerCase())) add(name, `${srcKey}.${k}`, 'unknown key: SourceMNSParameters has RegionId, QueueName, IsBase64Decode');
          if (src.RegionId !== region) add(name, `${srcKey}.RegionId`, `must be the function's region ${region} (an MNS trigger needs queue and function in one region) (got ${str(src.RegionId)})`);
          if (src.IsBase64Decode !== true) add(name, `${srcKey}.IsBase64Decode`, `must be true: producers send base64 of the JSON, the function should receive the JSON text (got ${str(src.IsBase64Decode)})`);
          const own = known?.queue ? env[QUEUE_ENV[known.queue]] : undefined;
          if (typeof src.QueueName !== 'string' || !src.QueueName) add(name, `${srcKey}.QueueName`, 'missing');
          else {
            if (own !== undefined && src.QueueName !== own) add(name, `${srcKey}.QueueName`, `"${src.QueueName}" is not the queue the function re-enqueues to (${known?.queue ? QUEUE_ENV[known.queue] : ''}="${str(own)}")`);
            if (src.QueueName === env.DEAD_LETTER_QUEUE) add(name, `${srcKey}.QueueName`, 'a worker must not consume the dead-letter queue');
          }
        }
        if (tc && isObj(tc) && tc.asyncInvocationType !== false) add(name, `${base}.asyncInvocationType`, `must be false: an asynchronous push counts as delivered, so the trigger's retry and dead-letter queue would never apply (got ${str(tc.asyncInvocationType)})`);
        const sinkMode = at(tc, 'eventSinkConfig.deliveryOption.mode');
        if (sinkMode !== undefined && sinkMode !== 'event-streaming') add(name, `${base}.eventSinkConfig.deliveryOption.mode`, `must be event-streaming or absent (got ${str(sinkMode)})`);
        const run = at(tc, 'runOptions');
        if (!isObj(run)) add(name, `${base}.runOptions`, 'missing: without it there is no retry strategy, batch window or dead-letter queue');
        else {
          if (run.mode !== 'event-streaming') add(name, `${base}.runOptions.mode`, `must be event-streaming: runOptions only take effect in that mode (got ${str(run.mode)})`);
          if (run.errorsTolerance !== 'ALL') add(name, `${base}.runOptions.errorsTolerance`, `must be ALL: with ${str(run.errorsTolerance ?? 'NONE')} a failing push stops the stream and the dead-letter queue never receives anything`);
          const arn = at(run, 'deadLetterQueue.Arn');
          const wantArn = `acs:mns:${region}:${accountId}:/queues/${str(env.DEAD_LETTER_QUEUE)}`;
          if (arn === undefined || arn === '') add(name, `${base}.runOptions.deadLetterQueue.Arn`, `missing: with errorsTolerance ALL and no dead-letter queue, a push that fails its retries is discarded; set Arn: ${wantArn}`);
          else if (arn !== wantArn) add(name, `${base}.runOptions.deadLetterQueue.Arn`, `must be ${wantArn}, the dead-letter queue the code uses (got ${str(arn)})`);
          const strategy = at(run, 'retryStrategy.PushRetryStrategy');
          if (strategy !== 'BACKOFF_RETRY' && strategy !== 'EXPONENTIAL_DECAY_RETRY') add(name, `${base}.runOptions.retryStrategy.PushRetryStrategy`, `must be BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY (got ${str(strategy)})`);
          const count = Number(at(run, 'batchWindow.CountBasedWindow'));
          const wait = Number(at(run, 'batchWindow.TimeBasedWindow'));
          if (!Number.isInteger(count) || count < 1 || count > 10000) add(name, `${base}.runOptions.batchWindow.CountBasedWindow`, `must be a whole number from 1 to 10000 (got ${str(at(run, 'batchWindow.CountBasedWindow'))})`);
          else {
            const concurrency = config?.workerConcurrency ?? Number(env.WORKER_CONCURRENCY ?? 4);
            if (count > concurrency) add(name, `${base}.runOptions.batchWindow.CountBasedWindow`, `${count} exceeds WORKER_CONCURRENCY ${concurrency}: messages would wait for a slot and the timeout arithmetic in s.yaml no longer holds`);
          }
          if (!Number.isInteger(wait) || wait < 0 || wait > 15) add(name, `${base}.runOptions.batchWindow.TimeBasedWindow`, `must be a whole number of seconds from 0 to 15 (got ${str(at(run, 'batchWindow.TimeBasedWindow'))})`);
          // The queue's VisibilityTimeout (deploy/setup.ts) must outlast the stream's longest hold of a message.
          if (known?.queue && Number.isInteger(timeout)) {
            const visibility = QUEUE_ATTRIBUTES[known.queue].VisibilityTimeout;
            if (strategy === 'EXPONENTIAL_DECAY_RETRY') {
              add(name, `${base}.runOptions.retryStrategy.PushRetryStrategy`, `EXPONENTIAL_DECAY_RETRY holds a failing push for up to a day; no queue VisibilityTimeout (deploy/setup.ts: ${visibility} s) covers that`);
            } else if (strategy === 'BACKOFF_RETRY') {
              const hold = BACKOFF_DELIVERIES * timeout + (BACKOFF_DELIVERIES - 1) * BACKOFF_MAX_GAP_SECONDS + (Number.isInteger(wait) ? wait : 0);
              if (visibility < hold) add(name, 'props.timeout', `${timeout} s: the trigger may hold a message ${hold} s (${BACKOFF_DELIVERIES} deliveries × timeout + retry gaps + batch window), longer than the queue's VisibilityTimeout ${visibility} s in deploy/setup.ts`);
            }
          }
        }
        if (Number.isInteger(timeout) && timeout >= PUSH_LIMIT_SECONDS) add(name, 'props.timeout', `${timeout} s is not below the trigger's ${PUSH_LIMIT_SECONDS} s push limit`);
        // The worst case of one batch (every call at its timeout) must fit, with the values this file passes: the
        // runtime starts no try after 60 % of T, a running try takes ≤ D, then one re-enqueue or dead-letter send.
        const k = known?.sagCallsPerTry === 'per-instance' ? sagInstances : known?.sagCallsPerTry;
        if (config && k !== undefined && Number.isInteger(timeout) && timeout < PUSH_LIMIT_SECONDS) {
          const wait = config.sagMaxCallsPerSecond > 0 ? config.workerConcurrency / config.sagMaxCallsPerSecond : 0;
          const hr = (known?.hrCallsPerTry ?? 0) * (config.hrApiTimeoutMs / 1000);
          const d = k * (config.sagTimeoutMs / 1000 + wait) + hr;
          const need = Math.ceil((d + MNS_SEND_TIMEOUT_SECONDS) / (1 - SOFT_DEADLINE_SHARE));
          if (timeout < need) {
            const why = `one try ≤ ${k} SAG calls × (${config.sagTimeoutMs / 1000} s SAG_TIMEOUT_MS + ${wait} s rate-limiter wait)${hr ? ` + ${hr} s of HR API calls` : ''} = ${d} s, so ${SOFT_DEADLINE_SHARE} T + ${d} + ${MNS_SEND_TIMEOUT_SECONDS} ≤ T needs T ≥ ${need} s`;
            const fix = need < PUSH_LIMIT_SECONDS ? `raise the timeout to ${need}–${PUSH_LIMIT_SECONDS - 1} s` : `no timeout under the ${PUSH_LIMIT_SECONDS} s push limit covers it: lower SAG_TIMEOUT_MS${hr ? ' / HR_API_TIMEOUT_MS' : ''}`;
            warn(name, 'props.timeout', `${timeout} s may cut the worst case short (every call at its timeout): ${why}; ${fix}. A cut-short message is retried by the trigger, not lost`);
          }
        }
      }
      // Scale: instance cap and the per-instance SAG rate.
      const reserved = Number(at(props, 'concurrencyConfig.reservedConcurrency'));
      if (!Number.isInteger(reserved) || reserved < 1) add(name, 'props.concurrencyConfig.reservedConcurrency', 'must cap the instances (a whole number ≥ 1): the SAG rate limit is account-wide');
      else if (known?.callsSag) {
        const rate = Number(env.SAG_MAX_CALLS_PER_SECOND);
        if (!(rate > 0)) add(name, 'props.environmentVariables.SAG_MAX_CALLS_PER_SECOND', `must be > 0: without a per-instance limit one instance alone can exceed the account's SAG rate (got ${str(env.SAG_MAX_CALLS_PER_SECOND)})`);
        else {
          sagBudget += reserved * rate;
          sagTerms.push(`${name} ${reserved} × ${rate}`);
        }
      }
    }
  }

  const webhookRole = at(resources, 'webhook.props.role');
  for (const [name, f] of Object.entries(FUNCTIONS)) {
    if (f.callsSag && webhookRole !== undefined && at(resources, `${name}.props.role`) === webhookRole) {
      add('webhook', 'props.role', `must not be the role of ${name}: the anonymous webhook would gain the workers' SAG permissions`);
      break;
    }
  }
  if (regions.size > 1) add('resources', 'props.region', `all functions must be in one region with their queues (got ${[...regions].join(', ')})`);
  const limit = Number(vars.sagAccountCallsPerSecond);
  if (!(limit > 0)) add('vars', 'sagAccountCallsPerSecond', `must be the account's SAG calls per second for this product (got ${str(vars.sagAccountCallsPerSecond)})`);
  else if (sagBudget > limit + 1e-9) add('vars', 'sagAccountCallsPerSecond', `SAG budget exceeded: ${sagTerms.join(' + ')} = ${sagBudget} calls/s > ${limit} (lower reservedConcurrency or SAG_MAX_CALLS_PER_SECOND)`);

  if (ctx.bundles !== 'skip') problems.push(...checkBundlesSync(bundleChecks));
  return problems;
}

/** Loads each bundle in a child process (as FC would, without node_modules around) and checks the handler export. */
function checkBundlesSync(checks: Array<{ resource: string; file: string; exportName: string; key: string }>): Problem[] {
  const problems: Problem[] = [];
  const present = checks.filter((c) => {
    if (existsSync(c.file)) return true;
    problems.push({ resource: c.resource, key: c.key, message: `${c.file} does not exist: run npm run build` });
    return false;
  });
  if (!present.length) return problems;
  const script = `const out={};for(const [f,e] of JSON.parse(process.argv[1])){try{out[f+'#'+e]=typeof require(f)[e]}catch(err){out[f+'#'+e]='error: '+(err&&err.message)}}process.stdout.write('\\n@@RESULT '+JSON.stringify(out))`;
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify(present.map((c) => [c.file, c.exportName]))], { encoding: 'utf8', cwd: tmpdir(), env: { PATH: process.env.PATH } });
  let types: Record<string, string> = {};
  try {
    // Module initialisation may log (e.g. a webhook without configuration): the result follows the marker.
    types = JSON.parse(r.stdout.split('\n@@RESULT ')[1] ?? '') as Record<string, string>;
  } catch {
    problems.push({ resource: 'dist', key: 'bundles', message: `could not load the bundles: ${r.stderr.slice(0, 500)}` });
    return problems;
  }
  for (const c of present) {
    const t = types[`${c.file}#${c.exportName}`];
    if (t !== 'function') problems.push({ resource: c.resource, key: c.key, message: `${c.file} does not export a function "${c.exportName}" (${t ?? 'not loaded'})` });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// All together

export interface CheckResult {
  problems: Problem[];
  /** `s preview` wall time, ms. */
  renderMs: number;
  spec: Obj;
}

export interface CheckOptions {
  yamlPath?: string;
  /** The environment for `s preview` (default: ciDummyEnv() plus PATH). */
  env?: NodeJS.ProcessEnv;
  bundles?: 'require' | 'skip';
  baseDir?: string;
}

export async function checkSYaml(o: CheckOptions = {}): Promise<CheckResult> {
  const yamlPath = o.yamlPath ?? S_YAML;
  const env = o.env ?? { ...ciDummyEnv(), PATH: process.env.PATH };
  const { spec, ms } = await renderSYaml(yamlPath, env);
  const problems = [...checkRawYaml(readFileSync(yamlPath, 'utf8')), ...checkRendered(spec, { env, baseDir: o.baseDir, bundles: o.bundles })];
  return { problems, renderMs: ms, spec };
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

/** The command: prints through `print` (default console.log) and returns the exit code. */
export async function main(argv = process.argv.slice(2), print: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const ci = argv.includes('--ci');
  const fileIdx = argv.indexOf('--file');
  const yamlPath = fileIdx >= 0 && argv[fileIdx + 1] ? resolve(argv[fileIdx + 1] as string) : S_YAML;
  // Like `s deploy`, read a .env beside the file (the environment wins, as with dotenv; no $VAR expansion).
  const dotEnvPath = join(dirname(yamlPath), '.env');
  const dotEnv = !ci && existsSync(dotEnvPath) ? parseDotEnv(readFileSync(dotEnvPath, 'utf8')) : {};
  const env = ci ? { ...ciDummyEnv(), PATH: process.env.PATH } : { ...dotEnv, ...process.env };
  let result: CheckResult;
  try {
    result = await checkSYaml({ yamlPath, env, bundles: 'require' });
  } catch (err) {
    print((err as Error).message);
    return 1;
  }
  const webhookEnv = at(result.spec, 'resources.webhook.props.environmentVariables');
  if (isObj(webhookEnv)) {
    const on = { generic: !!webhookEnv.HR_WEBHOOK_SECRET, feishu: !!(webhookEnv.FEISHU_ENCRYPT_KEY || webhookEnv.FEISHU_VERIFICATION_TOKEN), dingtalk: !!webhookEnv.DINGTALK_TOKEN, wecom: !!webhookEnv.WECOM_TOKEN };
    print(`HR sources on: ${Object.entries(on).filter(([, v]) => v).map(([k]) => k).join(', ') || 'none'}`);
  }
  print(`${yamlPath}: rendered by s preview in ${result.renderMs} ms${ci ? ' (CI dummy values)' : ''}`);
  const errors = result.problems.filter(isError);
  const warnings = result.problems.filter((p) => !isError(p));
  for (const p of errors) print(`PROBLEM ${formatProblem(p)}`);
  for (const p of warnings) print(`WARNING ${formatProblem(p)}`);
  print(`${errors.length ? `${errors.length} problem(s)` : 'no problems'}${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
  return errors.length ? 1 : 0;
}

runAsMain(import.meta.url, main);
