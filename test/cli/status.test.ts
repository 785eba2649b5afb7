/**
 * `status` after join → transfer → leave on the local stack: looked up by email (through the ledger: nothing about
 * the employee is queued any more) and by employee id, it shows every step: the ledger history, the accounts
 * disabled on both instances, no message waiting. Emails stay out of the text output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { join as joinEvent, postSigned, transfer } from '../helpers/stack.js';
import { cli, localEnv } from './run-cli.js';

let stack: Stack;
let env: NodeJS.ProcessEnv;
const MAIL = 'dana.lee@example.com';

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  env = localEnv(stack);
  await postSigned(stack, joinEvent('E4004', MAIL, 'Shanghai', '2026-11-23T08:00:00Z'));
  await stack.waitForIdle();
  await postSigned(stack, transfer('E4004', MAIL, 'Shanghai', 'Hangzhou', '2026-11-23T09:00:00Z'));
  await stack.waitForIdle();
  await postSigned(stack, { type: 'employee.left', timestamp: '2026-11-23T10:00:00Z', data: { employeeId: 'E4004', email: MAIL } });
  const disabled = (id: string) => stack.sag.listUsers(id).find((u) => u.userName === MAIL)?.state === 1;
  await until('disabled on both instances', () => disabled('sag-shhq0000000001') && disabled('sag-hzrd0000000002'));
  // The leave is recorded in the ledger once its worker completes: wait for the history to show it.
  for (let i = 0; i < 100; i++) {
    const doc = (await cli(['status', MAIL, '--local', '--json'], env)).json();
    if (doc.ledger?.[0]?.history?.some((h: { type: string }) => h.type === 'employee.left')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);
afterAll(async () => stack?.stop());

it('by email: found through the ledger; every step, accounts disabled, no message waiting', async () => {
  const r = await cli(['status', 'DANA.LEE@example.com', '--local', '--json'], env);
  expect(r.code).toBe(0);
  const doc = r.json();
  expect(doc.schema).toBe('hr-sag-sync.cli.status/1');
  expect(doc.employee).toEqual({ query: 'DANA.LEE@example.com', id: 'E4004', email: MAIL });
  expect(doc.ledger).toHaveLength(1);
  expect(doc.ledger[0]).toMatchObject({ key: 'generic:E4004', email: MAIL, lastEventType: 'employee.left' });
  expect(doc.ledger[0].history.map((h: { type: string; result: string }) => `${h.type} ${h.result}`)).toEqual([
    'employee.joined done',
    'employee.transferred done',
    'employee.left done',
  ]);
  expect(doc.accounts.map((a: { site: string; account: string; state?: string }) => [a.site, a.account, a.state])).toEqual([
    ['sh-hq', 'present', 'disabled'],
    ['hz-rd', 'present', 'disabled'],
    ['bj-sales', 'absent', undefined],
  ]);
  expect(doc.messages).toEqual([]);
});

it('by employee id: the same rows and accounts', async () => {
  const doc = (await cli(['status', 'E4004', '--local', '--json'], env)).json();
  expect(doc.employee).toEqual({ query: 'E4004', id: 'E4004', email: MAIL });
  expect(doc.ledger[0].history).toHaveLength(3);
  expect(doc.accounts.filter((a: { state?: string }) => a.state === 'disabled')).toHaveLength(2);
});

it('text: the history and the disabled accounts, no email printed', async () => {
  const r = await cli(['status', MAIL, '--local'], env);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^employee E4004 /m);
  expect(r.stdout).toMatch(/employee\.left\s+done/);
  expect(r.stdout).toMatch(/^hz-rd\s+sag-hzrd0000000002\s+present\s+disabled/m);
  expect(r.stdout).toMatch(/^none$/m);
  expect(r.stdout).not.toContain(MAIL);
});

it('an email the ledger does not know: no rows, accounts unknown where the id is needed', async () => {
  const doc = (await cli(['status', 'nobody@example.com', '--local', '--json'], env)).json();
  expect(doc.ledger).toEqual([]);
  expect(doc.employee).toEqual({ query: 'nobody@example.com', email: 'nobody@example.com' });
  expect(doc.accounts.every((a: { account: string }) => a.account === 'absent')).toBe(true);
});

it('--file: what a reconcile of that roster would do for them (a dry run: nothing enqueued)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'status-plan-'));
  const roster = join(dir, 'roster.csv');
  writeFileSync(roster, `employeeId,name,email,office\nE4004,Dana Lee,${MAIL},Shanghai\nE4005,Eve,eve@example.com,Beijing\n`);
  const doc = (await cli(['status', 'E4004', '--local', '--json', '--file', roster], env)).json();
  // Listed as active again in Shanghai, where the leave left a disabled account: a rehire enables it.
  expect(doc.reconcile).toEqual({ source: 'file', actions: [{ action: 'enable', site: 'sh-hq' }], problems: [], leavesHeld: false });
  writeFileSync(roster, 'employeeId,name,email,office\nE4004,Dana Lee,not-an-email,Shanghai\n');
  const bad = (await cli(['status', 'E4004', '--local', '--json', '--file', roster], env)).json();
  expect(bad.reconcile.actions).toEqual([]);
  expect(bad.reconcile.problems).toEqual([expect.objectContaining({ origin: { line: 2 }, reason: 'email.invalid', employeeId: 'E4004' })]);
  const text = await cli(['status', 'E4004', '--local', '--source', 'file', '--file', join(dir, 'missing.csv')], env);
  expect(text.stdout).toMatch(/what a reconcile of the file roster would do \(dry run\)\nno plan: file roster: .*nothing was applied/);
  expect(stack.sag.listUsers('sag-shhq0000000001').find((u) => u.userName === MAIL)?.state).toBe(1); // nothing applied
});
