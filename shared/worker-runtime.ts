/**
 * The worker runtime, written once and used by every queue-triggered function. It is the Middy-like core: a
 * worker is only a {@link WorkerDefinition} (a name, an event schema and a `handle` function); the runtime does
 * the rest, in named steps under `runtime/`, each testable alone:
 *
 * | step | file | what it does |
 * | --- | --- | --- |
 * | decode the batch | `runtime/decode-batch.ts` | trigger event (CloudEvents array or one object) → records → bodies (JSON or base64 JSON) → messages validated against the worker's schema |
 * | classify a failure | `runtime/failure.ts` | thrown error or `defer` outcome → permanent, transient, throttled, systemic or defer |
 * | decide what next | `runtime/retry-policy.ts` | a pure function: failure + delivery + policy + clock → retry in the invocation, re-enqueue (delay, next delivery) or dead letter |
 * | send dead letters | `runtime/dead-letter-sender.ts` | the documented envelope (mns/dead-letter.ts) to the dead-letter queue |
 * | process one message | `runtime/process-message.ts` | `handle`, the policy's answer carried out, one outcome log line |
 * | compose | `runtime/handler.ts` | configuration at cold start, bounded concurrency, the batch summary |
 *
 * Each message has its own outcome, so one bad message never fails or delays the others. Throttling and open
 * breakers re-enqueue without spending the retry budget and never dead-letter a message. The handler throws only
 * when a message could neither be finished, re-enqueued nor dead-lettered: the trigger then redelivers the batch,
 * and its own retry and dead-letter queue are the last line.
 */
export { createWorkerHandler } from './runtime/handler.js';
export { LostMessagesError } from './runtime/lost-messages-error.js';
export type { BatchSummary, MessageResult, Outcome, WorkerContext, WorkerDefinition, WorkerEvent, WorkerRuntimeOptions } from './runtime/worker-definition.js';
