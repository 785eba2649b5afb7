/**
 * Runs the `@example` lines of the HR crypto modules' TSDoc, so that the documentation cannot drift from the code.
 * In an example block, `EXPR // => VALUE` asserts `EXPR` deep-equals `VALUE`, `EXPR // throws NAME` asserts that
 * `EXPR` throws the error class NAME from shared/errors.ts, and any other line is setup run before each assertion
 * of that block. Every exported function must appear in at least one assertion.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as errors from '../../shared/errors.js';
import * as constantTime from '../../shared/hr/constant-time.js';
import * as feishu from '../../shared/hr/feishu-crypto.js';
import * as standardWebhooks from '../../shared/hr/standard-webhooks.js';
import * as wx from '../../shared/hr/wx-biz-crypto.js';
import * as xmlFields from '../../shared/hr/xml-fields.js';

const modules: Array<[string, Record<string, unknown>]> = [
  ['constant-time.ts', constantTime],
  ['feishu-crypto.ts', feishu],
  ['standard-webhooks.ts', standardWebhooks],
  ['wx-biz-crypto.ts', wx],
  ['xml-fields.ts', xmlFields],
];

interface Assertion {
  setup: string[];
  expr: string;
  expected: { value: string } | { throws: string };
}

function examplesOf(source: string): Assertion[] {
  const out: Assertion[] = [];
  for (const block of source.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    const lines = block.split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, ''));
    let inExample = false;
    let setup: string[] = [];
    for (const line of lines) {
      if (line.startsWith('@')) {
        inExample = line.startsWith('@example');
        setup = [];
        continue;
      }
      if (!inExample || line.trim() === '' || line.trim().startsWith('```')) continue;
      const value = line.match(/^(.*?)\s*\/\/ => (.*)$/);
      const throws = line.match(/^(.*?)\s*\/\/ throws (\w+)$/);
      if (value) out.push({ setup: [...setup], expr: value[1] as string, expected: { value: value[2] as string } });
      else if (throws) out.push({ setup: [...setup], expr: throws[1] as string, expected: { throws: throws[2] as string } });
      else setup.push(line);
    }
  }
  return out;
}

function evaluate(mod: Record<string, unknown>, setup: string[], expr: string): unknown {
  const names = Object.keys(mod);
  const fn = new Function(...names, 'Buffer', `${setup.join('\n')}\nreturn (${expr});`) as (...args: unknown[]) => unknown;
  return fn(...names.map((n) => mod[n]), Buffer);
}

describe.each(modules)('TSDoc examples of shared/hr/%s', (file, mod) => {
  const source = readFileSync(fileURLToPath(new URL(`../../shared/hr/${file}`, import.meta.url)), 'utf8');
  const examples = examplesOf(source);

  it('has an example for every exported function', () => {
    const functions = Object.entries(mod)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k);
    expect(functions.length).toBeGreaterThan(0);
    for (const name of functions)
      expect(
        examples.some((e) => new RegExp(`\\b${name}\\(`).test(e.expr)),
        `${name} has no example`,
      ).toBe(true);
  });

  it.each(examples.map((e) => [e.expr.slice(0, 90), e] as const))('%s', (_label, e) => {
    if ('value' in e.expected) {
      expect(evaluate(mod, e.setup, e.expr)).toEqual(evaluate(mod, e.setup, e.expected.value));
    } else {
      const cls = (errors as Record<string, unknown>)[e.expected.throws];
      expect(typeof cls, `unknown error class ${e.expected.throws}`).toBe('function');
      expect(() => evaluate(mod, e.setup, e.expr)).toThrow(cls as typeof Error);
    }
  });
});
