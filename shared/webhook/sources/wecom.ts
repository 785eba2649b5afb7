/**
 * WeCom (企业微信), `/webhooks/wecom` (https://developer.work.weixin.qq.com/document/path/90968). The same SHA-1 signature and AES scheme as DingTalk, with
 * the CorpID as receive id; query `msg_signature`, `timestamp` (s), `nonce`.
 * - GET with `echostr`: the URL check; the decrypted echostr is answered as plain text.
 * - POST XML `<xml><Encrypt>…</Encrypt></xml>`: `change_contact` with `create_user` → enrich (join),
 *   `update_user` → enrich (possible transfer); anything else is acknowledged and ignored. The answer is `success`.
 * Since 2022 these events are thin (user id and department only), so the user is fetched from the WeCom API by the
 * enrich worker. XML is read in one linear pass by `readXmlFields` (shared/hr/xml-fields.ts), never by a general
 * parser (no entity expansion, no bombs).
 * Dedupe key: CreateTime + UserID + ChangeType.
 */
import { DecryptError, ValidationError } from '../../errors.js';
import { verifyWxSignature, wxDecrypt } from '../../hr/wx-biz-crypto.js';
import { readXmlFields } from '../../hr/xml-fields.js';
import type { WebhookRequest } from '../http-event.js';
import type { InboundEvent } from '../../routing.js';
import type { Received, SourceAdapter } from '../source.js';

export interface WeComOptions {
  token: string;
  encodingAesKey: string;
  corpId: string;
  toleranceSeconds: number;
}

const text = (statusCode: number, body: string) => ({ statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

export function weComSource(opts: WeComOptions): SourceAdapter {
  return {
    name: 'wecom',
    methods: ['GET', 'POST'],
    receive(req: WebhookRequest, nowMs: number): Received {
      const { msg_signature: signature, timestamp, nonce } = req.query;
      const check = (encrypt: string) =>
        verifyWxSignature({
          token: opts.token,
          timestamp,
          nonce,
          signature,
          encrypt,
          nowSec: nowMs / 1000,
          toleranceSec: opts.toleranceSeconds,
          timestampUnit: 'auto',
        });
      if (req.method === 'GET') return urlCheck(opts, req, check);
      const encrypt = readXmlFields(req.rawBody.toString('utf8'))?.get('Encrypt');
      if (!encrypt) throw new ValidationError('the body has no <Encrypt>', [{ path: 'Encrypt', message: 'is required' }]);
      check(encrypt);
      const fields = readXmlFields(wxDecrypt(opts.encodingAesKey, encrypt, opts.corpId).message);
      if (!fields) throw new DecryptError('the decrypted message is not XML');
      return { kind: 'events', replayKey: `${timestamp}.${nonce}.${signature}`, respond: () => text(200, 'success'), ...contactEvents(fields, nowMs) };
    },
  };
}

/** The URL check (GET): the decrypted `echostr`, once its signature holds. */
function urlCheck(opts: WeComOptions, req: WebhookRequest, check: (encrypt: string) => void): Received {
  const echostr = req.query.echostr;
  if (!echostr) throw new ValidationError('the URL check has no echostr', [{ path: 'echostr', message: 'is required' }]);
  check(echostr);
  return { kind: 'reply', response: text(200, wxDecrypt(opts.encodingAesKey, echostr, opts.corpId).message) };
}

/**
 * A `change_contact` callback: `create_user` / `update_user` are thin (an id only: enriched from the user API);
 * `delete_user` goes straight to the leave queue (the user API no longer returns a deleted user; the ledger has the
 * email). Anything else is acknowledged and ignored.
 */
function contactEvents(fields: Map<string, string>, nowMs: number): { events: InboundEvent[]; ignored?: string } {
  const event = fields.get('Event');
  const changeType = fields.get('ChangeType');
  const change = event === 'change_contact' ? (changeType === 'create_user' ? 'created' : changeType === 'update_user' ? 'modified' : undefined) : undefined;
  const leave = event === 'change_contact' && changeType === 'delete_user';
  if (!change && !leave) return { events: [], ignored: `event ${event ?? '?'}/${changeType ?? '?'} is not handled` };
  const userId = fields.get('UserID');
  if (!userId || userId.length > 256) throw new ValidationError('the event names no user', [{ path: 'UserID', message: 'is required' }]);
  const created = fields.get('CreateTime');
  const occurredAt = new Date(created && /^\d{9,11}$/.test(created) ? Number(created) * 1000 : nowMs).toISOString();
  const sourceEventId = `${created ?? ''}:${userId}:${changeType}`;
  if (leave) return { events: [{ kind: 'left', source: 'wecom', sourceEventId, occurredAt, employee: { id: userId } }] };
  return { events: [{ kind: 'enrich', source: 'wecom', sourceEventId, occurredAt, change: change as 'created' | 'modified', employee: { id: userId } }] };
}
