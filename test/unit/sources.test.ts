/**
 * The HR source adapters on their own (pure: verify, decrypt, normalise, answer), with requests built the way the
 * platforms build them (local/hr-samples.ts). The wire-level path through the webhook is in test/e2e.
 */
import { describe, expect, it } from 'vitest';
import { DecryptError, SignatureError, ValidationError } from '../../shared/errors.js';
import { feishuDecrypt, feishuEncrypt } from '../../shared/hr/feishu-crypto.js';
import { wxDecrypt } from '../../shared/hr/wx-biz-crypto.js';
import { parseHttpEvent, type WebhookRequest } from '../../shared/webhook/http-event.js';
import { dingTalkSource } from '../../shared/webhook/sources/dingtalk.js';
import { feishuSource } from '../../shared/webhook/sources/feishu.js';
import { weComSource } from '../../shared/webhook/sources/wecom.js';
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

const toReq = (r: SignedRequest, method = 'POST'): WebhookRequest => {
  const u = new URL(r.url, 'http://h');
  return parseHttpEvent({
    rawPath: u.pathname,
    body: r.body,
    isBase64Encoded: false,
    headers: r.headers,
    queryParameters: Object.fromEntries(u.searchParams),
    requestContext: { http: { method, path: u.pathname } },
  });
};
const now = Date.now();
const feishu = feishuSource({ encryptKey: S.FEISHU_ENCRYPT_KEY, verificationToken: S.FEISHU_VERIFICATION_TOKEN, toleranceSeconds: 300 });
const dingtalk = dingTalkSource({ token: S.DINGTALK_TOKEN, aesKey: S.DINGTALK_AES_KEY, appKey: S.DINGTALK_APP_KEY, toleranceSeconds: 300 });
const wecom = weComSource({ token: S.WECOM_TOKEN, encodingAesKey: S.WECOM_ENCODING_AES_KEY, corpId: S.WECOM_CORP_ID, toleranceSeconds: 300 });
const ann = { user_id: 'u1', open_id: 'ou_1', name: 'Ann', email: 'ann@example.com', city: 'Shanghai', work_station: 'SH-HQ', department_ids: ['od-shanghai'] };

