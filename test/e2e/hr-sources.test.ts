/**
 * Each real HR source end to end on the local stack: signed (and encrypted) requests as the platform sends them
 * → webhook → queues → (enrich worker → HR API emulator, for the thin DingTalk/WeCom events) → join/transfer
 * workers → SAG emulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  dingTalkRequest,
  feishuRequest,
  feishuUserCreated,
  feishuUserUpdated,
  LOCAL_SOURCES as S,
  weComContactXml,
  weComRequest,
  weComUrlCheck,
} from '../../local/hr-samples.js';
import type { SignedRequest } from '../../local/sample.js';
import { startStack, type Stack } from '../../local/stack.js';
import { wxDecrypt } from '../../shared/hr/wx-biz-crypto.js';
import { addFault, clearFaults, sagUsers } from '../helpers/stack.js';

const SH = 'sag-shhq0000000001';
const HZ = 'sag-hzrd0000000002';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'warn', RETRY_MAX_ATTEMPTS: '3', RETRY_DEFER_DELAY_SECONDS: '10' } });
});
afterAll(async () => stack?.stop());
beforeEach(async () => {
  await clearFaults(stack.hr.url);
  await stack.drainDeadLetters();
});

async function post(r: SignedRequest, path: string) {
  const url = new URL(r.url, stack.webhookUrl);
  url.pathname = path;
  const res = await fetch(url, { method: 'POST', headers: r.headers, body: r.body });
  return { status: res.status, body: await res.text() };
}
const has = (id: string, mail: string) => sagUsers(stack, id).some((u) => u.userMail === mail);

describe('Feishu', () => {
  it('answers the URL check within its 1 s budget', async () => {
    const t0 = Date.now();
    const r = await post(feishuRequest('/', { challenge: 'ch-1', token: S.FEISHU_VERIFICATION_TOKEN, type: 'url_verification' }), '/webhooks/feishu');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ challenge: 'ch-1' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a created user gets an account; a work-place change roams it', async () => {
    const user = {
      user_id: 'fs1',
      open_id: 'ou_fs1',
      name: 'Fei Shu',
      email: 'fs1@example.com',
      city: 'Shanghai',
      work_station: 'SH-HQ',
      department_ids: ['od-shanghai'],
    };
    expect((await post(feishuRequest('/', feishuUserCreated(user)), '/webhooks/feishu')).status).toBe(200);
    await stack.waitForIdle();
    expect(has(SH, 'fs1@example.com')).toBe(true);
    const moved = { ...user, city: 'Hangzhou', work_station: 'HZ-RD', department_ids: ['od-hangzhou'] };
    expect(
      (
        await post(
          feishuRequest('/', feishuUserUpdated(moved, { city: 'Shanghai', work_station: 'SH-HQ', department_ids: ['od-shanghai'] })),
          '/webhooks/feishu',
        )
      ).status,
    ).toBe(200);
    await stack.waitForIdle();
    expect(has(HZ, 'fs1@example.com')).toBe(true);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });
});

describe('DingTalk', () => {
  it('answers check_url with the encrypted success JSON', async () => {
    const r = await post(dingTalkRequest('/webhooks/dingtalk', { EventType: 'check_url' }), '/webhooks/dingtalk');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(wxDecrypt(S.DINGTALK_AES_KEY, body.encrypt, S.DINGTALK_APP_KEY).message).toBe('success');
  });

  it('user_add_org is enriched from the HR API and provisioned; user_modify_org roams after a department change', async () => {
    stack.hr.dingtalk.addUser({ userid: 'dt1', name: 'Ding Tao', email: 'dt1@example.com', dept_id_list: [101], work_place: 'Shanghai' });
    const r = await post(
      dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: ['dt1'], TimeStamp: String(Date.now()) }),
      '/webhooks/dingtalk',
    );
    expect(r.status).toBe(200);
    expect(wxDecrypt(S.DINGTALK_AES_KEY, JSON.parse(r.body).encrypt, S.DINGTALK_APP_KEY).message).toBe('success');
    await stack.waitForIdle();
    expect(has(SH, 'dt1@example.com')).toBe(true);
    stack.hr.dingtalk.updateUser({ userid: 'dt1', dept_id_list: [102], work_place: 'Hangzhou' });
    await post(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_modify_org', UserId: ['dt1'], TimeStamp: String(Date.now()) }), '/webhooks/dingtalk');
    await stack.waitForIdle();
    expect(has(HZ, 'dt1@example.com')).toBe(true);
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('recovers when the HR API is briefly down, and dead-letters an unknown user with hr.user-not-found', async () => {
    stack.hr.dingtalk.addUser({ userid: 'dt2', name: 'Down Time', email: 'dt2@example.com', dept_id_list: [101] });
    await addFault(stack.hr.url, { action: 'dingtalk.user.get', code: '-1', httpStatus: 503, count: 4 });
    await post(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: ['dt2'] }), '/webhooks/dingtalk');
    await stack.waitForIdle(30_000);
    expect(has(SH, 'dt2@example.com')).toBe(true);
    await post(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: ['ghost'] }), '/webhooks/dingtalk');
    await stack.waitForIdle();
    const dl = (await stack.drainDeadLetters()) as any[];
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({
      reason: 'hr.user-not-found',
      function: 'enrich-worker',
      retryable: false,
      event: { type: 'employee.enrich', employee: { id: 'ghost' } },
    });
  });

  it('dead-letters with hr.api-unavailable (retryable) when the HR API stays down past the retry budget', async () => {
    stack.hr.dingtalk.addUser({ userid: 'dt3', name: 'Long Outage', email: 'dt3@example.com', dept_id_list: [101] });
    await addFault(stack.hr.url, { action: 'dingtalk.user.get', html502: true });
    await post(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: ['dt3'] }), '/webhooks/dingtalk');
    await stack.waitForIdle(30_000);
    const dl = (await stack.drainDeadLetters()) as any[];
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ reason: 'hr.api-unavailable', retryable: true, attempts: 4, function: 'enrich-worker' });
    expect(has(SH, 'dt3@example.com')).toBe(false);
  });
});

describe('WeCom', () => {
  it('answers the GET URL check with the decrypted echostr', async () => {
    const res = await fetch(new URL(weComUrlCheck('/webhooks/wecom', 'echo-4711'), stack.webhookUrl));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('echo-4711');
  });

  it('create_user and update_user are enriched and provisioned, and a user without email is dead-lettered', async () => {
    stack.hr.wecom.addUser({ userid: 'wc1', name: 'Wei Chen', email: 'wc1@example.com', department: [101] });
    const r = await post(weComRequest('/webhooks/wecom', weComContactXml('create_user', 'wc1')), '/webhooks/wecom');
    expect(r).toEqual({ status: 200, body: 'success' });
    await stack.waitForIdle();
    expect(has(SH, 'wc1@example.com')).toBe(true);
    stack.hr.wecom.updateUser({ userid: 'wc1', department: [102] });
    await post(weComRequest('/webhooks/wecom', weComContactXml('update_user', 'wc1')), '/webhooks/wecom');
    await stack.waitForIdle();
    expect(has(HZ, 'wc1@example.com')).toBe(true);
    stack.hr.wecom.addUser({ userid: 'wc2', name: 'No Mail', department: [101] });
    await post(weComRequest('/webhooks/wecom', weComContactXml('create_user', 'wc2')), '/webhooks/wecom');
    await stack.waitForIdle();
    const dl = (await stack.drainDeadLetters()) as any[];
    expect(dl.map((d) => d.reason)).toEqual(['hr.email-missing']);
  });

  it('refuses a request signed with another token: 401, nothing enqueued', async () => {
    const r = await post(weComRequest('/webhooks/wecom', weComContactXml('create_user', 'wc3'), { ...S, WECOM_TOKEN: 'other' }), '/webhooks/wecom');
    expect(r.status).toBe(401);
    expect(stack.mns.queueDepth('hr-enrich')).toBe(0);
  });
});
