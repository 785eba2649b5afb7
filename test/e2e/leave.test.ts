/**
 * Leavers and rehires on the local stack (generic source, real workers, the SAG, MNS and Tablestore emulators over
 * the wire): disable and kick out on every instance, the delete in the next billing cycle (hops shortened by
 * RETRY_DELAY_SCALE, the billing cycle moved by the SAG emulator's billing clock), refusals for traffic, rehires,
 * ordering against old joins, and faults on every leave call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { ledgerKey, type LedgerRecord } from '../../shared/ledger/record.js';
import { dingTalkRequest, feishuRequest, feishuUserCreated, feishuUserUpdated, weComContactXml, weComRequest } from '../../local/hr-samples.js';
import type { SignedRequest } from '../../local/sample.js';
import { encodeMessage, routeEvent } from '../../shared/index.js';
import { addFault, captureLogs, clearFaults, join, postSigned, stackLedger, transfer } from '../helpers/stack.js';

let stack: Stack;
let ledger: Ledger;
const logs = captureLogs();
const SH = 'sag-shhq0000000001';
const HZ = 'sag-hzrd0000000002';
const BJ = 'sag-bjsl0000000003';
const DAY_MS = 86_400_000;
const at = (day: number, hour = 8) => `2026-11-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
const leave = (employeeId: string, email: string | undefined, timestamp: string) => ({
  type: 'employee.left',
  timestamp,
  data: { employeeId, ...(email ? { email } : {}) },
});
const record = (id: string): Promise<LedgerRecord | undefined> => ledger.read(ledgerKey('generic', id));
const userOn = (smartAGId: string, userName: string) => stack.sag.listUsers(smartAGId).find((u) => u.userName === userName);

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  // 7 days × 1e-6 ≈ 1 s per hop: the delete, due at the next month, runs seconds after the leave.
  stack = await startStack({ env: { LOG_LEVEL: 'info', RETRY_DELAY_SCALE: '0.000001', SAG_TIMEOUT_MS: '1000' } });
  ({ ledger } = stackLedger(stack));
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});

describe('leave lifecycle', () => {
  it('join → transfer → leave: disabled and kicked out on every instance, refused delete waits a cycle, then deleted', async () => {
    const mail = 'lv1@example.com';
    await postSigned(stack, join('LV1', mail, 'Shanghai', at(2)), { id: 'msg_lv1_join' });
    await stack.waitForIdle();
    await postSigned(stack, transfer('LV1', mail, 'Shanghai', 'Hangzhou', at(3)), { id: 'msg_lv1_t' });
    await stack.waitForIdle();
    stack.sag.openSessions(SH, mail, 2);
    stack.sag.openSessions(HZ, mail, 1);
    const r = await postSigned(stack, leave('LV1', mail, at(4)), { id: 'msg_lv1_leave' });
    expect(r.status).toBe(202);
    expect(r.body.action).toBe('leave');
    const revoked = (i: string) => userOn(i, mail)?.state === 1 && !userOn(i, mail)?.online?.length;
    await until('disabled and kicked out on both', () => revoked(SH) && revoked(HZ));
    expect(userOn(SH, mail)?.online ?? []).toEqual([]);
    expect(userOn(HZ, mail)?.online ?? []).toEqual([]);
    expect(userOn(BJ, mail)).toBeUndefined();
    // The sessions used traffic this cycle: the delete is refused and waits for the next cycle (the account stays).
    await until('a refused delete', async () => ((await record('LV1'))?.history ?? []).some((h) => h.type === 'employee.leave-delete'));
    const refused = (await record('LV1'))?.history.find((h) => h.type === 'employee.leave-delete');
    expect(refused?.reason).toMatch(/leave.delete-refused/);
    expect(userOn(SH, mail)?.state).toBe(1);
    // Next billing cycle: the next try deletes on both instances.
    stack.sag.setBillingClock({ offsetMs: 40 * DAY_MS });
    await until('deleted on both', () => !userOn(SH, mail) && !userOn(HZ, mail));
    await stack.waitForIdle();
    const rec = await record('LV1');
    expect(rec?.accounts.map((a) => [a.smartAGId, a.state]).sort()).toEqual([
      [HZ, 'deleted'],
      [SH, 'deleted'],
    ]);
    const steps = rec?.history.filter((h) => h.result !== 'superseded').map((h) => `${h.type}:${h.result}`);
    expect(steps?.slice(0, 3)).toEqual(['employee.joined:done', 'employee.transferred:done', 'employee.left:done']);
    expect(steps?.at(-1)).toBe('employee.leave-delete:done');
    expect(await stack.drainDeadLetters()).toEqual([]);
    stack.sag.setBillingClock({});
  }, 60_000);

  it('leave, then a redelivered older join: nothing re-enabled; a newer join (rehire) enables the account again', async () => {
    const mail = 'lv2@example.com';
    stack.sag.setBillingClock({});
    await postSigned(stack, join('LV2', mail, 'Beijing', at(2)), { id: 'msg_lv2_join' });
    await stack.waitForIdle();
    stack.sag.markTraffic(BJ, mail); // keeps the delete refused for this test
    await postSigned(stack, leave('LV2', undefined, at(4)), { id: 'msg_lv2_leave' }); // no email: the ledger knows it
    await until('disabled', () => userOn(BJ, mail)?.state === 1);
    await postSigned(stack, join('LV2', mail, 'Beijing', at(2)), { id: 'msg_lv2_join_again' });
    await until('stale join recorded', async () => ((await record('LV2'))?.history ?? []).some((h) => h.result === 'stale'));
    expect(userOn(BJ, mail)?.state).toBe(1);
    // Rehired: a join newer than the leave.
    await postSigned(stack, join('LV2', mail, 'Beijing', at(6)), { id: 'msg_lv2_rehire' });
    await until('enabled again', () => userOn(BJ, mail)?.state === 0);
    // The pending delete step is stale now (a newer event applied): the account survives the next cycle.
    stack.sag.setBillingClock({ offsetMs: 40 * DAY_MS });
    await stack.waitForIdle();
    expect(userOn(BJ, mail)?.state).toBe(0);
    const rec = await record('LV2');
    expect(rec?.lastEventAt).toBe(at(6));
    expect(rec?.accounts.find((a) => a.smartAGId === BJ)?.state).toBe('enabled');
    expect(await stack.drainDeadLetters()).toEqual([]);
    stack.sag.setBillingClock({});
  }, 60_000);

  it('the same leave delivered three times (twice at once, once after it applied): one delete chain, one delete step', async () => {
    const mail = 'lv5@example.com';
    await postSigned(stack, join('LV5', mail, 'Shanghai', at(2)), { id: 'msg_lv5_join' });
    await stack.waitForIdle();
    stack.sag.markTraffic(SH, mail); // the first delete is refused: the chain waits a cycle, still one chain
    const routed = routeEvent(
      { kind: 'left', source: 'generic', sourceEventId: 'msg_lv5_leave', occurredAt: at(4), employee: { id: 'LV5', email: mail } },
      stack.directory,
      stack.queues,
      'webhook',
    );
    if (routed.kind !== 'enqueue') throw new Error('the leave was not routed to a queue');
    const send = () => stack.mnsClient.sendMessage(routed.queue, { MessageBody: encodeMessage(routed.message) });
    await Promise.all([send(), send()]); // an at-least-once redelivery: the same event id, handled at once
    await until('disabled', () => userOn(SH, mail)?.state === 1);
    await until('the leave applied', async () => ((await record('LV5'))?.history ?? []).some((h) => h.type === 'employee.left' && h.result === 'done'));
    await send(); // and once more after it applied
    await until('the delete refused', async () => ((await record('LV5'))?.history ?? []).some((h) => h.type === 'employee.leave-delete'));
    stack.sag.setBillingClock({ offsetMs: 40 * DAY_MS });
    await until('deleted', () => !userOn(SH, mail));
    await stack.waitForIdle();
    stack.sag.setBillingClock({});
    // Every run of a due delete step, from the outcome lines (the ledger may record a step handled while a copy of
    // the leave held the claim as superseded): one chain makes one refused try and one delete; a second chain would
    // add its own refused try and a "no account left" after the delete.
    const due = logs.lines
      .filter((l) => l.msg === 'outcome' && l.eventId === routed.eventId && l.fn === 'leave-worker')
      .map((l) => String(l.detail).match(/^(deleted on|no account left|leave\.delete-refused)/)?.[1])
      .filter(Boolean);
    expect(due).toEqual(['leave.delete-refused', 'deleted on']);
    expect((await record('LV5'))?.deleteChain?.eventId).toBe(routed.eventId);
    expect(await stack.drainDeadLetters()).toEqual([]);
  }, 60_000);

  it('a leave delivered before its join, then the older join: skipped, no account made', async () => {
    const mail = 'lv3@example.com';
    await postSigned(stack, leave('LV3', mail, at(5)), { id: 'msg_lv3_leave' });
    await stack.waitForIdle();
    await postSigned(stack, join('LV3', mail, 'Shanghai', at(2)), { id: 'msg_lv3_join' });
    await stack.waitForIdle();
    expect(userOn(SH, mail)).toBeUndefined();
    expect((await record('LV3'))?.history.map((h) => `${h.type}:${h.result}`)).toEqual(['employee.left:already-done', 'employee.joined:stale']);
  }, 30_000);

  it('a leave of an employee nobody knows (no email, no ledger row): skipped as leave.unknown-employee, not a dead letter', async () => {
    await postSigned(stack, leave('LV-NOBODY', undefined, at(5)), { id: 'msg_lv_nobody' });
    await stack.waitForIdle();
    const rec = await record('LV-NOBODY');
    expect(rec?.history.map((h) => [h.result, h.reason?.split(':')[0]])).toEqual([['skipped', 'leave.unknown-employee']]);
    expect(await stack.drainDeadLetters()).toEqual([]);
  }, 30_000);

  it('throttling, 5xx and applied-but-timed-out answers on Disable, KickOutClients and Delete converge', async () => {
    const mail = 'lv4@example.com';
    await postSigned(stack, join('LV4', mail, 'Hangzhou', at(2)), { id: 'msg_lv4_join' });
    await stack.waitForIdle();
    stack.sag.openSessions(HZ, mail, 1);
    await addFault(stack.sag.url, [
      { action: 'DisableSmartAccessGatewayUser', code: 'Throttling.User', httpStatus: 429, count: 1 },
      { action: 'DisableSmartAccessGatewayUser', delayAfterMs: 1_500, count: 1 },
      { action: 'KickOutClients', code: 'InternalError', httpStatus: 500, count: 2 },
      { action: 'DeleteSmartAccessGatewayClientUser', code: 'ServiceUnavailable', httpStatus: 503, count: 1 },
      { action: 'DeleteSmartAccessGatewayClientUser', delayAfterMs: 1_500, count: 1 },
    ]);
    await postSigned(stack, leave('LV4', mail, at(4)), { id: 'msg_lv4_leave' });
    await until('disabled and kicked', () => userOn(HZ, mail)?.state === 1 && !(userOn(HZ, mail)?.online ?? []).length, 30_000);
    stack.sag.setBillingClock({ offsetMs: 40 * DAY_MS });
    await until('deleted', () => !userOn(HZ, mail), 40_000);
    await stack.waitForIdle();
    // Every fault was met (and the leave still converged, with no dead letter).
    expect(stack.sag.faults.list().map((f) => [f.action, f.fired])).toEqual([
      ['DisableSmartAccessGatewayUser', 1],
      ['DisableSmartAccessGatewayUser', 1],
      ['KickOutClients', 2],
      ['DeleteSmartAccessGatewayClientUser', 1],
      ['DeleteSmartAccessGatewayClientUser', 1],
    ]);
    await clearFaults(stack.sag.url);
    stack.sag.setBillingClock({});
    expect((await record('LV4'))?.accounts.find((a) => a.smartAGId === HZ)?.state).toBe('deleted');
    expect(await stack.drainDeadLetters()).toEqual([]);
  }, 90_000);

  it('Feishu, DingTalk and WeCom: join → transfer → leave (thin: the email comes from the ledger) → disabled on both instances, then deleted', async () => {
    const post = async (r: SignedRequest, path: string) => {
      const url = new URL(r.url, stack.webhookUrl);
      url.pathname = path;
      const res = await fetch(url, { method: 'POST', headers: r.headers, body: r.body });
      expect(res.status).toBe(200);
    };
    const t0 = Math.floor(Date.now() / 1000);
    // Feishu
    const fs = {
      user_id: 'fsl',
      open_id: 'ou_fsl',
      name: 'Fei',
      email: 'fsl@example.com',
      city: 'Shanghai',
      work_station: 'SH-HQ',
      department_ids: ['od-shanghai'],
    };
    await post(feishuRequest('/', feishuUserCreated(fs)), '/webhooks/feishu');
    await stack.waitForIdle();
    const fsMoved = { ...fs, city: 'Hangzhou', work_station: 'HZ-RD', department_ids: ['od-hangzhou'] };
    await post(
      feishuRequest('/', feishuUserUpdated(fsMoved, { city: 'Shanghai', work_station: 'SH-HQ', department_ids: ['od-shanghai'] })),
      '/webhooks/feishu',
    );
    await stack.waitForIdle();
    // DingTalk
    stack.hr.dingtalk.addUser({ userid: 'dtl', name: 'Ding', email: 'dtl@example.com', dept_id_list: [101], work_place: 'Shanghai' });
    await post(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: ['dtl'], TimeStamp: String(t0 * 1000) }), '/webhooks/dingtalk');
    await stack.waitForIdle();
    stack.hr.dingtalk.updateUser({ userid: 'dtl', dept_id_list: [102], work_place: 'Hangzhou' });
    await post(
      dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_modify_org', UserId: ['dtl'], TimeStamp: String((t0 + 1) * 1000) }),
      '/webhooks/dingtalk',
    );
    await stack.waitForIdle();
    // WeCom
    stack.hr.wecom.addUser({ userid: 'wcl', name: 'Wei', email: 'wcl@example.com', department: [101] });
    await post(weComRequest('/webhooks/wecom', weComContactXml('create_user', 'wcl', undefined, t0)), '/webhooks/wecom');
    await stack.waitForIdle();
    stack.hr.wecom.updateUser({ userid: 'wcl', department: [102] });
    await post(weComRequest('/webhooks/wecom', weComContactXml('update_user', 'wcl', undefined, t0 + 1)), '/webhooks/wecom');
    await stack.waitForIdle();
    const mails = ['fsl@example.com', 'dtl@example.com', 'wcl@example.com'];
    for (const m of mails) expect([userOn(SH, m)?.state, userOn(HZ, m)?.state]).toEqual([0, 0]);
    // The leaves: the departed users are gone from the HR APIs, and the thin events carry only the id.
    stack.hr.dingtalk.removeUser('dtl');
    stack.hr.wecom.removeUser('wcl');
    const { email: _e, ...fsNoMail } = fsMoved;
    const created = feishuUserCreated(fsNoMail);
    await post(
      feishuRequest('/', { ...created, header: { ...created.header, event_type: 'contact.user.deleted_v3', create_time: String((t0 + 60) * 1000) } }),
      '/webhooks/feishu',
    );
    await post(
      dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_leave_org', UserId: ['dtl'], TimeStamp: String((t0 + 60) * 1000) }),
      '/webhooks/dingtalk',
    );
    await post(weComRequest('/webhooks/wecom', weComContactXml('delete_user', 'wcl', undefined, t0 + 60)), '/webhooks/wecom');
    await until('all disabled on both instances', () => mails.every((m) => userOn(SH, m)?.state === 1 && userOn(HZ, m)?.state === 1));
    stack.sag.setBillingClock({ offsetMs: 40 * DAY_MS });
    await until('all deleted', () => mails.every((m) => !userOn(SH, m) && !userOn(HZ, m)));
    await stack.waitForIdle();
    stack.sag.setBillingClock({});
    for (const [source, id] of [
      ['feishu', 'fsl'],
      ['dingtalk', 'dtl'],
      ['wecom', 'wcl'],
    ]) {
      const rec = await ledger.read(ledgerKey(source as string, id as string));
      expect(
        rec?.history.filter((h) => h.result !== 'superseded' && h.type !== 'employee.enrich').map((h) => `${h.type}:${h.result}`),
        `${source}`,
      ).toEqual(['employee.joined:done', 'employee.transferred:done', 'employee.left:done', 'employee.leave-delete:done']);
    }
    expect(await stack.drainDeadLetters()).toEqual([]);
  }, 90_000);
});