describe('Feishu adapter', () => {
  it('answers the encrypted url_verification challenge (sent unsigned) with {"challenge"}', () => {
    const body = JSON.stringify({
      encrypt: feishuEncrypt(S.FEISHU_ENCRYPT_KEY, JSON.stringify({ challenge: 'c-123', token: S.FEISHU_VERIFICATION_TOKEN, type: 'url_verification' })),
    });
    const r = feishu.receive(toReq({ url: '/webhooks/feishu', body, headers: {} }), now);
    expect(r.kind).toBe('reply');
    if (r.kind === 'reply') expect(JSON.parse(r.response.body)).toEqual({ challenge: 'c-123' });
  });

  it('refuses a challenge with another verification token', () => {
    const body = JSON.stringify({ encrypt: feishuEncrypt(S.FEISHU_ENCRYPT_KEY, JSON.stringify({ challenge: 'c', token: 'other', type: 'url_verification' })) });
    expect(() => feishu.receive(toReq({ url: '/', body, headers: {} }), now)).toThrow(SignatureError);
  });

  it('turns contact.user.created_v3 into a join keyed by header.event_id', () => {
    const r = feishu.receive(toReq(feishuRequest('/webhooks/feishu', feishuUserCreated(ann, S, 'ev_1'))), now);
    expect(r.kind).toBe('events');
    if (r.kind !== 'events') return;
    expect(r.events).toEqual([
      expect.objectContaining({
        kind: 'joined',
        source: 'feishu',
        sourceEventId: 'ev_1',
        employee: { id: 'u1', email: 'ann@example.com', name: 'Ann' },
        location: { offices: ['SH-HQ', 'Shanghai'], departmentIds: ['od-shanghai'] },
      }),
    ]);
    expect(r.respond({ eventIds: [], actions: [] }).statusCode).toBe(200);
  });

  it('turns a work-place change into a transfer from the old values, and ignores other updates', () => {
    const moved = feishu.receive(
      toReq(feishuRequest('/', feishuUserUpdated({ ...ann, city: 'Hangzhou', work_station: 'HZ-RD' }, { city: 'Shanghai', work_station: 'SH-HQ' }))),
      now,
    );
    if (moved.kind !== 'events') throw new Error('expected events');
    expect(moved.events[0]).toMatchObject({ kind: 'transferred', from: { offices: ['SH-HQ', 'Shanghai'] }, to: { offices: ['HZ-RD', 'Hangzhou'] } });
    const renamed = feishu.receive(toReq(feishuRequest('/', feishuUserUpdated({ ...ann, name: 'Ann L' }, { name: 'Ann' }))), now);
    expect(renamed.kind === 'events' && renamed.events).toEqual([]);
  });

  it('turns contact.user.deleted_v3 and a resignation (status.is_resigned turned true) into leaves, email optional', () => {
    const created = feishuUserCreated(ann, S, 'ev_del');
    const deleted = { ...created, header: { ...created.header, event_type: 'contact.user.deleted_v3' } };
    const d = feishu.receive(toReq(feishuRequest('/', deleted)), now);
    expect(d.kind === 'events' && d.events).toEqual([
      expect.objectContaining({ kind: 'left', source: 'feishu', sourceEventId: 'ev_del', employee: { id: 'u1', email: 'ann@example.com' } }),
    ]);
    const { email: _e, ...noMail } = ann;
    const resigned = feishu.receive(
      toReq(feishuRequest('/', feishuUserUpdated({ ...noMail, status: { is_resigned: true } }, { status: { is_resigned: false } }))),
      now,
    );
    expect(resigned.kind === 'events' && resigned.events).toEqual([expect.objectContaining({ kind: 'left', employee: { id: 'u1' } })]);
  });

  it('reports the envelope and the user errors together', () => {
    const bad = feishuUserCreated({ user_id: 'u3', name: 'No Mail' });
    const req = toReq(feishuRequest('/', { ...bad, header: { ...bad.header, event_id: '' } }));
    let issues: Array<{ path: string }> = [];
    try {
      feishu.receive(req, now);
    } catch (err) {
      issues = (err as ValidationError).issues;
    }
    expect(issues.map((i) => i.path).sort()).toEqual(['event.object.email', 'header.event_id']);
  });

  it('refuses bad signatures, stale timestamps, plaintext bodies and users without email', () => {
    const good = feishuRequest('/', feishuUserCreated(ann));
    expect(() => feishu.receive(toReq({ ...good, headers: { ...good.headers, 'x-lark-signature': '00'.repeat(32) } }), now)).toThrow(SignatureError);
    expect(() => feishu.receive(toReq(feishuRequest('/', feishuUserCreated(ann), S, now - 10 * 60_000)), now)).toThrow(SignatureError);
    expect(() => feishu.receive(toReq({ url: '/', body: JSON.stringify(feishuUserCreated(ann)), headers: {} }), now)).toThrow(SignatureError);
    expect(() => feishu.receive(toReq(feishuRequest('/', feishuUserCreated({ user_id: 'u2', name: 'No Mail' }))), now)).toThrow(ValidationError);
    const other = feishuRequest('/', feishuUserCreated(ann), { ...S, FEISHU_ENCRYPT_KEY: 'another key' });
    expect(() => feishu.receive(toReq(other), now)).toThrow(SignatureError);
  });

  it('checks the verification token when no Encrypt Key is set', () => {
    const plain = feishuSource({ verificationToken: 'tok', toleranceSeconds: 300 });
    const ev = feishuUserCreated(ann, { ...S, FEISHU_VERIFICATION_TOKEN: 'tok' });
    expect(plain.receive(toReq({ url: '/', body: JSON.stringify(ev), headers: {} }), now).kind).toBe('events');
    const wrong = feishuUserCreated(ann, { ...S, FEISHU_VERIFICATION_TOKEN: 'nope' });
    expect(() => plain.receive(toReq({ url: '/', body: JSON.stringify(wrong), headers: {} }), now)).toThrow(SignatureError);
    expect(() => plain.receive(toReq({ url: '/', body: JSON.stringify({ encrypt: 'abc' }), headers: {} }), now)).toThrow(DecryptError);
  });
});

