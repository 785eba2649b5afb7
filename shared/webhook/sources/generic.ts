/**
 * The generic source, `/webhooks/generic`: Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`; HMAC-SHA256 over `id.timestamp.body`, several signatures allowed for key rotation, 5-minute
 * tolerance) and this payload:
 *
 * ```json
 * {"type":"employee.joined","timestamp":"2026-11-23T08:00:00Z",
 *  "data":{"employeeId":"E1001","name":"Ann Lee","email":"ann@example.com","office":"Shanghai"}}
 * {"type":"employee.transferred","timestamp":"…",
 *  "data":{"employeeId":"E1001","name":"Ann Lee","email":"ann@example.com","from":{"office":"Shanghai"},"to":{"site":"bj"}}}
 * ```
 * `data.site` (a site id) may replace `office`. Other `type`s are acknowledged and ignored.
 */
import * as z from 'zod/mini';
import { UnsupportedMediaTypeError, ValidationError } from '../../errors.js';
import { verifyStandardWebhook } from '../../hr/standard-webhooks.js';
import { toFieldIssues } from '../../validation.js';
import { json, type WebhookRequest } from '../http-event.js';
import type { Received, SourceAdapter } from '../source.js';

// Built on first use (z.lazy), like every module-level schema: see shared/events.ts.
const locationSchema = () =>
  z
    .object({ office: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(256))), site: z.optional(z.string().check(z.minLength(1), z.maxLength(64))) })
    .check(z.refine((l) => l.office !== undefined || l.site !== undefined, { message: 'needs "office" or "site"' }));

const person = () => ({
  employeeId: z.string().check(z.minLength(1), z.maxLength(256)),
  name: z.string().check(z.maxLength(256)),
  email: z.email().check(z.maxLength(64)),
});

const Envelope = z.lazy(() => z.object({ type: z.string().check(z.minLength(1), z.maxLength(128)), timestamp: z.iso.datetime({ offset: true }), data: z.unknown() }));
const JoinedData = z.lazy(() =>
  z.object({ ...person(), office: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(256))), site: z.optional(z.string().check(z.minLength(1), z.maxLength(64))) }).check(
    z.refine((d) => d.office !== undefined || d.site !== undefined, { message: 'needs "office" or "site"', path: ['office'] }),
  ),
);
const TransferredData = z.lazy(() => z.object({ ...person(), from: locationSchema(), to: locationSchema() }));

export const GENERIC_EVENT_TYPES = ['employee.joined', 'employee.transferred'] as const;

function validate<T>(schema: z.ZodMiniType<T>, value: unknown, prefix: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = toFieldIssues(r.error.issues).map((i) => ({ path: prefix ? `${prefix}.${i.path}`.replace('.(root)', '') : i.path, message: i.message }));
    throw new ValidationError('the payload is invalid', issues);
  }
  return r.data;
}

export function genericSource(opts: { secrets: string[]; toleranceSeconds: number }): SourceAdapter {
  return {
    name: 'generic',
    methods: ['POST'],
    receive(req: WebhookRequest, nowMs: number): Received {
      const id = req.header('webhook-id');
      const timestamp = req.header('webhook-timestamp');
      verifyStandardWebhook({
        secrets: opts.secrets,
        id,
        timestamp,
        signature: req.header('webhook-signature'),
        rawBody: req.rawBody,
        nowSec: Math.floor(nowMs / 1000),
        toleranceSec: opts.toleranceSeconds,
      });
      const ct = req.header('content-type');
      if (ct && !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(ct.trim())) throw new UnsupportedMediaTypeError(`content-type ${ct} is not JSON`);
      let body: unknown;
      try {
        body = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        throw new UnsupportedMediaTypeError('the body is not JSON');
      }
      const env = validate(Envelope, body, '');
      const respond = (r: { eventIds: string[]; actions: string[] }) =>
        json(202, { status: 'accepted', eventId: r.eventIds[0], action: r.actions[0] ?? 'ignored' });
      const base = { source: 'generic' as const, sourceEventId: id as string, occurredAt: env.timestamp };
      if (env.type === 'employee.joined') {
        const d = validate(JoinedData, env.data, 'data');
        const employee = { id: d.employeeId, email: d.email, name: d.name };
        return { kind: 'events', replayKey: `${id}.${timestamp}`, respond, events: [{ kind: 'joined', ...base, employee, location: d.site !== undefined ? { site: d.site } : { office: d.office } }] };
      }
      if (env.type === 'employee.transferred') {
        const d = validate(TransferredData, env.data, 'data');
        const employee = { id: d.employeeId, email: d.email, name: d.name };
        return { kind: 'events', replayKey: `${id}.${timestamp}`, respond, events: [{ kind: 'transferred', ...base, employee, from: d.from, to: d.to }] };
      }
      return { kind: 'events', events: [], ignored: `event type "${env.type}" is not handled`, replayKey: `${id}.${timestamp}`, respond: () => json(202, { status: 'ignored', type: env.type }) };
    },
  };
}
