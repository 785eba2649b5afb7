/**
 * Every command against the local stack, with `--json` parsed: one story. Ann joins and transfers (a roamed account),
 * Bob joins in an office the directory does not know (`site.unmapped`), Carol's join fails on the instance's quota
 * (`sag.ClientUser.UserOverLimit`). The operator looks (queues, dlq list/show, status, doctor, setup), fixes the
 * directory, redrives Bob, purges Carol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { addFault, clearFaults, join, postSigned, sagUsers, transfer } from '../helpers/stack.js';
import { deadLetter } from '../../shared/mns/dead-letter.js';
import { encodeMessage } from '../../shared/mns/queue.js';
import { cli, localEnv } from './run-cli.js';

let stack: Stack;
let env: NodeJS.ProcessEnv;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  env = localEnv(stack);
  await postSigned(stack, join('E1001', 'ann@example.com', 'Shanghai'));
  await stack.waitForIdle();
  await postSigned(stack, transfer('E1001', 'ann@example.com', 'Shanghai', 'Hangzhou'));
  await postSigned(stack, join('E2002', 'bob@example.com', 'Shenzhen'));
  await addFault(stack.sag.url, { action: 'CreateSmartAccessGatewayClientUser', code: 'ClientUser.UserOverLimit', httpStatus: 400, count: 1 });
  await postSigned(stack, join('E3003', 'carol@example.com', 'Beijing'));
  await stack.waitForIdle();
  await clearFaults(stack.sag.url);
}, 30_000);
afterAll(async () => stack?.stop());

describe('looking', () => {
  it('queues: five queues, two dead letters → exit 1', async () => {
    const r = await cli(['queues', '--local', '--json'], env);
    expect(r.code).toBe(1);
    const doc = r.json();
    expect(doc.schema).toBe('hr-sag-sync.cli.queues/1');
    expect(doc.queues.map((q: { name: string }) => q.name)).toEqual(['hr-join', 'hr-transfer', 'hr-enrich', 'hr-leave', 'hr-dead-letter']);
    expect(doc.deadLetters).toBe(2);
    const dlq = doc.queues[4];
    expect(dlq).toMatchObject({ role: 'deadLetter', exists: true, visible: 2, delayed: 0, inFlight: 0 });
    expect(dlq.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(doc.queues[0].oldestAgeSeconds).toBeNull();
  });

  it('dlq list: reason, age, attempts, employee; filters; peeked, so nothing changes', async () => {
    const all = await cli(['dlq', 'list', '--local', '--json'], env);
    expect(all.code).toBe(1);
    const doc = all.json();
    expect(doc).toMatchObject({ schema: 'hr-sag-sync.cli.dlq-list/1', queue: 'hr-dead-letter', total: 2, examined: 2 });
    expect(doc.deadLetters.map((d: { reason: string; employeeId: string }) => [d.reason, d.employeeId]).sort()).toEqual([
      ['sag.ClientUser.UserOverLimit', 'E3003'],
      ['site.unmapped', 'E2002'],
    ]);
    expect((await cli(['dlq', 'list', '--local', '--json', '--reason', 'site.unmapped'], env)).json().deadLetters).toEqual([
      expect.objectContaining({ employeeId: 'E2002', attempts: 0 }),
    ]);
    expect((await cli(['dlq', 'list', '--local', '--json', '--employee', 'CAROL@example.com'], env)).json().deadLetters).toEqual([
      expect.objectContaining({ employeeId: 'E3003' }),
    ]);
    expect((await cli(['dlq', 'list', '--local', '--json', '--since', '1h'], env)).json().deadLetters).toHaveLength(2);
    const none = await cli(['dlq', 'list', '--local', '--json', '--reason', 'sag.Throttling'], env);
    expect([none.code, none.json().deadLetters]).toEqual([0, []]);
    // Peeks leave the messages as they were.
    expect(
      stack.mns
        .snapshot()
        .queues.find((q) => q.name === 'hr-dead-letter')
        ?.messages.every((m) => m.dequeueCount === 0),
    ).toBe(true);
  });

  it('dlq list (text): a table with the employee, no email', async () => {
    const r = await cli(['dlq', 'list', '--local'], env);
    expect(r.stdout).toMatch(/^message id\s+reason\s+age\s+attempts\s+employee$/m);
    expect(r.stdout).toMatch(/site\.unmapped\s+\d+s\s+0\s+E2002/);
    expect(r.stdout).not.toContain('@');
  });

  it('dlq show: the envelope decoded; an unknown id → exit 1', async () => {
    const id = (await cli(['dlq', 'list', '--local', '--json', '--reason', 'site.unmapped'], env)).json().deadLetters[0].messageId;
    const r = await cli(['dlq', 'show', id, '--local', '--json'], env);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({ schema: 'hr-sag-sync.cli.dlq-show/1', found: true, messageId: id, receiveCount: 0 });
    expect(doc.record).toMatchObject({
      schema: 'hr-sag-sync.dead-letter/1',
      reason: 'site.unmapped',
      event: { employee: { id: 'E2002', email: 'bob@example.com' }, location: { office: 'Shenzhen' } },
    });
    const missing = await cli(['dlq', 'show', 'NOPE', '--local', '--json'], env);
    expect([missing.code, missing.json().found]).toEqual([1, false]);
  });

  it('status: the roamed account on two instances; a waiting dead letter → exit 1', async () => {
    const ann = await cli(['status', 'ann@example.com', '--local', '--json'], env);
    expect(ann.code).toBe(0);
    expect(ann.json().accounts.map((a: { site: string; account: string; state?: string }) => [a.site, a.account, a.state])).toEqual([
      ['sh-hq', 'present', 'enabled'],
      ['hz-rd', 'present', 'enabled'],
      ['bj-sales', 'absent', undefined],
    ]);
    const bob = await cli(['status', 'E2002', '--local', '--json'], env);
    expect(bob.code).toBe(1);
    const doc = bob.json();
    expect(doc.employee).toEqual({ query: 'E2002', id: 'E2002', email: 'bob@example.com' });
    expect(doc.messages).toEqual([expect.objectContaining({ role: 'deadLetter', queue: 'hr-dead-letter', what: 'site.unmapped' })]);
    expect(doc.accounts.every((a: { account: string }) => a.account === 'absent')).toBe(true);
    expect(doc.ledger).toEqual([]);
  });

  it('status by employee id: the ledger row gives the email, the history shows the join then the transfer', async () => {
    const r = await cli(['status', 'E1001', '--local', '--json'], env);
    const doc = r.json();
    expect(doc.employee).toEqual({ query: 'E1001', id: 'E1001', email: 'ann@example.com' });
    expect(doc.ledger).toHaveLength(1);
    expect(doc.ledger[0]).toMatchObject({ key: 'generic:E1001', email: 'ann@example.com' });
    expect(doc.ledger[0].history.map((h: { type: string; result: string }) => `${h.type} ${h.result}`)).toEqual([
      'employee.joined done',
      'employee.transferred done',
    ]);
    expect(doc.accounts.filter((a: { account: string }) => a.account === 'present').map((a: { site: string }) => a.site)).toEqual(['sh-hq', 'hz-rd']);
    const text = await cli(['status', 'E1001', '--local'], env);
    expect(text.stdout).toMatch(/ledger\ngeneric:E1001 {2}last applied evt_/);
    expect(text.stdout).not.toContain('ann@example.com');
  });

  it('doctor: every check passes on the local stack', async () => {
    const r = await cli(['doctor', '--local', '--json'], env);
    const doc = r.json();
    expect(doc.checks.filter((c: { ok: boolean }) => !c.ok)).toEqual([]);
    expect([r.code, doc.ok]).toEqual([0, true]);
    expect(doc.checks.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['config', 'sites', 'mns', 'queue:hr-join', 'dlq-policy:hr-enrich', 'sag', 'sag-instance:bj-sales', 'hr:dingtalk', 'hr:wecom']),
    );
  });

  it('setup: idempotent on the stack that setup made', async () => {
    const r = await cli(['setup', '--local', '--json'], env);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc).toMatchObject({ schema: 'hr-sag-sync.cli.setup/1', dryRun: false, ok: true });
    expect(doc.queues.map((q: { action: string }) => q.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(doc.dlq.map((q: { action: string }) => q.action)).toEqual(['dlq-unchanged', 'dlq-unchanged', 'dlq-unchanged', 'dlq-unchanged']);
    expect(doc.ledger).toEqual({ table: 'hr_sag_ledger', action: 'unchanged', notes: [] });
    expect(r.stderr).toContain('100%');
  });

  it('sign: a request for the local webhook on WEBHOOK_PORT that it accepts', async () => {
    const doc = (await cli(['sign', '--local', '--json', '--employee', 'E4004', '--email', 'dan@example.com'], env)).json();
    expect(doc).toMatchObject({ schema: 'hr-sag-sync.cli.sign/1', method: 'POST', url: `${stack.webhookUrl}/webhooks/generic` });
    expect(doc.curl).toContain('webhook-signature: v1,');
    const res = await fetch(doc.url, { method: 'POST', headers: doc.headers, body: doc.body });
    expect(res.status).toBe(202);
    await stack.waitForIdle();
  });
});

describe('fixing', () => {
  it('redrive --dry-run: would resend Carol, would keep Bob; moves nothing; exit 1 (a record stays)', async () => {
    const r = await cli(['dlq', 'redrive', '--local', '--json', '--dry-run'], env);
    expect(r.code).toBe(1);
    const doc = r.json();
    expect(doc).toMatchObject({ schema: 'hr-sag-sync.cli.dlq-redrive/1', dryRun: true, resent: 1, kept: 1, skipped: 0 });
    expect(doc.records.map((x: { employeeId: string; result: string }) => [x.employeeId, x.result]).sort()).toEqual([
      ['E2002', 'kept'],
      ['E3003', 'would-resend'],
    ]);
    const text = await (async () => {
      await pause(1100);
      return cli(['dlq', 'redrive', '--local', '--dry-run'], env);
    })();
    expect(text.stdout).toMatch(/dry run: would resend 1, would keep 1/);
    expect(text.stdout).not.toMatch(/\bresent\b/);
    await pause(1100); // dry runs make the records visible again after 1 s
    expect(stack.mns.queueDepth('hr-dead-letter')).toBe(2);
  });

  it('redrive --reason site.unmapped with the fixed directory: Bob is joined, Carol left alone', async () => {
    const sites = JSON.parse(stack.env.SITES_JSON as string);
    sites.sites[1].offices.push('Shenzhen');
    const r = await cli(['dlq', 'redrive', '--local', '--json', '--reason', 'site.unmapped'], { ...env, SITES_JSON: JSON.stringify(sites) });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      dryRun: false,
      resent: 1,
      kept: 0,
      skipped: 1,
      records: [expect.objectContaining({ employeeId: 'E2002', result: 'resent', queues: ['hr-join'] })],
    });
    await stack.waitForIdle();
    expect(sagUsers(stack, 'sag-hzrd0000000002').map((u) => u.userMail)).toContain('bob@example.com');
    await pause(1100);
    expect(stack.mns.queueDepth('hr-dead-letter')).toBe(1);
  });

  it('purge --yes --employee: Carol goes; the queues are clean → exit 0', async () => {
    const r = await cli(['dlq', 'purge', '--local', '--json', '--yes', '--employee', 'E3003'], env);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ schema: 'hr-sag-sync.cli.dlq-purge/1', deleted: 1, kept: 0 });
    const q = await cli(['queues', '--local', '--json'], env);
    expect([q.code, q.json().deadLetters]).toEqual([0, 0]);
  });
});

describe('more than a peek can see', () => {
  it('list peeks 16 and says so; --all walks all of them (trigger dead letters included); purge without a filter empties the queue', async () => {
    for (let i = 0; i < 19; i++) {
      stack.mns.sendMessage(
        'hr-dead-letter',
        encodeMessage(deadLetter({ reason: 'message.invalid', message: 'bad', retryable: false, attempts: 1, function: 'join-worker', raw: `x${i}` })),
      );
    }
    // The trigger's own dead letter: the CloudEvents it failed to push, the body base64 of a queue message.
    const body = encodeMessage({ event: { type: 'employee.joined', employee: { id: 'E5005', email: 'eve@example.com' } } });
    const trigger = [{ subject: 'acs:mns:cn-shanghai:1234567890123456:queues/hr-join', data: { messageId: 'M1', messageBody: body } }];
    stack.mns.sendMessage('hr-dead-letter', Buffer.from(JSON.stringify(trigger)).toString('base64'));

    const peeked = await cli(['dlq', 'list', '--local', '--json'], env);
    expect(peeked.json()).toMatchObject({ total: 20, examined: 16 });
    expect((await cli(['dlq', 'list', '--local'], env)).stdout).toContain('looked at the first 16 of 20 (MNS peeks 16 at most): --all walks the whole queue');

    const all = (await cli(['dlq', 'list', '--local', '--json', '--all'], env)).json();
    expect([all.total, all.examined, all.deadLetters.length]).toEqual([20, 20, 20]);
    const raw = all.deadLetters.find((d: { reason: string }) => d.reason === 'trigger.dead-letter');
    expect(raw).toMatchObject({ employeeId: 'E5005', attempts: 0 });
    await pause(1100); // --all makes each message visible again after 1 s
    const shown = (await cli(['dlq', 'show', raw.messageId, '--local', '--json', '--all'], env)).json();
    expect(shown.record).toEqual([
      { ...trigger[0], data: { messageId: 'M1', messageBody: { event: { type: 'employee.joined', employee: { id: 'E5005', email: 'eve@example.com' } } } } },
    ]);
    await pause(1100);

    const purged = await cli(['dlq', 'purge', '--local', '--json', '--yes'], env);
    expect(purged.json()).toMatchObject({ deleted: 20, kept: 0 });
    expect(stack.mns.queueDepth('hr-dead-letter')).toBe(0);
  }, 20_000);
});
