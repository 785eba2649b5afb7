/**
 * `doctor --deployed`: each deployed function's variables against the local configuration, read with Function
 * Compute's GetFunction through `@alicloud/fc20230330` (loaded only for this check: the other commands and the
 * function bundles never load it).
 *
 * Compared, for each function, among the variables it reads (deploy/function-env.ts):
 * - the queue names, as the configuration resolves them (an unset one is its default);
 * - the site directory, parsed (the deployed `SITES_JSON`, or a note when it ships a `SITES_FILE`);
 * - every other variable set in the local environment, except the endpoints (`MNS_ENDPOINT`, `SAG_ENDPOINT`,
 *   `TABLESTORE_ENDPOINT`: the functions use the VPC ones, an operator's machine the public ones). Secrets are
 *   compared but never printed: only their names.
 */
import type { Target } from '../target.js';
import { AUTH_CODE, CREDENTIALS_FIX, type Check, fail, message, pass } from './check.js';
import { ENV_NEEDS, QUEUE_ENV, isSecretName } from '../../deploy/function-env.js';
import { DEFAULT_QUEUE_NAMES, FUNCTIONS, SiteDirectory, type Config, type FunctionName, type QueueNames } from '../../shared/index.js';

/** Variables that legitimately differ between the functions and an operator's machine. */
const NOT_COMPARED = new Set(['MNS_ENDPOINT', 'SAG_ENDPOINT', 'TABLESTORE_ENDPOINT', 'SITES_JSON', 'SITES_FILE', ...Object.values(QUEUE_ENV)]);

export interface DeployedOptions {
  /** `https://{account}.{region}.fc.aliyuncs.com`, or the emulator's. */
  fcEndpoint: string;
  /** s.yaml's `FUNCTION_PREFIX` (default `hr-sag-sync`): the functions are `{prefix}-webhook`, … */
  prefix: string;
}

type GetFunction = (name: string) => Promise<Record<string, string>>;

/** GetFunction through the official client: the function's environment variables. */
async function fcClient(target: Target, endpoint: string): Promise<GetFunction> {
  const [{ default: FC, GetFunctionRequest }, { $OpenApiUtil }] = await Promise.all([import('@alicloud/fc20230330'), import('@alicloud/openapi-core')]);
  const url = new URL(endpoint);
  const config = new $OpenApiUtil.Config({
    accessKeyId: target.credentials.accessKeyId,
    accessKeySecret: target.credentials.accessKeySecret,
    securityToken: target.credentials.securityToken,
    endpoint: url.host,
    protocol: url.protocol.replace(':', ''),
    regionId: target.region,
    readTimeout: 15_000,
    connectTimeout: 10_000,
  });
  const client = new FC(config);
  return async (name) => (await client.getFunction(name, new GetFunctionRequest({}))).body?.environmentVariables ?? {};
}

const reads = (fn: FunctionName) => Object.keys(ENV_NEEDS).filter((k) => (ENV_NEEDS[k] as readonly string[]).includes(fn));

/** The differences of one function's variables from the local configuration: one phrase each. */
function differences(fn: FunctionName, deployed: Record<string, string>, target: Target, config: Config, directory?: SiteDirectory): string[] {
  const out: string[] = [];
  const vars = reads(fn);
  const show = (k: string, v: string | undefined) => (isSecretName(k) ? '' : ` "${v ?? ''}"`);
  for (const [role, k] of Object.entries(QUEUE_ENV) as Array<[keyof QueueNames, string]>) {
    // Unset, the function uses the default name (shared/config.ts), as the local configuration does.
    const theirs = deployed[k]?.trim() || DEFAULT_QUEUE_NAMES[role];
    if (vars.includes(k) && theirs !== config.queues[role]) out.push(`${k} is "${theirs}", locally "${config.queues[role]}"`);
  }
  if (vars.includes('SITES_JSON') && directory) out.push(...siteDifference(deployed, directory));
  for (const k of vars) {
    const local = target.env[k];
    if (NOT_COMPARED.has(k) || local === undefined || local.trim() === '' || deployed[k] === local) continue;
    out.push(deployed[k] === undefined ? `${k} is not set` : `${k} differs (deployed${show(k, deployed[k])}, locally${show(k, local)})`);
  }
  return out;
}

function siteDifference(deployed: Record<string, string>, local: SiteDirectory): string[] {
  if (!deployed.SITES_JSON?.trim()) return deployed.SITES_FILE ? [] : ['SITES_JSON and SITES_FILE are not set'];
  try {
    const theirs = SiteDirectory.fromEnv({ SITES_JSON: deployed.SITES_JSON });
    return JSON.stringify(theirs.sites) === JSON.stringify(local.sites) && theirs.transferPolicy === local.transferPolicy
      ? []
      : [`the site directory (SITES_JSON) differs: deployed ${theirs.sites.map((s) => s.id).join(', ')}; locally ${local.sites.map((s) => s.id).join(', ')}`];
  } catch (err) {
    return [`the deployed SITES_JSON is invalid: ${message(err)}`];
  }
}

/** One check per function of the catalogue. Stops at the first credential refusal. */
export async function deployedChecks(target: Target, config: Config, directory: SiteDirectory | undefined, o: DeployedOptions): Promise<Check[]> {
  const get = await fcClient(target, o.fcEndpoint);
  const checks: Check[] = [];
  for (const { name: fn } of FUNCTIONS) {
    const name = `deployed:${o.prefix}-${fn}`;
    try {
      const vars = await get(`${o.prefix}-${fn}`);
      const diff = differences(fn, vars, target, config, directory);
      const bundled =
        reads(fn).includes('SITES_FILE') && !vars.SITES_JSON?.trim() && vars.SITES_FILE ? ` (site directory bundled as ${vars.SITES_FILE}: not compared)` : '';
      checks.push(
        diff.length
          ? fail(name, diff.join('; '), 'redeploy from this configuration (npm run deploy), or correct the local one')
          : pass(name, `variables match the local configuration${bundled}`),
      );
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      if (code === 'FunctionNotFound') checks.push(fail(name, 'not deployed', `npm run deploy (FUNCTION_PREFIX=${o.prefix}), or pass --function-prefix`));
      else if (AUTH_CODE.test(code)) return [...checks, fail(name, `${code}: ${message(err).slice(0, 200)}`, `${CREDENTIALS_FIX} (fc:GetFunction)`)];
      else return [...checks, fail(name, `${code}: ${message(err).slice(0, 200)}`, `check that ${o.fcEndpoint} is reachable (--fc-endpoint, --region)`)];
    }
  }
  return checks;
}
