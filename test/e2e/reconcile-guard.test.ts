/**
 * The mass-change guard through the operator command on the local stack (a roster file read by the file reader):
 * a roster cut to 10% holds every leave (nothing disabled; joins still apply), `--release` applies the held plan,
 * and a roster that cannot be read applies nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { captureLogs } from '../helpers/stack.js';
import { employee, toCsv } from '../helpers/roster.js';
import { cli, localEnv } from '../cli/run-cli.js';

let stack: Stack;
let env: NodeJS.ProcessEnv;
const logs = captureLogs();
const dir = mkdtempSync(join(tmpdir(), 'reconcile-guard-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const allUsers = () => stack.sag.snapshot().instances.flatMap((i) => i.users);

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error', RETRY_DELAY_SCALE: '0.000001' } });
  env = localEnv(stack);
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});

describe('mass-change guard', () => {
  const everyone = Array.from({ length: 200 }, (_, i) => employee(i));

  it('a first run joins 200 and waits for the drain', async () => {
    const r = await cli(['reconcile', '--local', '--json', '--file', file('all.csv', toCsv(everyone)), '--wait', '60s'], env);
    expect(r.stderr).toMatch(/^rows read .* 100% {2}200\/200 /m);
    expect(r.stderr).toMatch(/^drained .* 100% {2}200\/200 /m);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.schema).toBe('hr-sag-sync.cli.reconcile/1');
    expect(doc.report.counts).toMatchObject({ join: 200, leave: 0 });
    expect(doc.settled).toBe(200);
    expect(allUsers().filter((u) => u.state === 0)).toHaveLength(200);
  }, 60_000);

  it('a roster cut to 10% holds its 180 leaves: nothing disabled, one error line names the plan', async () => {
    const cut = file('cut.csv', toCsv(everyone.slice(0, 20)));
    const r = await cli(['reconcile', '--local', '--json', '--file', cut], env);
    expect(r.code).toBe(1);
    const doc = r.json();
    expect(doc.report.counts.leave).toBe(180);
    expect(doc.report.guard.hold).toBe(true);
    expect(doc.report.guard.reasons.join(' ')).toMatch(/RECONCILE_MAX_LEAVES 20.*shrank by 180/);
    expect(doc.report.heldPlanId).toMatch(/^rp-[0-9a-f]{12}$/);
    const held = logs.lines.filter((l) => l.msg === 'reconcile leaves held');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ level: 'error', planId: doc.report.heldPlanId, leaves: 180 });
    await new Promise((r) => setTimeout(r, 500));
    expect(allUsers().filter((u) => u.state === 0)).toHaveLength(200);

    // Held again by the next run (the same plan id), until released.
    const again = (await cli(['reconcile', '--local', '--json', '--file', cut], env)).json();
    expect(again.report.heldPlanId).toBe(doc.report.heldPlanId);

    // A backfill never plans a leave: the same roster enqueues nothing, with an ETA on stderr.
    const backfill = await cli(['backfill', '--local', '--json', '--file', cut, '--sag-rate', '20'], env);
    expect(backfill.code).toBe(0);
    expect(backfill.json().report).toMatchObject({ counts: { join: 0, leave: 0 }, leavesSkipped: 180, enqueued: 0 });
    expect(backfill.stderr).toContain('ETA');

    const released = await cli(['reconcile', '--local', '--json', '--release', doc.report.heldPlanId], env);
    expect(released.code).toBe(0);
    expect(released.json()).toMatchObject({ id: doc.report.heldPlanId, leaves: 180 });
    await until('180 disabled', () => allUsers().filter((u) => u.state === 1).length >= 180 || allUsers().length <= 20);
    expect(
      allUsers()
        .filter((u) => u.state === 0)
        .map((u) => u.userMail)
        .sort(),
    ).toEqual(
      everyone
        .slice(0, 20)
        .map((e) => e.email)
        .sort(),
    );

    const after = (await cli(['reconcile', '--local', '--json', '--file', cut, '--dry-run'], env)).json();
    expect(after.report.counts).toMatchObject({ join: 0, leave: 0, transfer: 0, enable: 0 });
  }, 60_000);

  it('an unknown plan id is refused', async () => {
    const r = await cli(['reconcile', '--local', '--release', 'rp-000000000000'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no held plan rp-000000000000');
  });

  it('a roster file that cannot be read applies nothing and names the line', async () => {
    const before = allUsers().length;
    const broken = file('broken.csv', `${toCsv(Array.from({ length: 300 }, (_, i) => employee(1000 + i)))}E9,"unclosed,x@corp.example.com,Shanghai,active\n`);
    const r = await cli(['reconcile', '--local', '--file', broken], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/file roster: .*line 302.*nothing was applied/);
    await new Promise((r) => setTimeout(r, 300));
    expect(allUsers()).toHaveLength(before);
  });
});
