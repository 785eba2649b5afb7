/**
 * Canonical events: what the webhook puts on the queues and the workers consume, whatever HR system sent them.
 * They form one versioned schema family (`schemaVersion: 1`); a breaking change adds version 2 beside it.
 *
 * A queue message is a {@link QueueMessage}: the event plus the delivery bookkeeping the worker runtime keeps
 * (attempts, deferrals, first/last failure) when it re-enqueues a message for a later retry. JSON Schemas generated
 * from these zod schemas are published under `docs/schemas/` (`npm run schemas`).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { TRANSFER_POLICIES, USER_NAME_POLICIES } from './sites.js';

export const EVENT_SCHEMA_VERSION = 1;

export const SOURCES = ['generic', 'feishu', 'dingtalk', 'wecom'] as const;
export type Source = (typeof SOURCES)[number];

// Schemas are built on first use (z.lazy): zod constructs each schema eagerly, and building all of them at load
// costs ~10 ms of cold start, mostly in paths that never parse them (a webhook handshake, a join worker that never
// sees a transfer). Parsing and the published JSON Schemas are unchanged.
const nonEmpty = () => z.string().check(z.minLength(1), z.maxLength(256));

export const EmployeeSchema = z.lazy(() =>
  z.object({
    id: nonEmpty(),
    email: z.email().check(z.maxLength(64)),
    name: z.string().check(z.maxLength(256)),
  }),
);
export type Employee = z.infer<typeof EmployeeSchema>;

export const SiteRefSchema = z.lazy(() =>
  z.object({
    id: nonEmpty(),
    regionId: nonEmpty(),
    smartAGId: nonEmpty(),
    bandwidthKbps: z.int().check(z.minimum(1), z.maximum(20_000)),
    userNamePolicy: z.enum(USER_NAME_POLICIES),
  }),
);

const eventIdSchema = () => z.string().check(z.regex(/^evt_[a-f0-9]{32}$/));
const isoTime = () => z.iso.datetime({ offset: true });
const base = () => ({
  schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
  /** Stable across HR retries: derived from the source and the source's own event id. */
  id: eventIdSchema(),
  source: z.enum(SOURCES),
  occurredAt: isoTime(),
  employee: EmployeeSchema,
});

const joinedObject = () => z.object({ ...base(), type: z.literal('employee.joined'), site: SiteRefSchema });
export const EmployeeJoinedSchema = z.lazy(joinedObject);
export type EmployeeJoined = z.infer<typeof EmployeeJoinedSchema>;

const transferredObject = () =>
  z.object({
    ...base(),
    type: z.literal('employee.transferred'),
    from: SiteRefSchema,
    to: SiteRefSchema,
    /**
     * The directory's `transferPolicy` when the event was routed; absent means `roam`. With `move`, the worker
     * disables the origin's copy once the account is on the target and schedules its delete, as for a leaver. The
     * event carries it (like the sites) so the transfer worker needs no site directory.
     */
    transferPolicy: z.optional(z.enum(TRANSFER_POLICIES)),
  });
export const EmployeeTransferredSchema = z.lazy(transferredObject);
export type EmployeeTransferred = z.infer<typeof EmployeeTransferredSchema>;

/**
 * A leaver: the employee's SAG accounts are disabled at once (and their sessions closed), then deleted in the next
 * billing cycle (shared/workers/leave.ts). `occurredAt` is the HR time of the leave. Thin sources know only the
 * HR employee id: the email, when absent, is taken from the employee ledger.
 */
const leftObject = () =>
  z.object({
    schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
    id: eventIdSchema(),
    source: z.enum(SOURCES),
    occurredAt: isoTime(),
    type: z.literal('employee.left'),
    employee: z.object({
      id: nonEmpty(),
      email: z.optional(z.email().check(z.maxLength(64))),
      name: z.optional(z.string().check(z.maxLength(256))),
    }),
  });
export const EmployeeLeftSchema = z.lazy(leftObject);
export type EmployeeLeft = z.infer<typeof EmployeeLeftSchema>;

/**
 * The second step of a leave, on the leave queue: delete the disabled accounts once `dueAt` (the next billing
 * cycle) has come. It is a type of its own rather than a flag on `employee.left`, so that a leave and its delete
 * can never be confused by a parser, the JSON Schema documents what a delete carries, and the dead-letter queue
 * and the ledger history name the step. It keeps the leave's `id` and `occurredAt`: for the ledger's ordering rule
 * it is the same event, so a rehire (a newer event applied meanwhile) makes it stale and nothing is deleted.
 */
