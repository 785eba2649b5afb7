/**
 * DingTalk HTTP push, `/webhooks/dingtalk` (https://github.com/open-dingtalk/DingTalk-Callback-Crypto). Query `signature`|`msg_signature`,
 * `timestamp`|`timeStamp` (ms), `nonce`; body `{"encrypt"}`. The signature is SHA-1 over the sorted
 * [token, timestamp, nonce, encrypt]; the ciphertext is AES-256-CBC with key base64(aesKey + "="), IV from the key,
 * PKCS#7 to 32 bytes, and must end with our owner key (the app key). Every answer — `check_url` included — is the
 * encrypted `success` JSON, within DingTalk's 1,500 ms.
 *
 * DingTalk events carry only user ids (`UserId[]`), so `user_add_org` and `user_modify_org` become enrich requests
 * (one per user) for the enrich worker, which fetches the user from the DingTalk API. Other events are acknowledged
 * and ignored. There is no event id: the dedupe key is a hash of the decrypted body plus the user id.
 * Timestamps are milliseconds in the official samples; the unit is read by magnitude, so seconds would work too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DecryptError, ValidationError } from '../../errors.js';
import { verifyWxSignature, wxDecrypt, wxSeal } from '../../hr/wx-biz-crypto.js';
import type { InboundEvent } from '../../routing.js';
import { json, type WebhookRequest } from '../http-event.js';
import { parseBoundedJson, parseJsonBody } from '../json-body.js';
import type { Received, SourceAdapter } from '../source.js';

export interface DingTalkOptions {
  token: string;
  aesKey: string;
  /** The owner key: the app key (event subscriptions of internal apps) or the corp id (legacy callbacks). */
  appKey: string;
  toleranceSeconds: number;
}

/** The encrypted `success` answer DingTalk requires. */
export function dingTalkSuccess(opts: Pick<DingTalkOptions, 'token' | 'aesKey' | 'appKey'>, nowMs: number) {
  const sealed = wxSeal({
    token: opts.token,
    encodingAesKey: opts.aesKey,
    receiveId: opts.appKey,
    message: 'success',
    timestamp: String(nowMs),
    nonce: randomBytes(6).toString('hex'),
  });
  return json(200, { msg_signature: sealed.signature, timeStamp: sealed.timestamp, nonce: sealed.nonce, encrypt: sealed.encrypt });
}

export function dingTalkSource(opts: DingTalkOptions): SourceAdapter {
  return {
    name: 'dingtalk',
    methods: ['POST'],
    receive(req: WebhookRequest, nowMs: number): Received {
      const q = req.query;
      const signature = q.msg_signature ?? q.signature;
      const timestamp = q.timeStamp ?? q.timestamp;
      const nonce = q.nonce;
      const body = parseJsonBody(req.rawBody) as { encrypt?: unknown } | null;
      if (!body || typeof body !== 'object' || typeof body.encrypt !== 'string')
        throw new ValidationError('the body has no "encrypt"', [{ path: 'encrypt', message: 'is required' }]);
      verifyWxSignature({
        token: opts.token,
        timestamp,
        nonce,
        signature,
        encrypt: body.encrypt,
        nowSec: nowMs / 1000,
        toleranceSec: opts.toleranceSeconds,
        timestampUnit: 'auto',
      });
      const { message } = wxDecrypt(opts.aesKey, body.encrypt, opts.appKey);
      let ev: { EventType?: unknown; UserId?: unknown; TimeStamp?: unknown };
      try {
        ev = parseBoundedJson(message) as typeof ev;
      } catch (err) {
        if (err instanceof ValidationError) throw err;
        throw new DecryptError('the decrypted message is not JSON');
      }
      const respond = () => dingTalkSuccess(opts, Date.now());
      const replayKey = `${timestamp}.${nonce}.${signature}`;
      if (ev.EventType === 'check_url') return { kind: 'reply', response: respond() };
      const leave = ev.EventType === 'user_leave_org';
      const change = ev.EventType === 'user_add_org' ? 'created' : ev.EventType === 'user_modify_org' ? 'modified' : undefined;
      if (!change && !leave) return { kind: 'events', events: [], replayKey, respond, ignored: `event type ${String(ev.EventType)} is not handled` };
      const ids = Array.isArray(ev.UserId) ? ev.UserId.filter((u): u is string => typeof u === 'string' && u.length > 0 && u.length <= 256) : [];
      if (ids.length === 0) throw new ValidationError('the event names no user', [{ path: 'UserId', message: 'must list at least one user id' }]);
      const ts = typeof ev.TimeStamp === 'string' && /^\d{10,16}$/.test(ev.TimeStamp) ? Number(ev.TimeStamp) : nowMs;
      const digest = createHash('sha256').update(message).digest('hex').slice(0, 32);
      const occurredAt = new Date(ts).toISOString();
      // A leaver is no longer returned by the user API: the leave goes straight to the leave queue, whose worker
      // finds the email in the ledger.
      if (leave) {
        const left = ids.map((id): InboundEvent => ({ kind: 'left', source: 'dingtalk', sourceEventId: `${digest}:${id}`, occurredAt, employee: { id } }));
        return { kind: 'events', events: left, replayKey, respond };
      }
      const events: InboundEvent[] = ids.map((id) => ({
        kind: 'enrich',
        source: 'dingtalk',
        sourceEventId: `${digest}:${id}`,
        occurredAt: new Date(ts).toISOString(),
        change: change as 'created' | 'modified',
        employee: { id },
      }));
      return { kind: 'events', events, replayKey, respond };
    },
  };
}
