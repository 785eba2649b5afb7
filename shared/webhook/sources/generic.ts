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
 * {"type":"employee.left","timestamp":"…","data":{"employeeId":"E1001","email":"ann@example.com"}}
 * ```
 * `data.site` (a site id) may replace `office`. A leave needs only `employeeId` (`email` when known). Other `type`s are acknowledged and ignored. The JSON Schema of
 * this payload, {@link GenericPayloadSchema}, is published as docs/schemas/generic-webhook.v1.json.
 */
import * as z from 'zod/mini';
import { UnsupportedMediaTypeError, ValidationError } from '../../errors.js';
import { verifyStandardWebhook } from '../../hr/standard-webhooks.js';
import { toFieldIssues } from '../../validation.js';
import { json, type WebhookRequest } from '../http-event.js';
import { parseJsonBody } from '../json-body.js';
import type { Received, SourceAdapter } from '../source.js';

// Built on first use (z.lazy), like every module-level schema: see shared/events.ts.
const office = () =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(256),
      z.meta({ description: "The employee's office, as the site directory lists it under a site's `offices`" }),
    );
const site = () => z.string().check(z.minLength(1), z.maxLength(64), z.meta({ description: 'A site id of the directory, instead of an office' }));
/** "office or site", in the published JSON Schema (the zod refinement itself is not expressible there). */
const officeOrSite = { anyOf: [{ required: ['office'] }, { required: ['site'] }] };

const locationSchema = () =>
  z.object({ office: z.optional(office()), site: z.optional(site()) }).check(
    z.refine((l) => l.office !== undefined || l.site !== undefined, { message: 'needs "office" or "site"' }),
    z.meta(officeOrSite),
  );

const person = () => ({
  employeeId: z.string().check(z.minLength(1), z.maxLength(256), z.meta({ description: "The HR system's stable employee id" })),
  name: z.string().check(z.maxLength(256)),
  email: z.email().check(z.maxLength(64), z.meta({ description: "The SAG client user's email (and its user name under the site's userNamePolicy 'email')" })),
});

const timestamp = () => z.iso.datetime({ offset: true }).check(z.meta({ description: 'When the change happened in the HR system (ISO 8601 with offset)' }));
const Envelope = z.lazy(() => z.object({ type: z.string().check(z.minLength(1), z.maxLength(128)), timestamp: timestamp(), data: z.unknown() }));
const joinedData = () =>
  z.object({ ...person(), office: z.optional(office()), site: z.optional(site()) }).check(
    z.refine((d) => d.office !== undefined || d.site !== undefined, { message: 'needs "office" or "site"', path: ['office'] }),
    z.meta(officeOrSite),
  );
const transferredData = () => z.object({ ...person(), from: locationSchema(), to: locationSchema() });
const leftData = () =>
  z.object({
    employeeId: person().employeeId,
    email: z.optional(person().email),
  });
const JoinedData = z.lazy(joinedData);
const LeftData = z.lazy(leftData);
const TransferredData = z.lazy(transferredData);

/**
 * The generic webhook payload, as published in docs/schemas/generic-webhook.v1.json: one of the three handled event
 * types (others are acknowledged with 202 and ignored).
 */
export const GenericPayloadSchema = z.lazy(() =>
  z.union([
    z.object({ type: z.literal('employee.joined'), timestamp: timestamp(), data: joinedData() }),
    z.object({ type: z.literal('employee.transferred'), timestamp: timestamp(), data: transferredData() }),
    z.object({ type: z.literal('employee.left'), timestamp: timestamp(), data: leftData() }),
  ]),
);

export const GENERIC_EVENT_TYPES = ['employee.joined', 'employee.transferred', 'employee.left'] as const;

interface Payload {
  type: string;
  timestamp: string;
  joined?: z.infer<typeof JoinedData>;
  transferred?: z.infer<typeof TransferredData>;
  left?: z.infer<typeof LeftData>;
}

/** Field issues of one schema, their paths under `prefix`. */
function issuesOf(r: { success: boolean; error?: { issues: z.core.$ZodIssue[] } }, prefix: string) {
  if (r.success || !r.error) return [];
  return toFieldIssues(r.error.issues).map((i) => ({ path: prefix ? `${prefix}.${i.path}`.replace('.(root)', '') : i.path, message: i.message }));
}

/** Validates the envelope and, for a handled type, `data`, reporting every field error of both at once. */
function validatePayload(body: unknown): Payload {
  const envelope = Envelope.safeParse(body);
  const type = body && typeof body === 'object' ? (body as { type?: unknown }).type : undefined;
  const schemas: Record<string, typeof JoinedData | typeof TransferredData | typeof LeftData> = {
    'employee.joined': JoinedData,
    'employee.transferred': TransferredData,
    'employee.left': LeftData,
  };
  const schema = typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  const data = schema?.safeParse((body as { data?: unknown }).data);
  const issues = [...issuesOf(envelope, ''), ...(data ? issuesOf(data, 'data') : [])];
  if (issues.length || !envelope.success) throw new ValidationError('the payload is invalid', issues);
  const { type: t, timestamp } = envelope.data;
  return {
    type: t,
    timestamp,
    joined: type === 'employee.joined' ? (data?.data as Payload['joined']) : undefined,
    transferred: type === 'employee.transferred' ? (data?.data as Payload['transferred']) : undefined,
    left: type === 'employee.left' ? (data?.data as Payload['left']) : undefined,
  };
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
      const env = validatePayload(parseJsonBody(req.rawBody));
      const respond = (r: { eventIds: string[]; actions: string[] }) =>
        json(202, { status: 'accepted', eventId: r.eventIds[0], action: r.actions[0] ?? 'ignored' });
      const base = { source: 'generic' as const, sourceEventId: id as string, occurredAt: env.timestamp };
      if (env.joined) {
        const d = env.joined;
        const employee = { id: d.employeeId, email: d.email, name: d.name };
        return {
          kind: 'events',
          replayKey: `${id}.${timestamp}`,
          respond,
          events: [{ kind: 'joined', ...base, employee, location: d.site !== undefined ? { site: d.site } : { office: d.office } }],
        };
      }
      if (env.transferred) {
        const d = env.transferred;
        const employee = { id: d.employeeId, email: d.email, name: d.name };
        return { kind: 'events', replayKey: `${id}.${timestamp}`, respond, events: [{ kind: 'transferred', ...base, employee, from: d.from, to: d.to }] };
      }
      if (env.left) {
        const employee = { id: env.left.employeeId, ...(env.left.email !== undefined ? { email: env.left.email } : {}) };
        return { kind: 'events', replayKey: `${id}.${timestamp}`, respond, events: [{ kind: 'left', ...base, employee }] };
      }
      return {
        kind: 'events',
        events: [],
        ignored: `event type "${env.type}" is not handled`,
        replayKey: `${id}.${timestamp}`,
        respond: () => json(202, { status: 'ignored', type: env.type }),
      };
    },
  };
}
