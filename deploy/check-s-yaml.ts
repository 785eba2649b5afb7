/**
 * Offline checks of s.yaml: renders it with `s preview` (deploy/s-yaml/render.ts: no credentials, no network) and
 * checks what fc3 would deploy against what the code and the platform need. Each problem names the resource and
 * the key. Used by test/deploy (with dummy values) and as a command:
 *
 *   npx tsx deploy/check-s-yaml.ts          # renders with YOUR environment (and .env): the values `s deploy` would use
 *   npx tsx deploy/check-s-yaml.ts --ci     # renders with the dummy values CI uses (no secrets needed)
 *   npx tsx deploy/check-s-yaml.ts --file other.yaml
 *
 * Prints the problems and exits 1 when there is any. s.yaml runs it as a pre-deploy action. With variables missing
 * that s.yaml cannot render without, it names them (and the site directory and HR source if unset) instead.
 *
 * `s preview` only renders (it validates no props, and fc3's own schema leaves trigger configs unvalidated), so the
 * checks are this project's, one per concern (CHECKS below; deploy/s-yaml/*-checks.ts): the deployment as a whole
 * (edition, account, one build, every catalogue function deployed, separate roles, one region, the SAG rate
 * budget), each function (runtime, handler, sizing, environment values and coverage against deploy/function-env.ts,
 * the 4 KB limit, queue names, the code's own validation, Standard Webhooks secret length), the triggers (the
 * webhook's HTTP trigger; each worker's MNS trigger, run options, VisibilityTimeout, timeouts) and the bundles'
 * handler exports; plus the raw-text checks (deploy/s-yaml/raw-checks.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_QUEUE_NAMES, type QueueNames } from '../shared/index.js';
import { SOURCE_ENV } from './function-env.js';
import { runAsMain } from './run-main.js';
import {
  checkBuild,
  checkCodeEnvKnown,
  checkEditionAndAccount,
  checkFunctionsDeployed,
  checkOneRegion,
  checkRolesSeparated,
  checkSagBudget,
} from './s-yaml/account-checks.js';
import { checkBundles } from './s-yaml/bundles.js';
import type { Check } from './s-yaml/check.js';
import { codeEnvVariables as findCodeEnv } from './s-yaml/code-env.js';
import {
  checkBasics,
  checkCodeValidation,
  checkEnvironmentCoverage,
  checkEnvironmentSize,
  checkEnvironmentValues,
  checkQueueNames,
  checkWebhookSecrets,
} from './s-yaml/function-checks.js';
import { at, formatProblem, isError, isObj, type Obj, type Problem } from './s-yaml/problem.js';
import { checkRawYaml as rawChecks } from './s-yaml/raw-checks.js';
import { parseDotEnv, renderWithS, requiredEnv, type Rendered } from './s-yaml/render.js';
import { checkHttpTrigger, checkMnsTrigger, checkRunOptions, checkTimeouts, checkTimerTrigger } from './s-yaml/trigger-checks.js';
import { viewOf, type CheckContext, type Ctx } from './s-yaml/view.js';

export { ENV_NEEDS, QUEUE_ENV, SECRET_ENV, isSecretName } from './function-env.js';
export { DEPLOYED_FUNCTIONS } from './s-yaml/deployed-functions.js';
export { ENV_LIMIT_BYTES, PUSH_LIMIT_SECONDS, RUNTIME } from './s-yaml/platform.js';
export { formatProblem, isError, parseDotEnv, type CheckContext, type Problem, type Rendered };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const S_YAML = join(REPO_ROOT, 's.yaml');
const S_ENTRY = join(REPO_ROOT, 'node_modules', '@serverless-devs', 's', 'bin', 's');

/** The checks of the rendered spec, in the order their problems are printed. */
export const CHECKS: readonly Check[] = [
  checkCodeEnvKnown,
  checkEditionAndAccount,
  checkBuild,
  checkFunctionsDeployed,
  checkBasics,
  checkEnvironmentValues,
  checkEnvironmentCoverage,
  checkEnvironmentSize,
  checkQueueNames,
  checkCodeValidation,
  checkWebhookSecrets,
  checkHttpTrigger,
  checkTimerTrigger,
  checkMnsTrigger,
  checkRunOptions,
  checkTimeouts,
  checkSagBudget,
  checkRolesSeparated,
  checkOneRegion,
  checkBundles,
];

/** Every variable the deployed code reads, with where it was found (deploy/s-yaml/code-env.ts). */
export const codeEnvVariables = (root = REPO_ROOT): Map<string, string> => findCodeEnv(root);

/** Renders `yamlPath` with `s preview -o json --output-file` (deploy/s-yaml/render.ts). */
export const renderSYaml = (yamlPath: string, env: NodeJS.ProcessEnv): Promise<Rendered> => renderWithS(S_ENTRY, yamlPath, env);