const leaveDeleteObject = () =>
  z.object({
    ...leftObject().shape,
    type: z.literal('employee.leave-delete'),
    /** When the delete is due (the next calendar month in Asia/Shanghai plus the grace days). */
    dueAt: isoTime(),
    /** When the hop that carried this message was to end; the hop ending at `dueAt` is the last one. */
    hopEndsAt: z.optional(isoTime()),
    /**
     * The chain's id, recorded in the ledger when the leave applied: a step of any other chain for the same leave
     * (a duplicate delivery applied at the same time) stops. Absent on steps scheduled before chains had ids.
     */
    chain: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  });
export const EmployeeLeaveDeleteSchema = z.lazy(leaveDeleteObject);
export type EmployeeLeaveDelete = z.infer<typeof EmployeeLeaveDeleteSchema>;

/** What the leave queue carries: a leave, or the delete step it schedules. */
export const LeaveStepSchema = z.lazy(() => z.discriminatedUnion('type', [leftObject(), leaveDeleteObject()]));
export type LeaveStep = z.infer<typeof LeaveStepSchema>;

/**
 * A thin HR event (DingTalk, WeCom: only a user id) waiting for enrichment: the enrich worker fetches the user
 * from the HR API, resolves the site and routes it like any other event (routing.ts).
 */
const enrichObject = () =>
  z.object({
    schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
    id: eventIdSchema(),
    source: z.enum(['dingtalk', 'wecom']),
    occurredAt: isoTime(),
    type: z.literal('employee.enrich'),
    /** `created`: a join; `modified`: a possible transfer (the previous site is found in SAG itself). */
    change: z.enum(['created', 'modified']),
    employee: z.object({ id: nonEmpty() }),
  });
export const EnrichRequestSchema = z.lazy(enrichObject);
export type EnrichRequest = z.infer<typeof EnrichRequestSchema>;

export const CanonicalEventSchema = z.lazy(() => z.discriminatedUnion('type', [joinedObject(), transferredObject()]));
export type CanonicalEvent = z.infer<typeof CanonicalEventSchema>;

/** Bookkeeping the worker runtime adds when it re-enqueues a message. Absent on a first delivery. */
export const DeliverySchema = z.lazy(() =>
  z.object({
    /** Failed attempts so far, counted against `RETRY_MAX_ATTEMPTS` (each may include a few in-invocation tries). */
    attempts: z.int().check(z.minimum(0)),
    /** Times the message was deferred because it arrived before something it depends on (e.g. transfer before join). */
    deferrals: z.int().check(z.minimum(0)),
    /** Times it was re-enqueued because SAG throttled it longer than an invocation could wait (never counted in `attempts`). */
    throttled: z.optional(z.int().check(z.minimum(0))),
    /** Times it was re-enqueued because a breaker was open on a systemic failure (never counted in `attempts`). */
    systemic: z.optional(z.int().check(z.minimum(0))),
    firstFailureAt: z.optional(isoTime()),
    lastFailureAt: z.optional(isoTime()),
    lastReason: z.optional(z.string()),
  }),
);
export type Delivery = z.infer<typeof DeliverySchema>;

/** A queue message carrying event `E`. */
export function queueMessageSchema<E extends z.core.$ZodType>(event: E) {
  return z.object({ event, delivery: z.optional(DeliverySchema) });
}
/** What any worker queue carries: a join, a transfer, a leave, a leave's delete step, or a thin event to enrich. */
export const WorkerQueueEventSchema = z.lazy(() =>
  z.discriminatedUnion('type', [joinedObject(), transferredObject(), leftObject(), leaveDeleteObject(), enrichObject()]),
);
/** A message of any worker queue (the published `queue-message.v1.json`). */
export const QueueMessageSchema = z.lazy(() => queueMessageSchema(WorkerQueueEventSchema));
export type QueueMessage<E = CanonicalEvent> = { event: E; delivery?: Delivery };

/**
 * The stable event id: the same HR event (however often the HR system retries it) gets the same id.
 * @example eventId('generic', 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W') // 'evt_…' (32 hex chars)
 */
export function eventId(source: Source, sourceEventId: string): string {
  return `evt_${createHash('sha256').update(`${source}\n${sourceEventId}`).digest('hex').slice(0, 32)}`;
}
