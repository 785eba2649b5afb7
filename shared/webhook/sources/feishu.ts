/**
 * Feishu/Lark, `/webhooks/feishu` (https://open.larkoffice.com/document/server-docs/event-subscription-guide/overview.md). Plain or encrypted (`{"encrypt"}`: AES-256-CBC, key
 * SHA-256(Encrypt Key), IV prefixed) bodies.
 * - With an Encrypt Key: `X-Lark-Signature` = hex SHA-256(timestamp + nonce + key + raw body) is required
 *   (plain SHA-256, not HMAC), within the replay window; the URL check, which Feishu sends unsigned, is accepted when
 *   it decrypts with our key (and carries our verification token, if one is set). A plaintext body is refused.
 * - Without one: the verification token in the body (`header.token`, or `token` for the URL check) must match.
 * - `url_verification` is answered `{"challenge"}` (Feishu allows 1 s, cold start included).
 * - `contact.user.created_v3` → joined; `contact.user.updated_v3` → transferred when `old_object` (which holds only
 *   the changed fields) changes `work_station`, `city` or `department_ids` (routing then decides: same site → no-op);
 *   any other event → acknowledged and ignored. Dedupe key: `header.event_id`.
 * The timestamp unit is read by magnitude (`auto`): the docs imply seconds, which is unverified, and either works.
 * Whether Feishu re-sends retries with their original timestamp is unverified too: if it does, a retry arriving
 * after the replay window gets 401 and only the first delivery counts (the event is not lost: Feishu marks it
 * failed in its console).
 */
import { timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { DecryptError, SignatureError, ValidationError } from '../../errors.js';
import { feishuDecrypt, verifyFeishuSignature } from '../../hr/feishu-crypto.js';
import type { InboundEvent } from '../../routing.js';
import type { Location } from '../../sites.js';
import { toFieldIssues } from '../../validation.js';
import { json, type WebhookRequest } from '../http-event.js';
import { parseBoundedJson, parseJsonBody } from '../json-body.js';
import type { Received, SourceAdapter } from '../source.js';

// Built on first use (z.lazy), like every module-level schema: see shared/events.ts.
const userObject = () =>
  z.object({
    user_id: z.optional(z.string()),
    open_id: z.optional(z.string()),
    name: z.optional(z.string()),
    email: z.optional(z.string()),
    enterprise_email: z.optional(z.string()),
    city: z.optional(z.string()),
    work_station: z.optional(z.string()),
    department_ids: z.optional(z.array(z.string())),
    status: z.optional(z.object({ is_resigned: z.optional(z.boolean()) })),
  });
export type FeishuUser = z.infer<ReturnType<typeof userObject>>;

const EventSchema = z.lazy(() =>
  z.object({
    schema: z.optional(z.string()),
    header: z.object({
      event_id: z.string().check(z.minLength(1)),
      event_type: z.string(),
      create_time: z.optional(z.string()),
      token: z.optional(z.string()),
    }),
    event: z.optional(z.object({ object: z.optional(userObject()), old_object: z.optional(userObject()) })),
  }),
);

const JoinedUser = z.lazy(() => z.object({ email: z.email(), name: z.optional(z.string()) }));

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const location = (u: FeishuUser): Location => ({ offices: [u.work_station, u.city].filter((o): o is string => !!o), departmentIds: u.department_ids ?? [] });

/** A Feishu user's employee id (`user_id`, else `open_id`), email (else `enterprise_email`) and location: events and the contact v3 lists alike. */
export function feishuUserFields(u: FeishuUser): { id?: string; email?: string; location: Location } {
  return { id: u.user_id || u.open_id, email: u.email || u.enterprise_email, location: location(u) };
}

function employeeOf(u: FeishuUser, path: string) {
  const { id, email } = feishuUserFields(u);
  const checked = JoinedUser.safeParse({ email, name: u.name });
  const issues = checked.success
    ? []
    : toFieldIssues(checked.error.issues).map((i) => ({ path: `${path}.${i.path === 'email' ? 'email' : i.path}`, message: i.message }));
  if (!id) issues.push({ path: `${path}.user_id`, message: 'is required (or open_id)' });
  if (issues.length) throw new ValidationError('the Feishu user lacks what a SAG account needs', issues);
  return { id: id as string, email: email as string, name: u.name ?? '' };
}

/** A leaver: the id is enough (the ledger knows the email); the email is kept when the event carries a valid one. */
function leaverOf(u: FeishuUser, path: string): { id: string; email?: string } {
  const { id, email } = feishuUserFields(u);
  if (!id) throw new ValidationError('the Feishu user has no id', [{ path: `${path}.user_id`, message: 'is required (or open_id)' }]);
  return email && JoinedUser.safeParse({ email }).success && email.length <= 64 ? { id, email } : { id };
}

/** What a SAG account would lack in the event's user, reported beside the envelope's errors (every field error at once). */
function userIssues(payload: Record<string, unknown>) {
  const user = userObject().safeParse((payload.event as { object?: unknown } | undefined)?.object);
  if (!user.success) return [];
  try {
    employeeOf(user.data, 'event.object');
    return [];
  } catch (err) {
    return err instanceof ValidationError ? err.issues : [];
  }
}

interface FeishuOptions {
  encryptKey?: string;
  verificationToken?: string;
  toleranceSeconds: number;
}

/** The body's JSON payload, decrypted and its signature verified when an Encrypt Key is configured. */
function openEnvelope(req: WebhookRequest, nowMs: number, opts: FeishuOptions): { payload: Record<string, unknown>; replayKey?: string } {
  const body = parseJsonBody(req.rawBody);
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('the body is not a JSON object', [{ path: '(root)', message: 'must be an object' }]);
  const payload = body as Record<string, unknown>;
  if (typeof payload.encrypt !== 'string') {
    if (opts.encryptKey) throw new SignatureError('a plaintext body arrived while an Encrypt Key is configured');
    return { payload };
  }
  if (!opts.encryptKey) throw new DecryptError('an encrypted body arrived but FEISHU_ENCRYPT_KEY is not set');
  const timestamp = req.header('x-lark-request-timestamp');
  const nonce = req.header('x-lark-request-nonce');
  const signature = req.header('x-lark-signature');
  const signed = !!(signature || timestamp || nonce);
  if (signed) {
    verifyFeishuSignature({
      timestamp,
      nonce,
      signature,
      encryptKey: opts.encryptKey,
      rawBody: req.rawBody,
      nowSec: Math.floor(nowMs / 1000),
      toleranceSec: opts.toleranceSeconds,
      timestampUnit: 'auto',
    });
  }
  return { payload: decryptPayload(opts.encryptKey, payload.encrypt), replayKey: signed ? `${timestamp}.${nonce}.${signature}` : undefined };
}

function decryptPayload(encryptKey: string, encrypted: string): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = parseBoundedJson(feishuDecrypt(encryptKey, encrypted));
  } catch (err) {
    if (err instanceof DecryptError || err instanceof ValidationError) throw err;
    throw new DecryptError('the decrypted body is not JSON');
  }
  if (!payload || typeof payload !== 'object') throw new DecryptError('the decrypted body is not a JSON object');
  return payload as Record<string, unknown>;
}