describe('DingTalk adapter', () => {
  it('answers check_url and every event with the encrypted "success" JSON', () => {
    const r = dingtalk.receive(toReq(dingTalkRequest('/webhooks/dingtalk', { EventType: 'check_url' })), now);
    expect(r.kind).toBe('reply');
    if (r.kind !== 'reply') return;
    const body = JSON.parse(r.response.body);
    expect(Object.keys(body).sort()).toEqual(['encrypt', 'msg_signature', 'nonce', 'timeStamp']);
    expect(wxDecrypt(S.DINGTALK_AES_KEY, body.encrypt, S.DINGTALK_APP_KEY).message).toBe('success');
  });

  it('turns user_add_org into one enrich request per user and user_modify_org into "modified"', () => {
    const add = dingtalk.receive(toReq(dingTalkRequest('/', { EventType: 'user_add_org', UserId: ['a1', 'a2'], TimeStamp: String(now), CorpId: 'ding' })), now);
    if (add.kind !== 'events') throw new Error('expected events');
    expect(add.events.map((e) => e.kind === 'enrich' && [e.change, e.employee.id])).toEqual([
      ['created', 'a1'],
      ['created', 'a2'],
    ]);
    const mod = dingtalk.receive(toReq(dingTalkRequest('/', { EventType: 'user_modify_org', UserId: ['a1'] })), now);
    expect(mod.kind === 'events' && mod.events[0]).toMatchObject({ kind: 'enrich', change: 'modified' });
    const other = dingtalk.receive(toReq(dingTalkRequest('/', { EventType: 'org_dept_create' })), now);
    expect(other.kind === 'events' && other.events).toEqual([]);
  });

  it('turns user_leave_org into one leave per user, straight to the leave (no enrichment: the API no longer has them)', () => {
    const r = dingtalk.receive(toReq(dingTalkRequest('/', { EventType: 'user_leave_org', UserId: ['a1', 'a2'], TimeStamp: String(now) })), now);
    if (r.kind !== 'events') throw new Error('expected events');
    expect(r.events.map((e) => [e.kind, e.employee.id, e.occurredAt])).toEqual([
      ['left', 'a1', new Date(now).toISOString()],
      ['left', 'a2', new Date(now).toISOString()],
    ]);
  });

  it('refuses a wrong signature, a stale (ms) timestamp and another owner key', () => {
    const good = dingTalkRequest('/', { EventType: 'user_add_org', UserId: ['a1'] });
    expect(() => dingtalk.receive(toReq({ ...good, url: good.url.replace(/msg_signature=[0-9a-f]{4}/, 'msg_signature=ffff') }), now)).toThrow(SignatureError);
    expect(() => dingtalk.receive(toReq(dingTalkRequest('/', { EventType: 'check_url' }, S, now - 10 * 60_000)), now)).toThrow(SignatureError);
    expect(() => dingtalk.receive(toReq(dingTalkRequest('/', { EventType: 'check_url' }, { ...S, DINGTALK_APP_KEY: 'dingother' })), now)).toThrow(DecryptError);
  });
});

