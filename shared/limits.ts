/**
 * Shared numeric limits and patterns, declared once and imported by the code, the local stack, the deploy
 * checks and the tests.
 */

/**
 * Share of the function's timeout a worker spends on in-invocation work before it stops starting new tries and
 * re-enqueues instead; the rest is left for the re-enqueue or dead-letter sends (deploy/check-s-yaml.ts redoes
 * the arithmetic with the deployed timeout).
 */
export const SOFT_DEADLINE_SHARE = 0.6;

/** Read/connect timeout of one MNS call (SendMessage, ReceiveMessage, ...), in milliseconds. */
export const MNS_CALL_TIMEOUT_MS = 5_000;

/** DingTalk's and WeCom's AES key as their consoles show it: 43 base64 characters (the 32-byte key, unpadded). */
export const AES_KEY_PATTERN = /^[A-Za-z0-9+/]{43}$/;

/** MNS's longest message delay, in seconds (7 days): longer waits are scheduled in hops. */
export const MNS_MAX_DELAY_SECONDS = 604_800;

/**
 * The longest hop of a leaver's delete step (3 days). MNS deletes a message at MessageRetentionPeriod after it was
 * sent, delayed or not (the message model, https://www.alibabacloud.com/help/doc-detail/27477.htm): a 7-day delay in a queue that keeps
 * messages 4 days (the default, and the leave queue's) would lose the step. 3 days leaves a day to receive it.
 */
export const LEAVE_DELETE_HOP_MAX_SECONDS = 259_200;

/**
 * How far before the roster read began a reconcile stamps the events that grant access (join, enable, transfer):
 * an HR list API may lag its own change events by a few minutes and clocks drift, so a grant yields to every event
 * applied in that window (shared/reconcile/apply.ts has the rule).
 */
export const RECONCILE_GRANT_MARGIN_SECONDS = 300;
