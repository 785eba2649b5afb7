/** Checks of the deployment as a whole: edition and account, the build, which functions exist, roles, region, SAG budget. */
import { ENV_NEEDS } from '../function-env.js';
import type { Check } from './check.js';
import { DEPLOYED_FUNCTIONS } from './deployed-functions.js';
import { at, isObj, problem, str, type Problem } from './problem.js';

/** Every variable the code reads is in ENV_NEEDS (so a new knob cannot be forgotten in s.yaml). */
export const checkCodeEnvKnown: Check = (_r, ctx) =>
  [...ctx.codeEnv]
    .filter(([name]) => !ENV_NEEDS[name])
    .map(([name, where]) =>
      problem(
        's.yaml',
        name,
        `the code reads ${name} (${where}) but ENV_NEEDS in deploy/function-env.ts does not say which functions need it: add it there and pass it in s.yaml`,
      ),
    );

export const checkEditionAndAccount: Check = ({ spec, vars }) => {
  const out: Problem[] = [];
  if (spec.edition !== '3.0.0') out.push(problem('s.yaml', 'edition', `must be 3.0.0 (got ${str(spec.edition)})`));
  const accountId = str(vars.accountId ?? '');
  if (!/^\d+$/.test(accountId)) out.push(problem('vars', 'accountId', `must be the numeric account id (got ${accountId})`));
  return out;
};

/** One build for all functions: a global pre-deploy action, no per-resource build. */
export const checkBuild: Check = ({ spec, resources }) => {
  const builds = (steps: unknown) => Array.isArray(steps) && steps.some((s) => isObj(s) && /npm run build/.test(str(s.run)));
  const out: Problem[] = [];
  if (!builds(at(spec, 'actions.pre-deploy')))
    out.push(problem('actions', 'pre-deploy', 'must run `npm run build` once for all functions (a global pre-deploy action)'));
  for (const [name, r] of Object.entries(resources)) {
    if (builds(at(r, 'actions.pre-deploy')))
      out.push(problem(name, 'actions.pre-deploy', 'builds per resource: the global pre-deploy action already builds every bundle once'));
  }
  return out;
};

/** Every function of the catalogue is an fc3 resource. */
export const checkFunctionsDeployed: Check = ({ resources }) => {
  const out: Problem[] = [];
  for (const name of Object.keys(DEPLOYED_FUNCTIONS)) {
    const r = resources[name];
    if (!isObj(r)) out.push(problem(name, 'resources', 'missing: every function of the product must be deployed'));
    else if (r.component !== 'fc3') out.push(problem(name, 'component', `must be fc3 (got ${str(r.component)})`));
  }
  for (const [name, r] of Object.entries(resources)) {
    if (!isObj(r) && DEPLOYED_FUNCTIONS[name]) out.push(problem(name, 'component', `must be fc3 (got ${str(r)})`));
  }
  return out;
};

/** The anonymous webhook never runs with the role of a function that calls SAG. */
export const checkRolesSeparated: Check = ({ resources }) => {
  const webhookRole = at(resources, 'webhook.props.role');
  if (webhookRole === undefined) return [];
  const shared = Object.entries(DEPLOYED_FUNCTIONS).find(([name, f]) => f.callsSag && at(resources, `${name}.props.role`) === webhookRole);
  return shared
    ? [problem('webhook', 'props.role', `must not be the role of ${shared[0]}: the anonymous webhook would gain the workers' SAG permissions`)]
    : [];
};

/** All functions in one region, with their queues (an MNS trigger needs queue and function in one region). */
export const checkOneRegion: Check = ({ functions }) => {
  const regions = new Set(functions.map((f) => f.region));
  return regions.size > 1
    ? [problem('resources', 'props.region', `all functions must be in one region with their queues (got ${[...regions].join(', ')})`)]
    : [];
};

/** Instances are capped, each SAG caller has a per-instance rate, and together they stay within the account's SAG rate. */
export const checkSagBudget: Check = ({ functions, vars }) => {
  const out: Problem[] = [];
  let budget = 0;
  const terms: string[] = [];
  for (const f of functions.filter((x) => x.isWorker)) {
    const reserved = Number(at(f.props, 'concurrencyConfig.reservedConcurrency'));
    if (!Number.isInteger(reserved) || reserved < 1) {
      out.push(
        problem(f.name, 'props.concurrencyConfig.reservedConcurrency', 'must cap the instances (a whole number ≥ 1): the SAG rate limit is account-wide'),
      );
      continue;
    }
    if (!f.known?.callsSag) continue;
    // No ceiling (0 or unset) is the default: the adaptive pacer finds the account's rate by itself and backs off on
    // throttling, so such an instance adds nothing to the guard below. A ceiling that is set counts against it.
    const raw = f.env.SAG_MAX_CALLS_PER_SECOND;
    const rate = raw === undefined || raw === '' ? 0 : Number(raw);
    if (!Number.isFinite(rate) || rate < 0) {
      out.push(problem(f.name, 'props.environmentVariables.SAG_MAX_CALLS_PER_SECOND', `must be 0 (no ceiling) or a positive number (got ${str(raw)})`));
      continue;
    }
    if (rate === 0) continue;
    budget += reserved * rate;
    terms.push(`${f.name} ${reserved} × ${rate}`);
  }
  const limit = Number(vars.sagAccountCallsPerSecond);
  if (!(limit > 0))
    out.push(
      problem('vars', 'sagAccountCallsPerSecond', `must be the account's SAG calls per second for this product (got ${str(vars.sagAccountCallsPerSecond)})`),
    );
  else if (budget > limit + 1e-9)
    out.push(
      problem(
        'vars',
        'sagAccountCallsPerSecond',
        `SAG budget exceeded: ${terms.join(' + ')} = ${budget} calls/s > ${limit} (lower reservedConcurrency or SAG_MAX_CALLS_PER_SECOND)`,
      ),
    );
  return out;
};
