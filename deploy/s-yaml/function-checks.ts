/** Checks of each function: its basics, its environment, its queue names and what the code's own validation says. */
import { join } from 'node:path';
import type { QueueNames } from '../../shared/index.js';
import { ENV_NEEDS, QUEUE_ENV, isSecretName } from '../function-env.js';
import { perFunction, type Check } from './check.js';
import { ENV_LIMIT_BYTES, RUNTIME, WHSEC_MIN_BYTES } from './platform.js';
import { isObj, problem, str, type Obj, type Problem } from './problem.js';
import type { FunctionView } from './view.js';

/** The handler file and export each function names, for the bundle check (checkBundles). */
export interface BundleExpectation {
  resource: string;
  file: string;
  exportName: string;
  key: string;
}

/** `props.handler` as `<file>.<export>` inside `props.code`, or undefined when it is not that shape. */
export function bundleExpectation(f: FunctionView, baseDir: string): BundleExpectation | undefined {
  const hm = /^([\w.-]+)\.([A-Za-z_$][\w$]*)$/.exec(str(f.props.handler ?? ''));
  if (!hm || typeof f.props.code !== 'string') return undefined;
  return { resource: f.name, file: join(baseDir, f.props.code, `${hm[1]}.js`), exportName: hm[2] as string, key: 'props.handler' };
}

/** Memory a multiple of 64 MB from 128 to 32768; vCPU a multiple of 0.05 with 1–4 GB per vCPU. */
function sizing(name: string, props: Obj): Problem[] {
  const out: Problem[] = [];
  const mem = Number(props.memorySize);
  if (!Number.isInteger(mem) || mem < 128 || mem > 32768 || mem % 64 !== 0)
    out.push(problem(name, 'props.memorySize', `must be a multiple of 64 from 128 to 32768 (got ${str(props.memorySize)})`));
  if (props.cpu !== undefined) {
    const cpu = Number(props.cpu);
    const ratio = mem / 1024 / cpu;
    if (!(cpu > 0) || Math.abs(cpu * 20 - Math.round(cpu * 20)) > 1e-9 || ratio < 1 || ratio > 4) {
      out.push(problem(name, 'props.cpu', `must be a multiple of 0.05 vCPU with memory:vCPU between 1 and 4 GB (got ${str(props.cpu)} vCPU for ${mem} MB)`));
    }
  }
  return out;
}

/** Runtime, a unique function name, the bundle path, handler shape, role ARN, logs, sizing and timeout. */
export const checkBasics: Check = ({ functions }) => {
  const out: Problem[] = [];
  const names = new Map<string, string>();
  for (const { name, props } of functions) {
    if (props.runtime !== RUNTIME)
      out.push(
        problem(name, 'props.runtime', `must be ${RUNTIME} (got ${str(props.runtime)}): the bundles target Node 20 and FC has no nodejs22 built-in runtime`),
      );
    const fnName = str(props.functionName ?? '');
    if (!fnName) out.push(problem(name, 'props.functionName', 'missing'));
    else if (names.has(fnName)) out.push(problem(name, 'props.functionName', `"${fnName}" is also used by ${names.get(fnName)}`));
    else names.set(fnName, name);
    if (props.code !== `./dist/${name}`)
      out.push(problem(name, 'props.code', `must be ./dist/${name}, the bundle npm run build writes (got ${str(props.code)})`));
    const handler = str(props.handler ?? '');
    if (!/^([\w.-]+)\.([A-Za-z_$][\w$]*)$/.test(handler))
      out.push(problem(name, 'props.handler', `must be <file>.<export>, e.g. index.handler (got ${handler || '(none)'})`));
    if (!/^acs:ram::\d+:role\/[\w.-]+$/.test(str(props.role ?? '')))
      out.push(problem(name, 'props.role', `must be a role ARN acs:ram::<account>:role/<name> (got ${str(props.role)})`));
    const log = props.logConfig;
    if (!(log === 'auto' || (isObj(log) && log.project && log.logstore)))
      out.push(problem(name, 'props.logConfig', 'must name a project and logstore (or be auto): without it function logs are lost'));
    out.push(...sizing(name, props));
    const timeout = Number(props.timeout);
    if (!Number.isInteger(timeout) || timeout < 1) out.push(problem(name, 'props.timeout', `must be a whole number of seconds (got ${str(props.timeout)})`));
  }
  return out;
};

/** Values are strings, names are valid and not FC_-prefixed, and secrets render to exactly the environment's value. */
export const checkEnvironmentValues = perFunction(({ name, props, env }, ctx) => {
  const out: Problem[] = [];
  if (!isObj(props.environmentVariables)) out.push(problem(name, 'props.environmentVariables', 'missing'));
  for (const [k, v] of Object.entries(env)) {
    const key = `props.environmentVariables.${k}`;
    if (typeof v !== 'string') out.push(problem(name, key, `must be a string (got ${typeof v} ${str(v)}): quote it, or give \${env()} a quoted default`));
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(k)) out.push(problem(name, key, 'names must start with a letter and contain only letters, digits and _'));
    if (k.startsWith('FC_')) out.push(problem(name, key, 'the FC_ prefix is reserved by Function Compute'));
    if (isSecretName(k)) {
      const expected = ctx.env[k] ?? '';
      if (v !== expected) {
        const why = expected ? `it renders to something other than the environment's ${k}` : `${k} is unset, yet it renders to a value`;
        out.push(problem(name, key, `secret does not come from the environment (${why}): write ${k}: \${env('${k}', '')}`));
      }
    }
  }
  return out;
});

