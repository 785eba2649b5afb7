/**
 * The rendered spec as the checks read it: each fc3 resource with its props, triggers, environment, and what the
 * code's own validation makes of that environment (loadConfig, the site directory), derived once.
 */
import { isAbsolute, join } from 'node:path';
import { loadConfig, SiteDirectory, type Config, type QueueNames } from '../../shared/index.js';
import { DEPLOYED_FUNCTIONS, type DeployedFunction } from './deployed-functions.js';
import { isObj, str, type Obj } from './problem.js';

export interface CheckContext {
  /** The environment `s preview` ran with: secrets must render to exactly these values ('' when unset). */
  env: NodeJS.ProcessEnv;
  /** Where `code` paths and SITES_FILE resolve (the repository root). */
  baseDir?: string;
  /** 'require': load each bundle and check its handler export; 'skip': do not look at dist/. */
  bundles?: 'require' | 'skip';
  defaults?: QueueNames;
  /** The variables the code reads (default: found in the code under baseDir). */
  codeEnv?: Map<string, string>;
}

/** The context with its defaults filled in. */
export type Ctx = Required<Omit<CheckContext, 'bundles'>> & Pick<CheckContext, 'bundles'>;

export interface FunctionView {
  /** The resource key in s.yaml. */
  name: string;
  props: Obj;
  /** The catalogue entry, when the resource is one of the product's functions. */
  known?: DeployedFunction;
  triggers: Obj[];
  /** Index of the eventbridge (MNS) trigger, -1 when none. */
  mnsIndex: number;
  isWorker: boolean;
  region: string;
  /** props.timeout as a number (NaN when not one). */
  timeout: number;
  /** props.environmentVariables as rendered. */
  env: Obj;
  /** The same, every value as a string: what the function would see. */
  asEnv: Record<string, string>;
  /** loadConfig(asEnv), or its error. */
  config?: Config;
  configError?: string;
  /** For functions that read the site directory: its distinct SAG instances, or what is wrong with it. */
  sites?: { instances?: number; missing?: boolean; error?: { key: string; message: string } };
}

export interface RenderedView {
  spec: Obj;
  vars: Obj;
  resources: Obj;
  /** The fc3 resources. */
  functions: FunctionView[];
}

function readConfig(asEnv: Record<string, string>): Pick<FunctionView, 'config' | 'configError'> {
  try {
    return { config: loadConfig(asEnv) };
  } catch (err) {
    return { configError: (err as Error).message };
  }
}

function readSites(asEnv: Record<string, string>, props: Obj, baseDir: string): FunctionView['sites'] {
  const file = asEnv.SITES_FILE;
  if (!asEnv.SITES_JSON?.trim() && !file) return { missing: true };
  const sitesFile = file && !isAbsolute(file) && typeof props.code === 'string' ? join(baseDir, props.code, file) : file;
  try {
    const dir = SiteDirectory.fromEnv({ SITES_JSON: asEnv.SITES_JSON, SITES_FILE: sitesFile });
    return { instances: new Set(dir.sites.map((x) => `${x.regionId}/${x.smartAGId}`)).size };
  } catch (err) {
    return { error: { key: `props.environmentVariables.${asEnv.SITES_JSON?.trim() ? 'SITES_JSON' : 'SITES_FILE'}`, message: (err as Error).message } };
  }
}

function functionView(name: string, props: Obj, baseDir: string): FunctionView {
  const known = DEPLOYED_FUNCTIONS[name];
  const triggers = Array.isArray(props.triggers) ? props.triggers.filter(isObj) : [];
  const mnsIndex = triggers.findIndex((t) => t.triggerType === 'eventbridge');
  const env = isObj(props.environmentVariables) ? props.environmentVariables : {};
  const asEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, str(v)]));
  return {
    name,
    props,
    known,
    triggers,
    mnsIndex,
    isWorker: !!known?.queue || mnsIndex >= 0,
    region: str(props.region ?? ''),
    timeout: Number(props.timeout),
    env,
    asEnv,
    ...readConfig(asEnv),
    sites: known?.sites ? readSites(asEnv, props, baseDir) : undefined,
  };
}

export function viewOf(spec: Obj, ctx: Ctx): RenderedView {
  const resources = isObj(spec.resources) ? spec.resources : {};
  const functions = Object.entries(resources)
    .filter((e): e is [string, Obj] => isObj(e[1]) && e[1].component === 'fc3')
    .map(([name, r]) => functionView(name, isObj(r.props) ? r.props : {}, ctx.baseDir));
  return { spec, vars: isObj(spec.vars) ? spec.vars : {}, resources, functions };
}