/** The verification token, then the URL check's answer (undefined for an event). */
function answerChallenge(payload: Record<string, unknown>, opts: FeishuOptions): Received | undefined {
  const isChallenge = payload.type === 'url_verification';
  const token = isChallenge ? payload.token : (payload.header as { token?: unknown } | undefined)?.token;
  if (opts.verificationToken && !sameSecret(typeof token === 'string' ? token : undefined, opts.verificationToken)) {
    throw new SignatureError('the verification token does not match');
  }
  if (!isChallenge) return undefined;
  if (typeof payload.challenge !== 'string') throw new ValidationError('url_verification without a challenge', [{ path: 'challenge', message: 'is required' }]);
  return { kind: 'reply', response: json(200, { challenge: payload.challenge }) };
}

/** The canonical event a contact event stands for: created → join, deleted or resigned → leave, moved → transfer. */
function mapEvent(payload: Record<string, unknown>, replayKey: string | undefined, nowMs: number): Received {
  const parsed = EventSchema.safeParse(payload);
  if (!parsed.success) throw new ValidationError('the Feishu event is invalid', [...toFieldIssues(parsed.error.issues), ...userIssues(payload)]);
  const ev = parsed.data;
  const created = ev.header.create_time && /^\d{10,16}$/.test(ev.header.create_time) ? Number(ev.header.create_time) : nowMs;
  const base = { source: 'feishu' as const, sourceEventId: ev.header.event_id, occurredAt: new Date(created).toISOString() };
  const events = (list: InboundEvent[], ignored?: string): Received => ({ kind: 'events', replayKey, respond: () => json(200, {}), events: list, ignored });
  const object = ev.event?.object;
  const type = ev.header.event_type;
  if (!object) return events([], `event type ${type} is not handled`);
  if (type === 'contact.user.created_v3')
    return events([{ kind: 'joined', ...base, employee: employeeOf(object, 'event.object'), location: location(object) }]);
  if (type === 'contact.user.deleted_v3') return events([{ kind: 'left', ...base, employee: leaverOf(object, 'event.object') }]);
  if (type !== 'contact.user.updated_v3') return events([], `event type ${type} is not handled`);
  const old = ev.event?.old_object ?? {};
  // Resigned: status.is_resigned turned true (old_object lists the fields that changed).
  if (object.status?.is_resigned === true && old.status !== undefined && old.status.is_resigned !== true) {
    return events([{ kind: 'left', ...base, employee: leaverOf(object, 'event.object') }]);
  }
  if (old.work_station === undefined && old.city === undefined && old.department_ids === undefined) {
    return events([], 'user update without a change of work place or department');
  }
  const before: FeishuUser = { ...object, ...old };
  return events([{ kind: 'transferred', ...base, employee: employeeOf(object, 'event.object'), from: location(before), to: location(object) }]);
}

export function feishuSource(opts: FeishuOptions): SourceAdapter {
  return {
    name: 'feishu',
    methods: ['POST'],
    receive(req: WebhookRequest, nowMs: number): Received {
      const { payload, replayKey } = openEnvelope(req, nowMs, opts);
      const challenge = answerChallenge(payload, opts);
      if (challenge) return challenge;
      if (opts.encryptKey && !replayKey) throw new SignatureError('an event arrived without X-Lark-Signature');
      return mapEvent(payload, replayKey, nowMs);
    },
  };
}
