/** Issue #3 "done when": 1,000 distinct joins sent at once each give exactly one account, with no dead letters. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { mapLimit } from '../../shared/concurrency.js';
import { join, postSigned } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '8' }, trigger: { countWindow: 16, lanes: 2 } });
});
afterAll(async () => stack?.stop());

it('1,000 joins at once: each account exactly once, no dead letters', async () => {
  const offices = ['Shanghai', 'Hangzhou', 'Beijing'];
  const statuses = await mapLimit(
    Array.from({ length: 1000 }, (_, i) => i),
    64,
    async (i) => (await postSigned(stack, join(`N${i}`, `n${i}@example.com`, offices[i % 3]))).status,
  );
  expect(statuses.filter((s) => s !== 202)).toEqual([]);
  await stack.waitForIdle(90_000);
  const all = stack.directory.sites.flatMap((s) => stack.sag.listUsers(s.smartAGId).map((u) => u.userMail)).filter((m) => /^n\d+@/.test(m));
  expect(all).toHaveLength(1000);
  expect(new Set(all).size).toBe(1000);
  expect(await stack.drainDeadLetters()).toEqual([]);
}, 120_000);
