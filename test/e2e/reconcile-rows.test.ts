/**
 * Bad roster rows and failed reads on the local stack: each bad row is reported with its line and reason and the
 * rest is applied; an employee whose row is bad is never taken for a leaver; an HR API failing on page 7 of 10
 * applies nothing, and the error names the source and the page.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, startStack, type Stack } from '../../local/stack.js';
import { loadConfig } from '../../shared/config.js';
import { reconcileDeps } from '../../shared/reconcile/deps.js';
import { preparePlan, reconcile } from '../../shared/reconcile/reconcile.js';
import { rosterReaderFor } from '../../shared/roster/for-config.js';
import { createReconcileHandler, parseTimerEvent } from '../../shared/reconcile/timer.js';
import { RosterReadError } from '../../shared/roster/roster.js';
import { captureLogs } from '../helpers/stack.js';
import { employee, roster, staticReader, toCsv } from '../helpers/roster.js';
import { cli, localEnv } from '../cli/run-cli.js';

let stack: Stack;
const logs = captureLogs();
const allUsers = () => stack.sag.snapshot().instances.flatMap((i) => i.users);

beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error' } });
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});

describe('bad rows and failed reads', () => {
  it('reports each bad row with its line and applies the rest', async () => {
    const good = Array.from({ length: 20 }, (_, i) => employee(i));
    const csv = `${toCsv(good)}E90001,No Mail,,Shanghai,active\nE90002,Bad Mail,not-an-email,Shanghai,active\nE90003,Far Away,far@corp.example.com,Suzhou,active\nE00001,Twin,twin@corp.example.com,Beijing,active\n`;
    const path = join(mkdtempSync(join(tmpdir(), 'reconcile-rows-')), 'roster.csv');
    writeFileSync(path, csv);
    const r = await cli(['reconcile', '--local', '--json', '--file', path, '--wait', '60s'], localEnv(stack));
    expect(r.code).toBe(1);
    const doc = r.json();
    const problems = doc.report.problems
      .map((p: { origin: { line: number }; reason: string }) => [p.origin.line, p.reason])
      .sort((a: number[], b: number[]) => (a[0] as number) - (b[0] as number));
    expect(problems).toEqual([
      [3, 'employee-id.duplicate'],
      [22, 'email.missing'],
      [23, 'email.invalid'],
      [24, 'site.unmapped'],
      [25, 'employee-id.duplicate'],
    ]);
    // 20 rows, less E00001 (listed twice, so neither row is used) and the unmapped office: 19 joins.
    expect(doc.report.counts.join).toBe(19);
    expect(doc.settled).toBe(19);
    expect(allUsers()).toHaveLength(19);
    expect(r.stdout).not.toContain('far@corp.example.com');

    // The text form: counts per action and per site, the problems with their lines, then the first rows.
    writeFileSync(path, `${csv}E00500,New Hire,new.hire@corp.example.com,Hangzhou,active\n`);
    const text = await cli(['reconcile', '--local', '--file', path, '--dry-run'], localEnv(stack));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^action +join +enable +transfer +leave +adopt\nall +1 +0 +0 +0 +0$/m);
    expect(text.stdout).toMatch(/^hz-rd +1 +0 +0 +0 +0$/m);
    expect(text.stdout).toContain('problem  line 22  email.missing');
    expect(text.stdout).toMatch(/^join +E00500 +n\*\*\*@corp\.example\.com +hz-rd$/m);
    expect(text.stdout).toContain('dry run: nothing applied');

    // E00001 gets its account once its rows are fixed; nobody with a bad row was planned as a leaver.
    writeFileSync(path, toCsv(good));
    const fixed = (await cli(['reconcile', '--local', '--json', '--file', path, '--dry-run'], localEnv(stack))).json();
    expect(fixed.report.counts).toMatchObject({ join: 1, leave: 0 });
  }, 60_000);

  it('an HR API failing on page 7 of 10 applies nothing; the error names the source and the page', async () => {
    const before = JSON.stringify(stack.sag.snapshot());
    const deps = reconcileDeps({
      config: loadConfig(stack.env),
      directory: stack.directory,
      credentials: LOCAL_CREDENTIALS,
      accountId: LOCAL_ACCOUNT_ID,
      reader: staticReader(roster([employee(500)], 'feishu'), 7),
    });
    const err = await reconcile(deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosterReadError);
    expect((err as RosterReadError).message).toMatch(/^feishu roster: .*\(page 7\); nothing was applied$/);
    expect(stack.mns.queueDepth('hr-join') + stack.mns.queueDepth('hr-leave') + stack.mns.queueDepth('hr-transfer')).toBe(0);
    expect(JSON.stringify(stack.sag.snapshot())).toBe(before);
  });

  it('the DingTalk roster failing on page 7 (a 502 past its retries) applies nothing; the error names the source and the page', async () => {
    const users = Array.from({ length: 900 }, (_, i) => ({
      userid: `dt${i}`,
      name: `DT ${i}`,
      email: `dt${i}@corp.example.com`,
      dept_id_list: [101 + (i % 3)],
      work_place: 'Shanghai',
    }));
    stack.hr.seed({ dingtalk: { users } }); // in the stack's departments 101–103
    const config = loadConfig(stack.env);
    const real = rosterReaderFor('dingtalk', { config, retry: { delayScale: 0.001 } });
    let pages = 0;
    const reader = {
      source: real.source,
      read: (onProgress?: (p: { page: number; rows: number }) => void) =>
        real.read((p) => {
          pages = p.page;
          if (p.page === 6) stack.hr.faults.add({ action: 'dingtalk.user.list', html502: true });
          onProgress?.(p);
        }),
    };
    const before = JSON.stringify(stack.sag.snapshot());
    const deps = reconcileDeps({ config, directory: stack.directory, credentials: LOCAL_CREDENTIALS, accountId: LOCAL_ACCOUNT_ID, reader });
    const err = await reconcile(deps).catch((e: unknown) => e);
    stack.hr.faults.clear();
    expect(err).toMatchObject({ name: 'RosterReadError', source: 'dingtalk', page: 7 });
    expect((err as Error).message).toMatch(/^dingtalk roster: .*\(page 7\); nothing was applied$/);
    expect(pages).toBe(6);
    expect(stack.mns.queueDepth('hr-join') + stack.mns.queueDepth('hr-leave') + stack.mns.queueDepth('hr-transfer')).toBe(0);
    expect(JSON.stringify(stack.sag.snapshot())).toBe(before);
    // Read whole, the same roster plans 900 joins.
    const whole = await preparePlan({ ...deps, reader: real }, { dryRun: true });
    expect(whole.report.counts.join).toBe(900);
    expect(whole.report.roster.pages).toBeGreaterThanOrEqual(10);
  });

  it('the timer handler: a timer event reconciles the configured roster file; anything else is refused; no source is off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-timer-'));
    writeFileSync(join(dir, 'roster.csv'), toCsv([employee(800), employee(801)]));
    const env = {
      ...stack.env,
      RECONCILE_SOURCE: 'file',
      RECONCILE_FILE: 'roster.csv',
      FC_FUNC_CODE_PATH: dir,
      RECONCILE_MAX_LEAVE_PERCENT: '100',
      RECONCILE_MAX_LEAVES: '100',
    };
    const context = { credentials: LOCAL_CREDENTIALS, accountId: LOCAL_ACCOUNT_ID, function: { timeout: 60 } };
    const timer = Buffer.from(JSON.stringify({ triggerTime: '2026-11-23T08:00:00Z', triggerName: 'schedule', payload: 'reconcile' }));
    const handler = createReconcileHandler({ env });
    const out = await handler(timer, context);
    expect(out).toMatchObject({ status: 'applied', triggerTime: '2026-11-23T08:00:00Z', counts: { join: 2 }, enqueued: expect.any(Number) });
    expect(await handler('{"not":"a timer"}', context)).toMatchObject({ status: 'refused' });
    expect(await handler(Buffer.from('not json'), context)).toMatchObject({ status: 'refused' });
    expect(await createReconcileHandler({ env: { ...env, RECONCILE_SOURCE: '' } })(timer, context)).toMatchObject({ status: 'off' });
    await expect(createReconcileHandler({ env: { ...env, RECONCILE_MAX_LEAVES: 'many' } })(timer, context)).rejects.toMatchObject({ name: 'ConfigError' });
    // The local stack carries the HR emulator's Feishu app: without it, a Feishu source is a configuration error.
    const noFeishuApp: NodeJS.ProcessEnv = { ...env };
    delete noFeishuApp.FEISHU_APP_ID;
    delete noFeishuApp.FEISHU_APP_SECRET;
    await expect(createReconcileHandler({ env: { ...noFeishuApp, RECONCILE_SOURCE: 'feishu' } })(timer, context)).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('FEISHU_APP_ID'),
    });
    // A failing read throws (the invocation fails, nothing applied) and logs one error line naming the source.
    const failing = createReconcileHandler({ env, readerFor: () => staticReader(roster([employee(802)], 'file'), 3) });
    await expect(failing(timer, context)).rejects.toMatchObject({ name: 'RosterReadError', page: 3 });
    expect(logs.lines.filter((l) => l.msg?.startsWith('reconcile failed'))).toEqual([expect.objectContaining({ level: 'error', source: 'file' })]);
    expect(parseTimerEvent({ triggerTime: 'yesterday', triggerName: 'x' })).toBeUndefined();
  });
});