describe('WeCom adapter', () => {
  it('answers the GET URL check with the decrypted echostr as plain text', () => {
    const url = weComUrlCheck('/webhooks/wecom', '1616140317555161061');
    const r = wecom.receive(toReq({ url, body: '', headers: {} }, 'GET'), now);
    expect(r.kind === 'reply' && r.response).toMatchObject({ statusCode: 200, body: '1616140317555161061' });
  });

  it('turns change_contact create_user/update_user into enrich requests and answers "success"', () => {
    const c = wecom.receive(toReq(weComRequest('/', weComContactXml('create_user', 'zhangsan'))), now);
    if (c.kind !== 'events') throw new Error('expected events');
    expect(c.events[0]).toMatchObject({ kind: 'enrich', source: 'wecom', change: 'created', employee: { id: 'zhangsan' } });
    expect(c.respond({ eventIds: [], actions: [] }).body).toBe('success');
    const u = wecom.receive(toReq(weComRequest('/', weComContactXml('update_user', 'zhangsan'))), now);
    expect(u.kind === 'events' && u.events[0]).toMatchObject({ change: 'modified' });
  });

  it('turns change_contact delete_user into a leave', () => {
    const d = wecom.receive(toReq(weComRequest('/', weComContactXml('delete_user', 'zhangsan'))), now);
    expect(d.kind === 'events' && d.events[0]).toMatchObject({ kind: 'left', source: 'wecom', employee: { id: 'zhangsan' } });
  });

  it('refuses a wrong signature and a URL check for another corp', () => {
    const good = weComRequest('/', weComContactXml('create_user', 'x'));
    expect(() => wecom.receive(toReq({ ...good, body: good.body.replace(/<Encrypt><!\[CDATA\[./, '<Encrypt><![CDATA[A') }), now)).toThrow(SignatureError);
    const otherCorp = weComUrlCheck('/', 'echo', { ...S, WECOM_CORP_ID: 'wwother' });
    expect(() => wecom.receive(toReq({ url: otherCorp, body: '', headers: {} }, 'GET'), now)).toThrow(DecryptError);
  });

  it('reads a full update_user event, nested ExtAttr and all (the layout of the WeCom docs)', () => {
    const xml = `<xml><ToUserName><![CDATA[${S.WECOM_CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>update_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><NewUserID><![CDATA[zhangsan001]]></NewUserID><Name><![CDATA[<UserID>mallory</UserID>]]></Name><Department><![CDATA[1,2,3]]></Department><MainDepartment>1</MainDepartment><IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept><Position><![CDATA[产品经理]]></Position><Mobile>13800000000</Mobile><Gender>1</Gender><Email><![CDATA[zhangsan@gzdev.com]]></Email><Status>1</Status><Avatar><![CDATA[http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0]]></Avatar><Alias><![CDATA[zhangsan]]></Alias><Telephone><![CDATA[020-111111]]></Telephone><ExtAttr><Item><Name><![CDATA[爱好]]></Name><Type>0</Type><Text><Value><![CDATA[旅游]]></Value></Text></Item><Item><Name><![CDATA[卡号]]></Name><Type>1</Type><Web><Title><![CDATA[企业微信]]></Title><Url><![CDATA[https://work.weixin.qq.com]]></Url></Web></Item></ExtAttr></xml>`;
    const r = wecom.receive(toReq(weComRequest('/', xml)), now);
    if (r.kind !== 'events') throw new Error('expected events');
    expect(r.events).toEqual([
      expect.objectContaining({ kind: 'enrich', change: 'modified', employee: { id: 'zhangsan' }, occurredAt: new Date(1403610513_000).toISOString() }),
    ]);
  });

  it('refuses a body whose <Encrypt> is not a child of the root, or whose decrypted message is not XML', () => {
    const good = weComRequest('/', weComContactXml('create_user', 'x'));
    expect(() => wecom.receive(toReq({ ...good, body: `<xml><Other>${good.body}</Other></xml>` }), now)).toThrow(ValidationError);
    expect(() => wecom.receive(toReq(weComRequest('/', 'not xml')), now)).toThrow(DecryptError);
  });
});

it('feishu sample encryption round-trips', () => {
  expect(feishuDecrypt('k', feishuEncrypt('k', 'hello'))).toBe('hello');
});
