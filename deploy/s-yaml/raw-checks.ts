/**
 * Checks of the raw text of s.yaml: what the rendered values cannot show, i.e. where a value came from (hard-coded
 * secrets, secret defaults, queue-name defaults, variables written in the file instead of read from the environment).
 */
import type { QueueNames } from '../../shared/index.js';
import { QUEUE_ENV, isSecretName } from '../function-env.js';
import type { Problem } from './problem.js';

const ENV_CALL = /\$\{env\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*(['"])(.*?)\3\s*)?\)\}/g;

const stripComment = (line: string) => line.replace(/(^|\s)#.*$/, '');
const unquote = (v: string) => v.replace(/^(['"])(.*)\1$/, '$2');
const lineProblem = (lineNo: number, message: string): Problem => ({ resource: 's.yaml', key: `line ${lineNo}`, message });

/** Top-level `vars:` entries (two-space indent), to follow `${vars.x}` one step. */
function varDefinitions(lines: string[]): Map<string, string> {
  const defs = new Map<string, string>();
  let inVars = false;
  for (const raw of lines) {
    const line = stripComment(raw);
    if (/^\S/.test(line)) inVars = /^vars:\s*$/.test(line);
    else if (inVars) {
      const m = /^ {2}([A-Za-z_]\w*):\s*(.*?)\s*$/.exec(line);
      if (m) defs.set(m[1] as string, unquote(m[2] as string));
    }
  }
  return defs;
}

/** A variable the code reads (not a secret) whose value is written in the file rather than `${env('SAME', …)}`. */
function writtenInFile(line: string, lineNo: number, codeEnv: ReadonlyMap<string, string>, varDefs: Map<string, string>): Problem[] {
  const code = /^\s+([A-Z][A-Z0-9_]*)\s*:\s*(.*?)\s*$/.exec(line);
  if (!code || !codeEnv.has(code[1] as string) || isSecretName(code[1] as string)) return [];
  const name = code[1] as string;
  const written = unquote(code[2] as string);
  const viaVar = /^\$\{vars\.(\w+)\}$/.exec(written);
  const value = viaVar ? (varDefs.get(viaVar[1] as string) ?? written) : written;
  const fromEnv = new RegExp(`^\\$\\{env\\(\\s*(['"])${name}\\1\\s*(?:,\\s*(['"]).*?\\2\\s*)?\\)\\}$`);
  if (fromEnv.test(value)) return [];
  const hint = viaVar ? ` (or make vars.${viaVar[1]} exactly that)` : '';
  return [
    lineProblem(
      lineNo,
      `${name} does not come from the environment: write ${name}: \${env('${name}', '<default>')}${hint} (got ${written}${viaVar ? ` = ${value}` : ''})`,
    ),
  ];
}

/** Secrets: no default, never a literal, and nothing that looks like a key written anywhere. */
function secretsInLine(line: string, lineNo: number): Problem[] {
  const out: Problem[] = [];
  for (const m of line.matchAll(ENV_CALL)) {
    const name = m[2] as string;
    const def = m[4];
    if (isSecretName(name) && def !== undefined && def !== '') {
      out.push(
        lineProblem(
          lineNo,
          `${name} has a non-empty default in \${env('${name}', …)}: a secret never has a default (use '' to let an unset secret switch its source off)`,
        ),
      );
    }
  }
  const kv = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$/.exec(line);
  if (kv && isSecretName(kv[1] as string)) {
    const [, name, value] = kv as unknown as [string, string, string];
    const unquoted = unquote(value);
    const fromEnv = new RegExp(`^\\$\\{env\\(\\s*(['"])${name}\\1\\s*(?:,\\s*(['"])\\2\\s*)?\\)\\}$`);
    if (unquoted !== '' && !unquoted.startsWith('*') && !fromEnv.test(unquoted)) {
      out.push(lineProblem(lineNo, `${name} is not read from the environment: write ${name}: \${env('${name}', '')} (got a literal value)`));
    }
  }
  if (/LTAI[0-9A-Za-z]{12,}/.test(line))
    out.push(lineProblem(lineNo, 'looks like a hard-coded AccessKey ID (LTAI…): credentials come from `s config add` / the function role'));
  if (/whsec_[A-Za-z0-9+/=]{8,}/.test(line)) out.push(lineProblem(lineNo, 'looks like a hard-coded Standard Webhooks secret (whsec_…)'));
  return out;
}

/** Each queue name is read with `${env('X_QUEUE', '<the code's default>')}`. */
function queueDefaults(lines: string[], defaults: QueueNames): Problem[] {
  const envDefaults = new Map<string, string | undefined>();
  for (const raw of lines) {
    for (const m of stripComment(raw).matchAll(ENV_CALL)) if (!envDefaults.has(m[2] as string)) envDefaults.set(m[2] as string, m[4]);
  }
  const out: Problem[] = [];
  for (const [role, variable] of Object.entries(QUEUE_ENV) as Array<[keyof QueueNames, string]>) {
    if (!envDefaults.has(variable)) {
      out.push({ resource: 's.yaml', key: variable, message: `queue name is not read with \${env('${variable}', '${defaults[role]}')}` });
    } else if (envDefaults.get(variable) !== defaults[role]) {
      out.push({
        resource: 's.yaml',
        key: variable,
        message: `default queue name "${envDefaults.get(variable) ?? '(none)'}" differs from the code's default "${defaults[role]}" (shared/config.ts DEFAULT_QUEUE_NAMES)`,
      });
    }
  }
  return out;
}

/**
 * Problems visible only in the text of s.yaml: hard-coded secrets, secret defaults, queue-name defaults, and any
 * variable the code reads whose value is written in the file instead of coming from `${env('SAME_NAME', …)}`
 * (directly, or through a `vars` entry that is exactly that).
 */
export function checkRawYaml(text: string, defaults: QueueNames, codeEnv: ReadonlyMap<string, string>): Problem[] {
  const lines = text.split('\n');
  const varDefs = varDefinitions(lines);
  const perLine = lines.flatMap((raw, i) => {
    const line = stripComment(raw);
    return [...writtenInFile(line, i + 1, codeEnv, varDefs), ...secretsInLine(line, i + 1)];
  });
  return [...perLine, ...queueDefaults(lines, defaults)];
}
