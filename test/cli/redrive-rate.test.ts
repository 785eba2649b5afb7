/**
 * `dlq redrive --rate 50` on 500 dead letters: paced (≥ 10 s, since the 500th send may start only 499 × 20 ms
 * after the first), every one moved back and carried out, and the progress bar reaches 100 %.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { eventId } from '../../shared/events.js';
import { deadLetter } from '../../shared/mns/dead-letter.js';
import { encodeMessage } from '../../shared/mns/queue.js';
import { siteRef } from '../../shared/sites.js';
import { cli, localEnv } from './run-cli.js';

const COUNT = 500;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  const site = siteRef(stack.directory.sites[0] as NonNullable<(typeof stack.directory.sites)[0]>);
  for (let i = 0; i < COUNT; i++) {
    const event = {
      schemaVersion: 1,
      id: eventId('generic', `rate-${i}`),
      source: 'generic',
      occurredAt: new Date().toISOString(),
      type: 'employee.joined',
      employee: { id: `R${i}`, email: `r${i}@example.com`, name: `R ${i}` },
      site,
    };
    const record = deadLetter({
      reason: 'sag.throttled',
      message: 'retries ran out',
      retryable: true,
      attempts: 8,
      function: 'join-worker',
      sourceQueue: 'hr-join',
      event,
    });
    stack.mns.sendMessage('hr-dead-letter', encodeMessage(record));
  }
});
afterAll(async () => stack?.stop());

it(`moves ${COUNT} dead letters at --rate 50 in ≥ 10 s, with the progress reaching 100 %`, async () => {
  const started = Date.now();
  const r = await cli(['dlq', 'redrive', '--local', '--json', '--rate', '50'], localEnv(stack));
  const elapsed = Date.now() - started;
  expect(r.code).toBe(0);
  expect(r.json()).toMatchObject({ resent: COUNT, kept: 0, skipped: 0 });
  expect(elapsed).toBeGreaterThanOrEqual(10_000);
  const lines = r.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(new RegExp(`^redrive \\[█{20}\\] 100%  ${COUNT}/${COUNT}  \\d+\\.\\d/s  ETA 0s$`));
  // The measured rate stays at or under the limit.
  expect(Number(/ (\d+\.\d)\/s/.exec(lines.at(-1) as string)?.[1])).toBeLessThanOrEqual(50);
  expect(lines.length).toBeGreaterThanOrEqual(10); // a line per 10 % step off a terminal
  await stack.waitForIdle(30_000);
  expect(stack.mns.queueDepth('hr-dead-letter')).toBe(0);
  expect(stack.sag.listUsers('sag-shhq0000000001')).toHaveLength(COUNT);
}, 60_000);
