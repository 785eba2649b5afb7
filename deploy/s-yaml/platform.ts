/** Function Compute 3.0 and MNS-trigger facts the deploy checks hold s.yaml to, each with its public source. */

/**
 * The only runtime the product is built for (esbuild target node20); FC lists no nodejs22 built-in runtime
 * (https://www.alibabacloud.com/help/en/functioncompute/node-js).
 */
export const RUNTIME = 'nodejs20';

/** An MNS trigger push may last at most 5 minutes (https://www.alibabacloud.com/help/en/functioncompute/fc/advanced-features-of-triggers). */
export const PUSH_LIMIT_SECONDS = 300;

/** All environment variables of a function together ≤ 4 KB (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables). */
export const ENV_LIMIT_BYTES = 4096;

/**
 * BACKOFF_RETRY: 1 push + 3 retries, 10–20 s apart; EXPONENTIAL_DECAY_RETRY retries for a day
 * (https://www.alibabacloud.com/help/en/eventbridge/user-guide/retry-and-dead-letter).
 */
export const BACKOFF_DELIVERIES = 4;
export const BACKOFF_MAX_GAP_SECONDS = 20;

/**
 * PascalCase keys of the EventBridge trigger structs (SourceMNSParameters, RetryStrategy, DeadLetterQueue,
 * BatchWindow; https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-struct-runoptions).
 */
export const PASCAL_KEYS = ['RegionId', 'QueueName', 'IsBase64Decode', 'PushRetryStrategy', 'Arn', 'CountBasedWindow', 'TimeBasedWindow'];

/** A Standard Webhooks secret is 24 to 64 random bytes (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md). */
export const WHSEC_MIN_BYTES = 24;
