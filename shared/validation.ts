/**
 * Turning zod issues into the field-level problems we log and return. zod/mini (chosen for cold start: the full
 * zod build is ~450 KB minified) ships no messages, so the wording lives here, in one place.
 */
import type * as z from 'zod/mini';
import type { FieldIssue } from './errors.js';

type Issue = z.core.$ZodIssue;

/** `a.b[0].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

function describe(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${issue.minimum} characters`
        : issue.origin === 'array'
          ? `must have at least ${issue.minimum} items`
          : `must be ${issue.inclusive ? '≥' : '>'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `must have at most ${issue.maximum} items`
          : `must be ${issue.inclusive ? '≤' : '<'} ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'has an invalid format' : `must be a valid ${issue.format === 'datetime' ? 'ISO-8601 date-time' : issue.format}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has unknown field(s) ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'does not match any accepted shape';
    default:
      return issue.message && issue.message !== 'Invalid input' ? issue.message : 'is invalid';
  }
}

/** Field issues, one per zod issue, with a readable message. */
export function toFieldIssues(issues: readonly Issue[]): FieldIssue[] {
  return issues.map((i) => ({
    path: formatPath(i.path),
    message: i.message && i.message !== 'Invalid input' && i.code === 'custom' ? i.message : describe(i),
  }));
}