/** The raw-text checks (deploy/s-yaml/raw-checks.ts). */
export const checkRawYaml = (text: string, defaults: QueueNames = DEFAULT_QUEUE_NAMES, codeEnv: ReadonlyMap<string, string> = codeEnvVariables()): Problem[] =>
  rawChecks(text, defaults, codeEnv);

/** Runs every check of CHECKS on the rendered spec. */
export function checkRendered(spec: Obj, context: CheckContext): Problem[] {
  const baseDir = context.baseDir ?? REPO_ROOT;
  const ctx: Ctx = { ...context, baseDir, defaults: context.defaults ?? DEFAULT_QUEUE_NAMES, codeEnv: context.codeEnv ?? codeEnvVariables(baseDir) };
  const view = viewOf(spec, ctx);
  return CHECKS.flatMap((check) => check(view, ctx));
}

/** Dummy values for CI: every source on, realistic lengths, nothing real. */
export function ciDummyEnv(): Record<string, string> {
  const aes = (seed: string) =>
    Buffer.from(seed.repeat(4))
      .toString('base64')
      .replace(/[^A-Za-z0-9+/]/g, '')
      .slice(0, 43);
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

/**
 * The variables a deployment cannot do without that `env` lacks: those s.yaml reads with no default (s preview
 * cannot render without them), then the site directory and an HR source. Empty when s.yaml can be rendered.
 */
export function missingVariables(yamlText: string, env: NodeJS.ProcessEnv): string[] {
  const set = (k: string) => !!env[k]?.trim();
  const required = requiredEnv(yamlText).filter((k) => !set(k));
  if (!required.length) return [];
  const out = required.map((k) => `${k} (s.yaml reads it with no default)`);
  if (!set('SITES_JSON') && !set('SITES_FILE')) out.push('SITES_JSON or SITES_FILE (the site directory)');
  if (!Object.values(SOURCE_ENV).flat().some(set)) out.push('an HR source: HR_WEBHOOK_SECRET, or FEISHU_*, DINGTALK_* or WECOM_* (README "HR sources")');
  return out;
}

function printResult(result: CheckResult, yamlPath: string, ci: boolean, print: (line: string) => void): number {
  const webhookEnv = at(result.spec, 'resources.webhook.props.environmentVariables');
  if (isObj(webhookEnv)) {
    const on = {
      generic: !!webhookEnv.HR_WEBHOOK_SECRET,
      feishu: !!(webhookEnv.FEISHU_ENCRYPT_KEY || webhookEnv.FEISHU_VERIFICATION_TOKEN),
      dingtalk: !!webhookEnv.DINGTALK_TOKEN,
      wecom: !!webhookEnv.WECOM_TOKEN,
    };
    print(
      `HR sources on: ${
        Object.entries(on)
          .filter(([, v]) => v)
          .map(([k]) => k)
          .join(', ') || 'none'
      }`,
    );
  }
  print(`${yamlPath}: rendered by s preview in ${result.renderMs} ms${ci ? ' (CI dummy values)' : ''}`);
  const errors = result.problems.filter(isError);
  const warnings = result.problems.filter((p) => !isError(p));
  for (const p of errors) print(`PROBLEM ${formatProblem(p)}`);
  for (const p of warnings) print(`WARNING ${formatProblem(p)}`);
  print(`${errors.length ? `${errors.length} problem(s)` : 'no problems'}${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
  return errors.length ? 1 : 0;
}

/** The command: prints through `print` (default console.log) and returns the exit code. */
export async function main(
  argv = process.argv.slice(2),
  print: (line: string) => void = (l) => console.log(l),
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const ci = argv.includes('--ci');
  const fileIdx = argv.indexOf('--file');
  const yamlPath = fileIdx >= 0 && argv[fileIdx + 1] ? resolve(argv[fileIdx + 1] as string) : S_YAML;
  // Like `s deploy`, read a .env beside the file (the environment wins, as with dotenv; no $VAR expansion).
  const dotEnvPath = join(dirname(yamlPath), '.env');
  const dotEnv = !ci && existsSync(dotEnvPath) ? parseDotEnv(readFileSync(dotEnvPath, 'utf8')) : {};
  const env = ci ? { ...ciDummyEnv(), PATH: processEnv.PATH } : { ...dotEnv, ...processEnv };
  const missing = ci ? [] : missingVariables(readFileSync(yamlPath, 'utf8'), env);
  if (missing.length) {
    print(`cannot check ${yamlPath}: set these in the environment or in ${dotEnvPath} (docs/deploy.md):`);
    for (const m of missing) print(`  MISSING ${m}`);
    return 1;
  }
  try {
    return printResult(await checkSYaml({ yamlPath, env, bundles: 'require' }), yamlPath, ci, print);
  } catch (err) {
    print((err as Error).message);
    return 1;
  }
}

runAsMain(import.meta.url, main);