/** Every variable the code reads reaches the functions that need it; nothing the code does not read is passed. */
export const checkEnvironmentCoverage = perFunction(({ name, known, env }, ctx) => {
  if (!known) return [];
  const out: Problem[] = [];
  for (const [variable, where] of ctx.codeEnv) {
    if (ENV_NEEDS[variable]?.includes(known.name) && !(variable in env)) {
      out.push(
        problem(
          name,
          `props.environmentVariables.${variable}`,
          `missing: the code reads ${variable} (${where}) and ${name} needs it; pass ${variable}: \${env('${variable}', …)}`,
        ),
      );
    }
  }
  for (const k of Object.keys(env)) {
    if (!ctx.codeEnv.has(k))
      out.push(
        problem(
          name,
          `props.environmentVariables.${k}`,
          `the code does not read ${k} (not in shared/config.ts's table, no env.${k} in shared/ or functions/): a typo or a leftover`,
        ),
      );
  }
  return out;
});

/** All variables of one function together within FC's 4 KB. */
export const checkEnvironmentSize = perFunction(({ name, env }) => {
  const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(str(v)), 0);
  if (bytes <= ENV_LIMIT_BYTES) return [];
  return [
    problem(
      name,
      'props.environmentVariables',
      `${bytes} bytes: FC allows ${ENV_LIMIT_BYTES} for all variables together (move the site directory to SITES_FILE, or drop variables this function does not use)`,
    ),
  ];
});

/** Every function has all four queue names, the same in every function, and the code's defaults unless overridden. */
export const checkQueueNames: Check = ({ functions }, ctx) => {
  const out: Problem[] = [];
  const seen = new Map<string, string>();
  for (const { name, env } of functions) {
    for (const [role, variable] of Object.entries(QUEUE_ENV) as Array<[keyof QueueNames, string]>) {
      const key = `props.environmentVariables.${variable}`;
      const v = env[variable];
      if (typeof v !== 'string' || !v) {
        out.push(problem(name, key, 'missing: every function needs all four queue names (workers re-enqueue and dead-letter)'));
        continue;
      }
      if (!seen.has(variable)) seen.set(variable, v);
      else if (seen.get(variable) !== v) out.push(problem(name, key, `"${v}" differs from "${seen.get(variable)}" in another function`));
      if (!ctx.env[variable] && v !== ctx.defaults[role])
        out.push(problem(name, key, `"${v}" differs from the code's default "${ctx.defaults[role]}" although ${variable} is unset`));
    }
  }
  return out;
};

/** The code's own validation, as at cold start: loadConfig, the site directory, and at least one HR source on. */
export const checkCodeValidation = perFunction((f) => {
  const out: Problem[] = [];
  if (f.configError) out.push(problem(f.name, 'props.environmentVariables', `rejected by shared/config.ts: ${f.configError}`));
  if (f.sites?.missing)
    out.push(
      problem(
        f.name,
        'props.environmentVariables.SITES_JSON',
        'the site directory is missing: set SITES_JSON to the directory as minified JSON (config/sites.sample.json shows the shape)',
      ),
    );
  if (f.sites?.error) out.push(problem(f.name, f.sites.error.key, f.sites.error.message));
  if (f.name === 'webhook' && f.config && f.config.webhook.genericSecrets.length + Object.keys(f.config.sources).length === 0) {
    out.push(
      problem(
        f.name,
        'props.environmentVariables',
        'no HR source is configured (HR_WEBHOOK_SECRET, FEISHU_*, DINGTALK_*, WECOM_* all empty): the webhook would refuse every request',
      ),
    );
  }
  return out;
});

/** Each Standard Webhooks secret carries at least 24 random bytes once its base64 is decoded. */
export const checkWebhookSecrets = perFunction(({ name, asEnv }) => {
  const secrets = (asEnv.HR_WEBHOOK_SECRET ?? '').split(/\s+/).filter(Boolean);
  return secrets.flatMap((s, i) => {
    const key = s.startsWith('whsec_') ? s.slice(6) : s;
    const base64 = /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0;
    const bytes = base64 ? Buffer.from(key, 'base64').length : 0;
    if (base64 && bytes >= WHSEC_MIN_BYTES) return [];
    const what = base64 ? `decodes to ${bytes} bytes` : 'is not whsec_ followed by base64';
    const which = secrets.length > 1 ? `entry ${i + 1} ` : '';
    return [
      problem(
        name,
        'props.environmentVariables.HR_WEBHOOK_SECRET',
        `${which}${what}: a Standard Webhooks secret is ${WHSEC_MIN_BYTES} to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)`,
      ),
    ];
  });
});
