/**
 * Signed (and, where the platform does it, encrypted) sample requests for each HR source, exactly as the HR
 * platforms send them. Used by `npm start` to print ready-to-paste commands and by the tests for round trips.
 */
import { randomBytes } from 'node:crypto';
import { feishuEncrypt, feishuSignature, wxSeal } from '../shared/index.js';
import type { SignedRequest } from './sample.js';

/** Local secrets of the sample sources (the local stack turns these sources on with them). */
export const LOCAL_SOURCES = {
  FEISHU_ENCRYPT_KEY: 'local-feishu-encrypt-key',
  FEISHU_VERIFICATION_TOKEN: 'local-feishu-verification-token',
  // The HR emulator's default Feishu app (emulators/hr/config.ts): a reconcile reads the Feishu roster with it.
  FEISHU_APP_ID: 'cli_local_feishu_app',
  FEISHU_APP_SECRET: 'local-feishu-app-secret',
  DINGTALK_TOKEN: 'local-dingtalk-token',
  DINGTALK_AES_KEY: 'bG9jYWxkaW5ndGFsa2Flc2tleTAwMDAwMDAwMDAwMDA',
  DINGTALK_APP_KEY: 'dinglocalappkey',
  DINGTALK_APP_SECRET: 'local-dingtalk-app-secret',
  WECOM_TOKEN: 'local-wecom-token',
  WECOM_ENCODING_AES_KEY: 'bG9jYWx3ZWNvbWVuY29kaW5nYWVza2V5MDAwMDAwMDA',
  WECOM_CORP_ID: 'wwlocalcorp',
  WECOM_CORP_SECRET: 'local-wecom-corp-secret',
} as const;
type Secrets = Record<keyof typeof LOCAL_SOURCES, string>;

const nonce = () => randomBytes(8).toString('hex');

/** A Feishu event push: encrypted body plus X-Lark-* signature headers. */
export function feishuRequest(url: string, event: unknown, s: Secrets = LOCAL_SOURCES, nowMs = Date.now()): SignedRequest {
  const body = JSON.stringify({ encrypt: feishuEncrypt(s.FEISHU_ENCRYPT_KEY, JSON.stringify(event)) });
  const ts = String(Math.floor(nowMs / 1000));
  const n = nonce();
  return {
    url,
    body,
    headers: {
      'content-type': 'application/json',
      'x-lark-request-timestamp': ts,
      'x-lark-request-nonce': n,
      'x-lark-signature': feishuSignature(ts, n, s.FEISHU_ENCRYPT_KEY, body),
    },
  };
}

export function feishuUserCreated(user: Record<string, unknown>, s: Secrets = LOCAL_SOURCES, eventId = `ev_${nonce()}`) {
  return {
    schema: '2.0',
    header: {
      event_id: eventId,
      event_type: 'contact.user.created_v3',
      create_time: String(Date.now()),
      token: s.FEISHU_VERIFICATION_TOKEN,
      app_id: 'cli_local',
      tenant_key: 'local',
    },
    event: { object: user },
  };
}

export function feishuUserUpdated(user: Record<string, unknown>, old: Record<string, unknown>, s: Secrets = LOCAL_SOURCES, eventId = `ev_${nonce()}`) {
  return {
    schema: '2.0',
    header: {
      event_id: eventId,
      event_type: 'contact.user.updated_v3',
      create_time: String(Date.now()),
      token: s.FEISHU_VERIFICATION_TOKEN,
      app_id: 'cli_local',
      tenant_key: 'local',
    },
    event: { object: user, old_object: old },
  };
}

/** A DingTalk HTTP push: `{"encrypt"}` with signature, timestamp (ms) and nonce in the query. */
export function dingTalkRequest(baseUrl: string, event: unknown, s: Secrets = LOCAL_SOURCES, nowMs = Date.now()): SignedRequest {
  const sealed = wxSeal({
    token: s.DINGTALK_TOKEN,
    encodingAesKey: s.DINGTALK_AES_KEY,
    receiveId: s.DINGTALK_APP_KEY,
    message: JSON.stringify(event),
    timestamp: String(nowMs),
    nonce: nonce(),
  });
  const q = new URLSearchParams({ msg_signature: sealed.signature, timestamp: sealed.timestamp, nonce: sealed.nonce });
  return { url: `${baseUrl}?${q}`, body: JSON.stringify({ encrypt: sealed.encrypt }), headers: { 'content-type': 'application/json' } };
}

/** A WeCom callback: XML `<Encrypt>` with msg_signature, timestamp (s) and nonce in the query. */
export function weComRequest(baseUrl: string, innerXml: string, s: Secrets = LOCAL_SOURCES, nowMs = Date.now()): SignedRequest {
  const sealed = wxSeal({
    token: s.WECOM_TOKEN,
    encodingAesKey: s.WECOM_ENCODING_AES_KEY,
    receiveId: s.WECOM_CORP_ID,
    message: innerXml,
    timestamp: String(Math.floor(nowMs / 1000)),
    nonce: nonce(),
  });
  const q = new URLSearchParams({ msg_signature: sealed.signature, timestamp: sealed.timestamp, nonce: sealed.nonce });
  const body = `<xml><ToUserName><![CDATA[${s.WECOM_CORP_ID}]]></ToUserName><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
  return { url: `${baseUrl}?${q}`, body, headers: { 'content-type': 'text/xml' } };
}

export function weComContactXml(
  changeType: 'create_user' | 'update_user' | 'delete_user',
  userId: string,
  s: Secrets = LOCAL_SOURCES,
  createTime = Math.floor(Date.now() / 1000),
): string {
  return `<xml><ToUserName><![CDATA[${s.WECOM_CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>${changeType}</ChangeType><UserID><![CDATA[${userId}]]></UserID></xml>`;
}

/** The WeCom URL check: GET with an encrypted echostr. */
export function weComUrlCheck(baseUrl: string, echo: string, s: Secrets = LOCAL_SOURCES, nowMs = Date.now()): string {
  const sealed = wxSeal({
    token: s.WECOM_TOKEN,
    encodingAesKey: s.WECOM_ENCODING_AES_KEY,
    receiveId: s.WECOM_CORP_ID,
    message: echo,
    timestamp: String(Math.floor(nowMs / 1000)),
    nonce: nonce(),
  });
  return `${baseUrl}?${new URLSearchParams({ msg_signature: sealed.signature, timestamp: sealed.timestamp, nonce: sealed.nonce, echostr: sealed.encrypt })}`;
}
