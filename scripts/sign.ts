/**
 * `npm run sign -- [--source generic|feishu|dingtalk|wecom] [--url URL] [--handshake] [--type join|transfer]
 *                  [--employee E1001] [--email a@b.c] [--office Shanghai] [--from Shanghai] [--to Hangzhou]`
 * Prints a curl command carrying a freshly signed (and, for Feishu, DingTalk and WeCom, encrypted) request: for the
 * local stack by default, or for a deployed webhook as a smoke test. Secrets come from the same variables the
 * function reads (HR_WEBHOOK_SECRET, FEISHU_*, DINGTALK_*, WECOM_*), else the local stack's; `--secret` overrides
 * the generic one. `--handshake` prints the platform's URL check instead (Feishu challenge, DingTalk check_url,
 * WeCom GET echostr).
 *
 * Expected answers: generic 202 with the event id; Feishu 200 `{}` (handshake: `{"challenge"}`); DingTalk 200 with
 * the encrypted `success` JSON; WeCom 200 `success` (handshake: the echostr in plain text).
 * DingTalk and WeCom events name only a user id (`--employee`): it must exist in that HR system.
 */
import { parseArgs } from 'node:util';
import { dingTalkRequest, feishuRequest, feishuUserCreated, LOCAL_SOURCES, weComContactXml, weComRequest, weComUrlCheck } from '../local/hr-samples.js';
import { sampleJoin, sampleTransfer, signedGenericRequest, toCurl } from '../local/sample.js';
import { LOCAL_WEBHOOK_SECRET } from '../local/stack.js';

const { values: v } = parseArgs({
  options: {
    source: { type: 'string', default: 'generic' },
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    secret: { type: 'string', default: process.env.HR_WEBHOOK_SECRET?.split(/\s+/)[0] ?? LOCAL_WEBHOOK_SECRET },
    handshake: { type: 'boolean', default: false },
    type: { type: 'string', default: 'join' },
    employee: { type: 'string', default: 'E1001' },
    email: { type: 'string', default: 'ann.lee@example.com' },
    office: { type: 'string', default: 'Shanghai' },
    from: { type: 'string', default: 'Shanghai' },
    to: { type: 'string', default: 'Hangzhou' },
  },
});

const secrets = Object.fromEntries(Object.entries(LOCAL_SOURCES).map(([k, d]) => [k, process.env[k] || d])) as typeof LOCAL_SOURCES;
// Accept the bare function URL or the full webhook URL.
const base = (v.url as string).replace(/\/webhooks\/[a-z]+\/?$/, '').replace(/\/$/, '');
const url = `${base}/webhooks/${v.source}`;

switch (v.source) {
  case 'generic': {
    const payload = v.type === 'transfer' ? sampleTransfer(v.employee, v.email, v.from, v.to) : sampleJoin(v.employee, v.email, v.office);
    console.log(toCurl(signedGenericRequest(url, v.secret as string, payload)));
    break;
  }
  case 'feishu': {
    const event = v.handshake
      ? { challenge: `smoke-${Date.now()}`, token: secrets.FEISHU_VERIFICATION_TOKEN, type: 'url_verification' }
      : feishuUserCreated({ user_id: v.employee, name: 'Smoke Test', email: v.email, city: v.office, work_station: v.office }, secrets);
    console.log(toCurl(feishuRequest(url, event, secrets)));
    break;
  }
  case 'dingtalk': {
    const event = v.handshake ? { EventType: 'check_url' } : { EventType: 'user_add_org', UserId: [v.employee], TimeStamp: String(Date.now()) };
    console.log(toCurl(dingTalkRequest(url, event, secrets)));
    break;
  }
  case 'wecom':
    console.log(v.handshake ? `curl -sS '${weComUrlCheck(url, `smoke-${Date.now()}`, secrets)}'` : toCurl(weComRequest(url, weComContactXml('create_user', v.employee, secrets), secrets)));
    break;
  default:
    console.error(`unknown --source ${v.source}: use generic, feishu, dingtalk or wecom`);
    process.exit(2);
}
