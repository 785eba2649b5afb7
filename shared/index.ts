/**
 * The public surface of hr-sag-sync's shared code: what functions, the local stack and tools import.
 * Internal modules (adapters' helpers, parsing details) stay unexported.
 */
export { loadConfig, DEFAULT_QUEUE_NAMES, type Config, type QueueNames, type RetryPolicy } from './config.js';
export { resolveCredentials, type Credentials, type FcContext } from './credentials.js';
export * from './errors.js';
export { DEAD_LETTER_SCHEMA, DeadLetterSchema, type DeadLetter } from './mns/dead-letter.js';
export {
  CanonicalEventSchema,
  EmployeeJoinedSchema,
  EmployeeTransferredSchema,
  EnrichRequestSchema,
  QueueMessageSchema,
  DeliverySchema,
  EVENT_SCHEMA_VERSION,
  eventId,
  type CanonicalEvent,
  type EmployeeJoined,
  type EmployeeTransferred,
  type EnrichRequest,
  type QueueMessage,
} from './events.js';
export { createLogger, maskEmails, redact, setLogSink, type Logger } from './logger.js';
export { MnsQueue, encodeMessage, type QueueSender } from './mns/queue.js';
export { routeEvent, type InboundEvent, type RoutedAction } from './routing.js';
export { SiteDirectory, type Site, type SiteEntry, type Location } from './sites.js';
export { createWorkerHandler, type WorkerDefinition, type Outcome, type BatchSummary, type WorkerRuntimeOptions } from './worker-runtime.js';
export { joinWorker } from './workers/join.js';
export { transferWorker } from './workers/transfer.js';
export { enrichWorker } from './workers/enrich.js';
export { createWebhookHandler, type WebhookOptions } from './webhook/webhook.js';
export type { HttpResponse } from './webhook/http-event.js';
export type { SourceAdapter } from './webhook/source.js';
