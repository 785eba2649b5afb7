/**
 * `transferPolicy: "move"` on the local stack: after the roam, the origin's copy is disabled and kicked out, and
 * deleted next billing cycle by the leave worker's delete step; the target's copy stays enabled. A redelivery of the
 * same transfer schedules no second delete chain.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { ledgerKey } from '../../shared/ledger/record.js';
import { encodeMessage, routeEvent } from '../../shared/index.js';
import { captureLogs, join, postSigned, stackLedger, transfer } from '../helpers/stack.js';

const SH = 'sag-shhq0000000001';
const HZ = 'sag-hzrd0000000002';
const DAY_MS = 86_400_000;
let stack: Stack;
let ledger: Ledger;
const logs = captureLogs();

beforeAll(async () => {
  const sample = JSON.parse(readFileSync(new URL('../../config/sites.sample.json', import.meta.url), 'utf8'));
  stack = await startStack({ sites: { ...sample, transferPolicy: 'move' }, env: { LOG_LEVEL: 'info', RETRY_DELAY_SCALE: '0.000001' } });
  ({ ledger } = stackLedger(stack));
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});

const userOn = (smartAGId: string, mail: string) => stack.sag.listUsers(smartAGId).find((u) => u.userMail === mail);

it('move: the target enabled, the origin disabled and kicked out at once, then deleted next cycle; a redelivery adds no chain', async () => {
  const mail = 'mv1@example.com';
  stack.sag.setBillingClock({});
  await postSigned(stack, join('MV1', mail, 'Shanghai'), { id: 'msg_mv1_join' });
  await stack.waitForIdle();
  stack.sag.openSessions(SH, mail, 1); // traffic this cycle: the origin's delete waits for the next one
  await postSigned(stack, transfer('MV1', mail, 'Shanghai', 'Hangzhou'), { id: 'msg_mv1_move' });
  const deadline = Date.now() + 20_000;
  while ((userOn(SH, mail)?.state !== 1 || userOn(SH, mail)?.online?.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(userOn(HZ, mail)?.state).toBe(0);
  expect(userOn(SH, mail)?.state).toBe(1);
  expect(userOn(SH, mail)?.online ?? []).toEqual([]);
  // The same transfer again (an at-least-once redelivery): already done, no second chain.
  const routed = routeEvent(
    {
      kind: 'transferred',
      source: 'generic',
      sourceEventId: 'msg_mv1_move',
      occurredAt: '2026-11-23T09:00:00Z',
      employee: { id: 'MV1', email: mail, name: 'Employee MV1' },
      from: { office: 'Shanghai' },
      to: { office: 'Hangzhou' },
    },
    stack.directory,
    stack.queues,
    'webhook',
  );
  if (routed.kind !== 'enqueue') throw new Error('not routed');
  expect(routed.message.event).toMatchObject({ transferPolicy: 'move' });
  await stack.mnsClient.sendMessage(routed.queue, { MessageBody: encodeMessage(routed.message) });
  while (!(await ledger.read(ledgerKey('generic', 'MV1')))?.history.some((h) => h.type === 'employee.leave-delete') && Date.now() < deadline + 20_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  stack.sag.setBillingClock({ offsetMs: 40 * DAY_MS });
  while (userOn(SH, mail) && Date.now() < deadline + 40_000) await new Promise((r) => setTimeout(r, 50));
  await stack.waitForIdle();
  stack.sag.setBillingClock({});
  expect(userOn(SH, mail)).toBeUndefined();
  expect(userOn(HZ, mail)?.state).toBe(0);
  const rec = await ledger.read(ledgerKey('generic', 'MV1'));
  expect(rec?.accounts.map((a) => `${a.smartAGId}:${a.state}`).sort()).toEqual([`${HZ}:enabled`, `${SH}:deleted`]);
  const steps = rec?.history.filter((h) => h.result !== 'superseded').map((h) => `${h.type}:${h.result}`);
  // One chain: the refused try (traffic this cycle), then the delete; no second chain's step after it.
  expect(steps).toEqual([
    'employee.joined:done',
    'employee.transferred:done',
    'employee.transferred:already-done',
    'employee.leave-delete:skipped',
    'employee.leave-delete:done',
  ]);
  expect(rec?.history.find((h) => h.type === 'employee.transferred')?.reason).toMatch(/move: disabled on sag-shhq0000000001, delete due/);
  expect(await stack.drainDeadLetters()).toEqual([]);
}, 90_000);
