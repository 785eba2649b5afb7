/**
 * The functions' environment on the local stack. Every function variable the operator sets is honoured; the local
 * defaults fill in only those left unset; the variables that wire the functions to the embedded emulators are the
 * stack's own. An HR source takes all its variables from one place: set any of them (e.g. FEISHU_ENCRYPT_KEY) and
 * the source uses the operator's values only (a half-set source is the same configuration error as on FC), set none
 * and it runs on the local sample secrets.
 */
import { FUNCTION_ENV, SOURCE_ENV, isSecretName } from '../deploy/function-env.js';

/** Where a variable's value came from. */
export type EnvOrigin = 'environment' | 'local default' | 'local stack';

export interface LocalEnv {
  /** What the functions see. */
  env: Record<string, string>;
  origins: Record<string, EnvOrigin>;
  /** Variables the operator set that the stack replaces with its emulators' (e.g. MNS_ENDPOINT). */
  ignored: string[];
}

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/** The function variables (deploy/function-env.ts) set in `env`, e.g. `process.env`. */
export function pickFunctionEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(FUNCTION_ENV.filter((k) => isSet(env[k])).map((k) => [k, env[k] as string]));
}

/**
 * Merges the operator's variables (`given`) over the local `defaults`, source by source, and sets the
 * `stackOwned` variables last.
 */
export function localFunctionEnv(given: Record<string, string>, defaults: Record<string, string>, stackOwned: Record<string, string>): LocalEnv {
  const env: Record<string, string> = {};
  const origins: Record<string, EnvOrigin> = {};
  const put = (k: string, v: string | undefined, origin: EnvOrigin) => {
    if (v === undefined) return;
    env[k] = v;
    origins[k] = origin;
  };
  const grouped = new Set<string>(Object.values(SOURCE_ENV).flat());
  for (const names of Object.values(SOURCE_ENV)) {
    const fromOperator = names.some((k) => isSet(given[k]));
    for (const k of names) put(k, fromOperator ? given[k] : defaults[k], fromOperator ? 'environment' : 'local default');
  }
  for (const k of Object.keys(defaults)) if (!grouped.has(k)) put(k, defaults[k], 'local default');
  for (const [k, v] of Object.entries(given)) if (!grouped.has(k) && isSet(v)) put(k, v, 'environment');
  const ignored = Object.keys(stackOwned).filter((k) => isSet(given[k]) && given[k] !== stackOwned[k]);
  for (const [k, v] of Object.entries(stackOwned)) put(k, v, 'local stack');
  return { env, origins, ignored };
}

/** A secret as it may be printed: its `whsec_` prefix, if any, and its length. */
export function maskSecret(value: string): string {
  return `${value.startsWith('whsec_') ? 'whsec_' : ''}**** (${value.length} chars)`;
}

/**
 * One line per variable in effect, sorted, with where each came from. The operator's secrets are masked; the local
 * sample secrets are shown as they are (they are published in local/ and needed to sign by hand).
 */
export function describeEnv(local: LocalEnv): string[] {
  const names = Object.keys(local.env).sort();
  const width = Math.max(...names.map((n) => n.length));
  const shown = (k: string, v: string) => {
    if (isSecretName(k) && local.origins[k] === 'environment') return maskSecret(v);
    if (k === 'SITES_JSON') return `(the site directory, ${Buffer.byteLength(v)} bytes)`;
    return v;
  };
  const lines = names.map((k) => `  ${k.padEnd(width)}  [${local.origins[k]}]`.padEnd(width + 21) + shown(k, local.env[k] as string));
  for (const k of local.ignored) lines.push(`  ${k} is set in the environment but ignored: the local stack points it at its emulator`);
  return lines;
}
