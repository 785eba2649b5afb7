/**
 * `s deploy` itself, offline and without credentials: the real s.yaml with the fc3 component swapped for a stub that
 * records what it is given, and the two pre-deploy commands swapped for markers (one `s` run). It shows:
 * - the global pre-deploy action runs once, build before check, before the first function (not once per function);
 * - what fc3 would receive when only the required variable is set: every optional secret renders as '' (so every
 *   HR source is off), and every tunable is the code's own default (except the deliberate SAG rate limit).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED_FUNCTIONS, REPO_ROOT, SECRET_ENV, S_YAML } from '../../deploy/check-s-yaml.js';
import { loadConfig } from '../../shared/config.js';

const ACCOUNT = '1234567890123456';
const dir = mkdtempSync(join(tmpdir(), 's-deploy-'));
const log = join(dir, 'order.log');
const received = join(dir, 'props.jsonl');
let runs: string[] = [];
let output = '';
let exitCode: number | null = null;
const props: Record<string, Record<string, any>> = {};

/** The commands the real file runs before deploying (asserted, so that a change here is deliberate). */
const BUILD = '    - run: npm ci --no-audit --no-fund && npm run build';
const CHECK = '    - run: npx tsx deploy/check-s-yaml.ts';

function replaceAll(text: string, from: string, to: string, times: number): string {
  const n = text.split(from).length - 1;
  if (n !== times) throw new Error(`expected ${times} × ${JSON.stringify(from)} in s.yaml, found ${n}: update this test`);
  return text.split(from).join(to);
}

beforeAll(async () => {
  let text = readFileSync(S_YAML, 'utf8');
  runs = text.split('\n').filter((l) => /^\s*- run:/.test(l));
  text = replaceAll(text, BUILD, `    - run: echo build >> ${log}`, 1);
  text = replaceAll(text, CHECK, `    - run: echo check >> ${log}`, 1);
  text = replaceAll(text, 'component: fc3', 'component: ./stub', Object.keys(DEPLOYED_FUNCTIONS).length);
  writeFileSync(join(dir, 's.yaml'), text);
  mkdirSync(join(dir, 'stub'));
  writeFileSync(join(dir, 'stub', 'package.json'), JSON.stringify({ name: 'stub', version: '0.0.0', main: 'index.js' }));
  writeFileSync(
    join(dir, 'stub', 'index.js'),
    `const fs = require('fs');
module.exports = class {
  async deploy(inputs) {
    fs.appendFileSync(${JSON.stringify(log)}, 'deploy ' + inputs.props.functionName + '\\n');
    fs.appendFileSync(${JSON.stringify(received)}, JSON.stringify(inputs.props) + '\\n');
    return {};
  }
};
`,
  );
  const home = join(dir, 'home');
  exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', '@serverless-devs', 's', 'bin', 's'), 'deploy', '-y', '-t', 's.yaml'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: home, USERPROFILE: home, CI: 'true', ALIBABA_CLOUD_ACCOUNT_ID: ACCOUNT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', resolve);
  });
  for (const line of readFileSync(received, 'utf8').trim().split('\n')) {
    const p = JSON.parse(line) as Record<string, any>;
    props[p.functionName as string] = p;
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fn = (name: string) => props[`hr-sag-sync-${name}`] as Record<string, any>;

describe('s deploy with a stub component (offline)', () => {
  it('deploys every function', () => {
    expect(exitCode, output).toBe(0);
    expect(Object.keys(props).sort()).toEqual(
      Object.keys(DEPLOYED_FUNCTIONS)
        .map((f) => `hr-sag-sync-${f}`)
        .sort(),
    );
  });

  it('runs the global pre-deploy action once: install + build, then the check, before the first function', () => {
    expect(runs).toEqual([BUILD, CHECK]);
    const order = readFileSync(log, 'utf8').trim().split('\n');
    expect(order.slice(0, 2)).toEqual(['build', 'check']);
    expect(order.filter((l) => l === 'build')).toHaveLength(1);
    expect(order.slice(2).every((l) => l.startsWith('deploy '))).toBe(true);
  });

  it("renders an unset optional secret as '' (the source is off), never as a placeholder or null", () => {
    let seen = 0;
    for (const name of Object.keys(DEPLOYED_FUNCTIONS)) {
      const env = fn(name).environmentVariables as Record<string, unknown>;
      for (const secret of SECRET_ENV) {
        if (secret in env) {
          seen++;
          expect(env[secret], `${name} ${secret}`).toBe('');
        }
      }
      expect(env.SITES_JSON ?? '', name).toBe('');
    }
    expect(seen).toBeGreaterThan(SECRET_ENV.length);
    const webhook = loadConfig(fn('webhook').environmentVariables);
    expect(webhook.webhook.genericSecrets).toEqual([]);
    expect(webhook.sources).toEqual({});
  });

  it("every tunable s.yaml writes out is the code's default (no SAG ceiling: the pacer finds the rate)", () => {
    const defaults = loadConfig({});
    for (const name of Object.keys(DEPLOYED_FUNCTIONS)) {
      const config = loadConfig(fn(name).environmentVariables);
      expect(config, name).toEqual(defaults);
    }
  });

  it('passes the rendered ARNs and trigger settings through unchanged', () => {
    expect(fn('webhook').role).toBe(`acs:ram::${ACCOUNT}:role/hr-sag-sync-webhook`);
    const t = (fn('join-worker').triggers as Array<Record<string, any>>)[0]!;
    expect(t.triggerConfig.runOptions.deadLetterQueue.Arn).toBe(`acs:mns:cn-shanghai:${ACCOUNT}:/queues/hr-dead-letter`);
    expect(t.triggerConfig.eventSourceConfig.eventSourceParameters.sourceMNSParameters).toEqual({
      RegionId: 'cn-shanghai',
      IsBase64Decode: true,
      QueueName: 'hr-join',
    });
  });
});
