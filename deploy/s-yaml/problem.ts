/** A finding of the s.yaml checks, and the small helpers every check uses to read the rendered spec. */

export interface Problem {
  /** The s.yaml resource (e.g. `join-worker`), or `s.yaml` / `vars` / `actions` for file-level findings. */
  resource: string;
  /** Where: a path inside the resource (`props.triggers[0].triggerConfig.runOptions.errorsTolerance`) or `line N`. */
  key: string;
  message: string;
  /** 'warning': printed, but does not fail the check (worst-case arithmetic that a deployment may accept). */
  severity?: 'warning';
}

export const problem = (resource: string, key: string, message: string): Problem => ({ resource, key, message });
export const warning = (resource: string, key: string, message: string): Problem => ({ resource, key, message, severity: 'warning' });
export const formatProblem = (p: Problem): string => `${p.resource}: ${p.key}: ${p.message}`;
export const isError = (p: Problem): boolean => p.severity !== 'warning';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
export const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The value at a dotted path, or undefined. */
export function at(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const part of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}
