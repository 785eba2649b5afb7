/**
 * deploy/check-s-yaml.ts on a deliberately broken copy of s.yaml, through the command itself (`main(['--ci',
 * '--file', copy])`, one `s preview`): every planted mistake is reported, naming the resource and the key, and the
 * command exits 1.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S_YAML, main } from '../../deploy/check-s-yaml.js';

const dir = mkdtempSync(join(tmpdir(), 'broken-s-yaml-'));
const file = join(dir, 's.yaml');
const lines: string[] = [];
let code = 0;

/** Replaces `from` (which must occur exactly `times` times) in `text`. */
function plant(text: string, from: string, to: string, times = 1): string {
  const n = text.split(from).length - 1;
  if (n !== times) throw new Error(`expected ${times} occurrence(s) of ${JSON.stringify(from)} in s.yaml, found ${n}: update this test`);
  return text.split(from).join(to);
}

beforeAll(async () => {
  let t = readFileSync(S_YAML, 'utf8');
  t = plant(t, 'QueueName: ${vars.joinQueue}', 'queueName: ${vars.joinQueue}');
  t = plant(t, 'errorsTolerance: ALL', 'errorsTolerance: NONE');
  t = plant(t, 'runtime: nodejs20', 'runtime: nodejs22');
  t = plant(t, "HR_WEBHOOK_SECRET: ${env('HR_WEBHOOK_SECRET', '')}", 'HR_WEBHOOK_SECRET: whsec_c2VjcmV0LXdyaXR0ZW4taW4tdGhlLWZpbGU=');
  t = plant(t, "FEISHU_ENCRYPT_KEY: ${env('FEISHU_ENCRYPT_KEY', '')}", "FEISHU_ENCRYPT_KEY: ${env('FEISHU_ENCRYPT_KEY', 'a-default-key')}");
  t = plant(t, 'IsBase64Decode: true', 'IsBase64Decode: false');
  t = plant(t, '      deadLetterQueue:\n        Arn: acs:mns:${vars.region}:${vars.accountId}:/queues/${vars.deadLetterQueue}\n', '');
  t = plant(t, 'mode: event-streaming\n      # ALL', 'mode: event-driven\n      # ALL');
  t = plant(t, 'CountBasedWindow: 4', 'CountBasedWindow: 16');
  t = plant(t, 'code: ./dist/enrich-worker\n      timeout: 240', 'code: ./dist/enrich-worker\n      timeout: 300');
  t = plant(t, "${env('JOIN_QUEUE', 'hr-join')}", "${env('JOIN_QUEUE', 'hr-joins')}");
  t = plant(
    t,
    '      code: ./dist/transfer-worker\n      concurrencyConfig:\n        reservedConcurrency: 2',
    '      code: ./dist/transfer-worker\n      concurrencyConfig:\n        reservedConcurrency: 20',
  );
  t = plant(t, "    SAG_TIMEOUT_MS: ${env('SAG_TIMEOUT_MS', '5000')}\n", '');
  // An optional ceiling that, with 20 transfer instances, no longer fits the account's budget.
  t = plant(t, "SAG_MAX_CALLS_PER_SECOND: ${env('SAG_MAX_CALLS_PER_SECOND', '0')}", "SAG_MAX_CALLS_PER_SECOND: ${env('SAG_MAX_CALLS_PER_SECOND', '2')}");
  t = plant(t, "SAG_ENDPOINT: ${env('SAG_ENDPOINT', 'https://smartag.cn-shanghai.aliyuncs.com')}", 'SAG_ENDPOINT: https://smartag.cn-shanghai.aliyuncs.com');
  t = plant(
    t,
    "    WORKER_CONCURRENCY: ${env('WORKER_CONCURRENCY', '4')}\n",
    "    WORKER_CONCURRENCY: ${env('WORKER_CONCURRENCY', '4')}\n    WORKER_CONCURENCY: '8'\n",
  );
  t = plant(t, '    timeout: 120', '    timeout: 60');
  writeFileSync(file, t);
  code = await main(['--ci', '--file', file], (l) => lines.push(l));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problems = () => lines.filter((l) => l.startsWith('PROBLEM ')).map((l) => l.slice('PROBLEM '.length));
const warnings = () => lines.filter((l) => l.startsWith('WARNING ')).map((l) => l.slice('WARNING '.length));
const SRC = 'props.triggers[0].triggerConfig.eventSourceConfig.eventSourceParameters.sourceMNSParameters';
const RUN = 'props.triggers[0].triggerConfig.runOptions';
const WORKERS = ['join-worker', 'transfer-worker', 'enrich-worker'];

function expectProblem(prefix: string, fragment: string | RegExp): void {
  const hit = problems().find((p) => p.startsWith(prefix) && (typeof fragment === 'string' ? p.includes(fragment) : fragment.test(p)));
  expect(hit, `no problem "${prefix}" … ${String(fragment)} among:\n${problems().join('\n')}`).toBeDefined();
}

describe('deploy/check-s-yaml.ts on a broken s.yaml', () => {
  it('exits 1 and counts the problems and warnings', () => {
    expect(code).toBe(1);
    expect(lines.at(-1)).toBe(`${problems().length} problem(s), ${warnings().length} warning(s)`);
  });

  it('lowercase queueName: named as miscased, and QueueName missing (join-worker only)', () => {
    expectProblem(`join-worker: ${SRC}.queueName:`, 'must be spelled QueueName');
    expectProblem(`join-worker: ${SRC}.QueueName:`, 'missing');
    expect(problems().some((p) => p.startsWith('transfer-worker') && p.includes('queueName'))).toBe(false);
  });

  it('errorsTolerance NONE, event-driven mode, IsBase64Decode false, no dead-letter ARN: on every worker', () => {
    for (const w of WORKERS) {
      expectProblem(`${w}: ${RUN}.errorsTolerance:`, 'must be ALL');
      expectProblem(`${w}: ${RUN}.mode:`, 'must be event-streaming');
      expectProblem(`${w}: ${SRC}.IsBase64Decode:`, 'must be true');
      expectProblem(`${w}: ${RUN}.deadLetterQueue.Arn:`, 'missing: with errorsTolerance ALL and no dead-letter queue');
      expectProblem(`${w}: ${RUN}.deadLetterQueue.Arn:`, 'acs:mns:cn-shanghai:1234567890123456:/queues/hr-dead-letter');
      expectProblem(`${w}: ${RUN}.batchWindow.CountBasedWindow:`, 'exceeds WORKER_CONCURRENCY');
    }
  });

  it('a variable the code reads: dropped (missing on the functions that need it), hard-coded, or misspelt', () => {
    for (const w of WORKERS)
      expectProblem(`${w}: props.environmentVariables.SAG_TIMEOUT_MS:`, 'missing: the code reads SAG_TIMEOUT_MS (shared/config.ts table)');
    expect(problems().some((p) => p.startsWith('webhook: props.environmentVariables.SAG_TIMEOUT_MS'))).toBe(false);
    expectProblem('s.yaml: line ', 'SAG_ENDPOINT does not come from the environment');
    for (const w of WORKERS) expectProblem(`${w}: props.environmentVariables.WORKER_CONCURENCY:`, 'the code does not read WORKER_CONCURENCY');
  });

  it('a worker timeout too short for its worst case is a warning naming the arithmetic, not a failure', () => {
    // The worst cases declared with the workers (shared/workers/sag-calls.ts): a join's rehire makes 4 calls, a
    // transfer up to S + 12 (3 SAG instances in the sample directory), at 5 s each plus a 2 s wait for the ceiling.
    const join = warnings().find((l) => l.startsWith('join-worker: props.timeout: 60 s may cut the worst case short'));
    expect(join, warnings().join('\n')).toMatch(
      /≤ 4 SAG calls × \(5 s SAG_TIMEOUT_MS \+ 2 s rate-limiter wait\) = 28 s, .*needs T ≥ 83 s; raise the timeout to 83–299 s/,
    );
    const transfer = warnings().find((l) => l.startsWith('transfer-worker: props.timeout: 240 s may cut the worst case short'));
    expect(transfer, warnings().join('\n')).toMatch(/≤ 15 SAG calls × \(5 s SAG_TIMEOUT_MS \+ 2 s rate-limiter wait\) = 105 s, .*needs T ≥ 275 s/);
    expect(problems().some((p) => p.includes('may cut the worst case short'))).toBe(false);
  });

  it('runtime nodejs22: on every function', () => {
    for (const f of ['webhook', ...WORKERS]) expectProblem(`${f}: props.runtime:`, 'must be nodejs20 (got nodejs22)');
  });

  it('a hard-coded secret and a secret default: in the text and in the rendered value', () => {
    expectProblem('s.yaml: line ', 'HR_WEBHOOK_SECRET is not read from the environment');
    expectProblem('s.yaml: line ', 'hard-coded Standard Webhooks secret');
    expectProblem('webhook: props.environmentVariables.HR_WEBHOOK_SECRET:', 'secret does not come from the environment');
    expectProblem('s.yaml: line ', 'FEISHU_ENCRYPT_KEY has a non-empty default');
  });

  it('timeout at the push limit, queue default off the code’s, SAG budget exceeded', () => {
    expectProblem('enrich-worker: props.timeout:', "is not below the trigger's 300 s push limit");
    expectProblem('s.yaml: JOIN_QUEUE:', 'differs from the code\'s default "hr-join"');
    expectProblem('join-worker: props.environmentVariables.JOIN_QUEUE:', 'differs from the code\'s default "hr-join"');
    expectProblem('vars: sagAccountCallsPerSecond:', /SAG budget exceeded: .*transfer-worker 20 × 2.* > 10/);
  });
});
