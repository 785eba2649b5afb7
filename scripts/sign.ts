/**
 * Signed (and, for Feishu, DingTalk and WeCom, encrypted) HR requests, for the local stack or a deployed webhook as a
 * smoke test: `hr-sag-sync sign` (cli/commands/sign.ts) prints them as curl commands; `npm run sign` is its alias.
 * Secrets come from the same variables the function reads (HR_WEBHOOK_SECRET, FEISHU_*, DINGTALK_*, WECOM_*), else
 * the local stack's; `secret` overrides the generic one.
 *
 * Expected answers: generic 202 with the event id; Feishu 200 `{}` (handshake: `{"challenge"}`); DingTalk 200 with
 * the encrypted `success` JSON; WeCom 200 `success` (handshake: the echostr in plain text).
 * DingTalk and WeCom events name only a user id (`employee`): it must exist in that HR system.
 */
import { dingTalkRequest, feishuRequest, feishuUserCreated, LOCAL_SOURCES, weComContactXml, weComRequest, weComUrlCheck } from '../local/hr-samples.js';
import { sampleJoin, sampleLeave, sampleTransfer, signedGenericRequest, toCurl, type SignedRequest } from '../local/sample.js';
import { LOCAL_WEBHOOK_SECRET } from '../local/stack.js';

export const SIGN_SOURCES = ['generic', 'feishu', 'dingtalk', 'wecom'] as const;
export type SignSource = (typeof SIGN_SOURCES)[number];

export interface SignOptions {
  source: SignSource;
  /** The bare function URL or the full webhook URL. */
  url: string;
  /** The generic source's secret (default: the first of HR_WEBHOOK_SECRET, else the local stack's). */
  secret?: string;
  handshake?: boolean;
  type: 'join' | 'transfer' | 'leave';
  employee: string;
  email: string;
  office: string;
  from: string;
  to: string;
}

/** A request to send: POST with headers and body, or (WeCom URL check) a bare GET. */
export type SignedCall = ({ method: 'POST' } & SignedRequest) | { method: 'GET'; url: string };

/** The signed request for `o`, secrets from `env` (else the local stack's). */
export function signedCall(o: SignOptions, env: NodeJS.ProcessEnv): SignedCall {
  const secrets = Object.fromEntries(Object.entries(LOCAL_SOURCES).map(([k, d]) => [k, env[k] || d])) as typeof LOCAL_SOURCES;
  const base = o.url.replace(/\/webhooks\/[a-z]+\/?$/, '').replace(/\/$/, '');
  const url = `${base}/webhooks/${o.source}`;
  switch (o.source) {
    case 'generic': {
      const payload =
        o.type === 'transfer'
          ? sampleTransfer(o.employee, o.email, o.from, o.to)
          : o.type === 'leave'
            ? sampleLeave(o.employee, o.email)
            : sampleJoin(o.employee, o.email, o.office);
      const secret = o.secret ?? env.HR_WEBHOOK_SECRET?.split(/\s+/).find(Boolean) ?? LOCAL_WEBHOOK_SECRET;
      return { method: 'POST', ...signedGenericRequest(url, secret, payload) };
    }
    case 'feishu': {
      const event = o.handshake
        ? { challenge: `smoke-${Date.now()}`, token: secrets.FEISHU_VERIFICATION_TOKEN, type: 'url_verification' }
        : feishuUserCreated({ user_id: o.employee, name: 'Smoke Test', email: o.email, city: o.office, work_station: o.office }, secrets);
      return { method: 'POST', ...feishuRequest(url, event, secrets) };
    }
    case 'dingtalk': {
      const event = o.handshake ? { EventType: 'check_url' } : { EventType: 'user_add_org', UserId: [o.employee], TimeStamp: String(Date.now()) };
      return { method: 'POST', ...dingTalkRequest(url, event, secrets) };
    }
    case 'wecom':
      return o.handshake
        ? { method: 'GET', url: weComUrlCheck(url, `smoke-${Date.now()}`, secrets) }
        : { method: 'POST', ...weComRequest(url, weComContactXml('create_user', o.employee, secrets), secrets) };
  }
}

/** The call as a ready-to-paste curl command. */
export function curlOf(call: SignedCall): string {
  return call.method === 'GET' ? `curl -sS '${call.url}'` : toCurl(call);
}
