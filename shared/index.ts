/**
 * The public surface of hr-sag-sync's shared code: everything outside shared/ imports from here — the FC
 * functions (functions/<fn>/index.ts), the local stack (local/), the operator tools (scripts/), the deploy tooling
 * (deploy/) and the benchmarks (bench/). Only the unit tests reach into shared/'s modules directly, to test their
 * internals. Adapters' helpers and parsing details stay unexported. The bundles stay small: package.json declares
 * `"sideEffects": false`, so esbuild drops whatever a function does not use.
 */
export { loadConfig, DEFAULT_QUEUE_NAMES, type Config, type FeishuAppConfig, type QueueNames, type RetryPolicy } from './config.js';
export { FUNCTIONS, WORKER_FUNCTIONS, type FunctionName, type FunctionRole, type FunctionSpec } from './catalogue.js';
export { AES_KEY_PATTERN, MNS_CALL_TIMEOUT_MS, MNS_MAX_DELAY_SECONDS, SOFT_DEADLINE_SHARE } from './limits.js';
export { resolveCredentials, type Credentials, type FcContext } from './credentials.js';
export * from './errors.js';
export { DEAD_LETTER_SCHEMA, DeadLetterSchema, type DeadLetter } from './mns/dead-letter.js';
export {
  CanonicalEventSchema,
  EmployeeJoinedSchema,
  EmployeeLeftSchema,
  EmployeeLeaveDeleteSchema,
  LeaveStepSchema,
  EmployeeTransferredSchema,
  EnrichRequestSchema,
  QueueMessageSchema,
  DeliverySchema,
  EVENT_SCHEMA_VERSION,
  SOURCES,
  eventId,
  type CanonicalEvent,
  type EmployeeJoined,
  type EmployeeLeft,
  type EmployeeLeaveDelete,
  type LeaveStep,
  type EmployeeTransferred,
  type EnrichRequest,
  type QueueMessage,
} from './events.js';
export { mapLimit } from './concurrency.js';
export { createLogger, maskEmails, redact, setLogSink, type Logger } from './logger.js';
export { MnsQueue, createMnsClient, encodeMessage, type QueueSender } from './mns/queue.js';
export { mnsErrorCode } from './mns/errors.js';
export { decodeMessageBody, parseTriggerEvent, type TriggerRecord } from './mns/trigger-event.js';
export { RateLimiter } from './rate-limiter.js';
export { messageList, redriveAction, redriveDeadLetters, walkQueue, type ReceivedMessage, type RedriveAction, type RedriveOutcome } from './redrive.js';
export { routeEvent, type InboundEvent, type RoutedAction } from './routing.js';
export { SiteDirectory, type Site, type SiteEntry, type Location } from './sites.js';
export { createWorkerHandler, type WorkerDefinition, type Outcome, type BatchSummary, type WorkerRuntimeOptions } from './worker-runtime.js';
export { joinWorker } from './workers/join.js';
export { transferWorker } from './workers/transfer.js';
export { enrichWorker } from './workers/enrich.js';
export { leaveWorker } from './workers/leave.js';
export { SAG_CALLS_PER_TRY, sagCallsPerTry, type SagCallBudget } from './workers/sag-calls.js';
export { createWebhookHandler, type WebhookOptions } from './webhook/webhook.js';
export { decodePath, type HttpResponse } from './webhook/http-event.js';
export { GenericPayloadSchema } from './webhook/sources/generic.js';
export type { SourceAdapter } from './webhook/source.js';
/** The HR platforms' signing and encryption, for tools that make signed sample requests. */
export { signStandardWebhook } from './hr/standard-webhooks.js';
export { feishuEncrypt, feishuSignature } from './hr/feishu-crypto.js';
export { wxSeal } from './hr/wx-biz-crypto.js';
/** For the operator command: SAG and HR API clients and the user-name rule. */
export { SAG_API_VERSION, SagClient } from './sag/client.js';
export { createSagFlow } from './sag/flow.js';
export { SagCallError, classifySagError } from './sag/errors.js';
export { userNameFor } from './user-name.js';
export { DingTalkDirectory, WeComDirectory, type HrDirectoryClient } from './hr/hr-api.js';
/** The employee ledger (Tablestore): its client, records and the table `setup` makes. */
export { TablestoreClient, type TableSpec } from './tablestore/client.js';
export { TablestoreError } from './tablestore/errors.js';
export { Ledger } from './ledger/ledger.js';
export { configuredLedger, ledgerClient } from './ledger/for-context.js';
export { ledgerKeysByEmail } from './ledger/by-email.js';
export { ledgerKey, type LedgerRecord, type HistoryEntry, type AccountRef } from './ledger/record.js';
export { ensureLedgerTable, ledgerTableSpec, type EnsureResult } from './ledger/table.js';
/** Roster readers (reconcile, backfill): the contract, and one reader per source. */
export {
  ROSTER_SOURCES,
  RosterReadError,
  type Roster,
  type RosterEmployee,
  type RosterProblem,
  type RosterProgress,
  type RosterReader,
  type RosterSource,
} from './roster/roster.js';
export { FileRosterReader, type FileRosterOptions, type RosterFileFormat } from './roster/file.js';
export { FeishuRosterReader, feishuTenantToken, type FeishuRosterOptions } from './roster/feishu.js';
export { DingTalkRosterReader, type DingTalkRosterOptions } from './roster/dingtalk.js';
export { WeComRosterReader, type WeComRosterOptions } from './roster/wecom.js';
export type { RetryOptions as RosterRetryOptions } from './roster/api-pages.js';
export { rosterReaderFor, type RosterReaderOptions } from './roster/for-config.js';
/** Reconcile and backfill: roster × directory against SAG and the ledger, the mass-change guard, held plans. */
export {
  reconcile,
  preparePlan,
  applyPlan,
  countActions,
  type ReconcileReport,
  type ReconcileDeps,
  type ReconcileOptions,
  type ReconcileProgress,
  type PreparedPlan,
  type ActionCounts,
} from './reconcile/reconcile.js';
export { reconcileDeps, type ReconcileWiring } from './reconcile/deps.js';
export { releasePlan, UnknownPlanError, type ReleaseResult } from './reconcile/release.js';
export { waitForSettled, settledEvents, type AwaitedEvent } from './reconcile/drain.js';
export { eventSourceFor, type PlannedEvent } from './reconcile/apply.js';
export { ACTION_KINDS, type ActionKind, type PlanAction, type UnmanagedAccount } from './reconcile/plan.js';
export { DEFAULT_RECONCILE_SCHEDULE, RECONCILE_SCHEDULE_PATTERN, type ReconcileConfig } from './config.js';
export { createReconcileHandler, parseTimerEvent, type ReconcileOutcome, type ReconcileHandlerOptions } from './reconcile/timer.js';
