/** Checks of the triggers: the webhook's HTTP trigger, each worker's MNS trigger, its run options and timeouts, the reconcile's timer. */
import {
  MNS_CALL_TIMEOUT_MS,
  RECONCILE_SCHEDULE_PATTERN,
  SAG_CALLS_PER_TRY,
  type SagCallBudget,
  SOFT_DEADLINE_SHARE,
  sagCallsPerTry,
} from '../../shared/index.js';
import { QUEUE_ENV } from '../function-env.js';
import { QUEUE_ATTRIBUTES } from '../setup.js';
import { perFunction } from './check.js';
import { BACKOFF_DELIVERIES, BACKOFF_MAX_GAP_SECONDS, PASCAL_KEYS, PUSH_LIMIT_SECONDS } from './platform.js';
import { at, isObj, problem, str, warning, type Obj, type Problem } from './problem.js';
import type { FunctionView, RenderedView } from './view.js';

/** Ledger calls in one try of a worker: the claim's read and write, and the completion's write. */
const LEDGER_CALLS_PER_TRY = 3;

/** The MNS client's read/connect timeout, i.e. the longest one re-enqueue or dead-letter send takes. */
const MNS_SEND_TIMEOUT_SECONDS = MNS_CALL_TIMEOUT_MS / 1000;

/** Keys that equal a PascalCase API key case-insensitively but not exactly (e.g. `queueName`), anywhere below `o`. */
function miscasedKeys(o: unknown, path: string, out: Array<{ path: string; key: string; expected: string }>): void {
  if (Array.isArray(o)) {
    o.forEach((v, i) => {
      miscasedKeys(v, `${path}[${i}]`, out);
    });
    return;
  }
  if (!isObj(o)) return;
  for (const [k, v] of Object.entries(o)) {
    const expected = PASCAL_KEYS.find((p) => p.toLowerCase() === k.toLowerCase());
    if (expected && expected !== k) out.push({ path: `${path}.${k}`, key: k, expected });
    miscasedKeys(v, `${path}.${k}`, out);
  }
}

/** The worker's MNS trigger: its index, config and key prefix, or undefined when the function is no worker or has none. */
function mnsTrigger(f: FunctionView): { base: string; tc: unknown } | undefined {
  if (!f.isWorker || f.mnsIndex < 0) return undefined;
  return { base: `props.triggers[${f.mnsIndex}].triggerConfig`, tc: (f.triggers[f.mnsIndex] as Obj).triggerConfig };
}

/**
 * A timer-triggered function (the reconcile) has exactly one enabled timer trigger whose cron is FC's (six fields,
 * seconds first, or `@every 30m`: https://www.alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-struct-timertriggerconfig)
 * and equals the RECONCILE_SCHEDULE the function is given (so the code reports the schedule that runs it).
 */
export const checkTimerTrigger = perFunction(({ name, known, triggers, env }) => {
  if (known?.trigger !== 'timer') return [];
  const timers = triggers.filter((t) => t.triggerType === 'timer');
  if (timers.length !== 1 || triggers.length !== 1)
    return [problem(name, 'props.triggers', `needs exactly one trigger, of type timer (got ${triggers.map((t) => str(t.triggerType)).join(', ') || 'none'})`)];
  const tc = (timers[0] as Obj).triggerConfig;
  const key = 'props.triggers[0].triggerConfig';
  if (!isObj(tc)) return [problem(name, key, 'missing')];
  const out: Problem[] = [];
  const cron = str(tc.cronExpression ?? '');
  if (!RECONCILE_SCHEDULE_PATTERN.test(cron))
    out.push(problem(name, `${key}.cronExpression`, `must be FC's six-field cron (seconds first) or "@every 30m" (got ${cron || '(none)'})`));
  else if (env.RECONCILE_SCHEDULE !== cron)
    out.push(
      problem(
        name,
        `${key}.cronExpression`,
        `must equal RECONCILE_SCHEDULE ${str(env.RECONCILE_SCHEDULE)} (got ${cron}): render both from \${env('RECONCILE_SCHEDULE', …)}`,
      ),
    );
  if (tc.enable !== true) out.push(problem(name, `${key}.enable`, `must be true, or the schedule never runs (got ${str(tc.enable)})`));
  return out;
});

/** The webhook has one anonymous, public HTTP trigger for POST and GET. */
export const checkHttpTrigger = perFunction(({ name, triggers }) => {
  if (name !== 'webhook') return [];
  const out: Problem[] = [];
  const http = triggers.filter((t) => t.triggerType === 'http');
  if (http.length !== 1) out.push(problem(name, 'props.triggers', `needs exactly one http trigger (got ${http.length})`));
  const i = triggers.findIndex((t) => t.triggerType === 'http');
  const tc = http[0]?.triggerConfig;
  if (!isObj(tc)) return out;
  const key = `props.triggers[${i}].triggerConfig`;
  if (tc.authType !== 'anonymous')
    out.push(
      problem(
        name,
        `${key}.authType`,
        `must be anonymous: HR systems cannot sign FC requests, the code verifies each source's signature (got ${str(tc.authType)})`,
      ),
    );
  if (tc.disableURLInternet === true) out.push(problem(name, `${key}.disableURLInternet`, 'must not be true: the HR systems call the public URL'));
  const methods = Array.isArray(tc.methods) ? tc.methods.map(String).sort() : [];
  if (methods.join(',') !== 'GET,POST')
    out.push(problem(name, `${key}.methods`, `must be POST and GET (GET for the WeCom URL check) (got ${str(tc.methods)})`));
  return out;
});

/** SourceMNSParameters: known keys, the function's region, base64 decoding, and the queue the worker re-enqueues to. */
function sourceParameters(f: FunctionView, base: string, tc: unknown): Problem[] {
  const src = at(tc, 'eventSourceConfig.eventSourceParameters.sourceMNSParameters');
  const key = `${base}.eventSourceConfig.eventSourceParameters.sourceMNSParameters`;
  if (!isObj(src)) return [problem(f.name, key, 'missing')];
  const out: Problem[] = [];
  for (const k of Object.keys(src)) {
    if (!['RegionId', 'QueueName', 'IsBase64Decode'].includes(k) && !PASCAL_KEYS.some((p) => p.toLowerCase() === k.toLowerCase()))
      out.push(problem(f.name, `${key}.${k}`, 'unknown key: SourceMNSParameters has RegionId, QueueName, IsBase64Decode'));
  }
  if (src.RegionId !== f.region)
    out.push(
      problem(
        f.name,
        `${key}.RegionId`,
        `must be the function's region ${f.region} (an MNS trigger needs queue and function in one region) (got ${str(src.RegionId)})`,
      ),
    );
  if (src.IsBase64Decode !== true)
    out.push(
      problem(
        f.name,
        `${key}.IsBase64Decode`,
        `must be true: producers send base64 of the JSON, the function should receive the JSON text (got ${str(src.IsBase64Decode)})`,
      ),
    );
  const ownVar = f.known?.queue ? QUEUE_ENV[f.known.queue] : undefined;
  const own = ownVar ? f.env[ownVar] : undefined;
  if (typeof src.QueueName !== 'string' || !src.QueueName) return [...out, problem(f.name, `${key}.QueueName`, 'missing')];
  if (own !== undefined && src.QueueName !== own)
    out.push(problem(f.name, `${key}.QueueName`, `"${src.QueueName}" is not the queue the function re-enqueues to (${ownVar ?? ''}="${str(own)}")`));
  if (src.QueueName === f.env.DEAD_LETTER_QUEUE) out.push(problem(f.name, `${key}.QueueName`, 'a worker must not consume the dead-letter queue'));
  return out;
}

/** A worker has exactly one eventbridge trigger from MNS: PascalCase keys, its source, synchronous delivery. */
export const checkMnsTrigger = perFunction((f) => {
  if (!f.isWorker) return [];
  if (f.mnsIndex < 0) return [problem(f.name, 'props.triggers', 'a worker needs an eventbridge trigger with eventSourceType MNS')];
  const { base, tc } = mnsTrigger(f) as { base: string; tc: unknown };
  const out: Problem[] = [];
  if (f.triggers.filter((t) => t.triggerType === 'eventbridge').length > 1) out.push(problem(f.name, 'props.triggers', 'more than one eventbridge trigger'));
  const miscased: Array<{ path: string; key: string; expected: string }> = [];
  miscasedKeys(tc, base, miscased);
  for (const m of miscased) out.push(problem(f.name, m.path, `must be spelled ${m.expected}: fc3 sends triggerConfig verbatim and the API ignores "${m.key}"`));
  if (at(tc, 'eventSourceConfig.eventSourceType') !== 'MNS')
    out.push(problem(f.name, `${base}.eventSourceConfig.eventSourceType`, `must be MNS (got ${str(at(tc, 'eventSourceConfig.eventSourceType'))})`));
  out.push(...sourceParameters(f, base, tc));
  if (isObj(tc) && tc.asyncInvocationType !== false)
    out.push(
      problem(
        f.name,
        `${base}.asyncInvocationType`,
        `must be false: an asynchronous push counts as delivered, so the trigger's retry and dead-letter queue would never apply (got ${str(tc.asyncInvocationType)})`,
      ),
    );
  const sinkMode = at(tc, 'eventSinkConfig.deliveryOption.mode');
  if (sinkMode !== undefined && sinkMode !== 'event-streaming')
    out.push(problem(f.name, `${base}.eventSinkConfig.deliveryOption.mode`, `must be event-streaming or absent (got ${str(sinkMode)})`));
  return out;
});

/** The queue's VisibilityTimeout (deploy/setup.ts) outlasts the stream's longest hold of a message. */
function visibility(f: FunctionView, base: string, strategy: unknown, wait: number): Problem[] {
  if (!f.known?.queue || !Number.isInteger(f.timeout)) return [];
  const seconds = QUEUE_ATTRIBUTES[f.known.queue].VisibilityTimeout;
  if (strategy === 'EXPONENTIAL_DECAY_RETRY') {
    return [
      problem(
        f.name,
        `${base}.runOptions.retryStrategy.PushRetryStrategy`,
        `EXPONENTIAL_DECAY_RETRY holds a failing push for up to a day; no queue VisibilityTimeout (deploy/setup.ts: ${seconds} s) covers that`,
      ),
    ];
  }
  if (strategy !== 'BACKOFF_RETRY') return [];
  const hold = BACKOFF_DELIVERIES * f.timeout + (BACKOFF_DELIVERIES - 1) * BACKOFF_MAX_GAP_SECONDS + (Number.isInteger(wait) ? wait : 0);
  if (seconds >= hold) return [];
  return [
    problem(
      f.name,
      'props.timeout',
      `${f.timeout} s: the trigger may hold a message ${hold} s (${BACKOFF_DELIVERIES} deliveries × timeout + retry gaps + batch window), longer than the queue's VisibilityTimeout ${seconds} s in deploy/setup.ts`,
    ),
  ];
}

/** Batch window within the API's ranges and within WORKER_CONCURRENCY. */
function batchWindow(f: FunctionView, key: string, run: Obj): Problem[] {
  const out: Problem[] = [];
  const count = Number(at(run, 'batchWindow.CountBasedWindow'));
  const wait = Number(at(run, 'batchWindow.TimeBasedWindow'));
  if (!Number.isInteger(count) || count < 1 || count > 10000)
    out.push(
      problem(f.name, `${key}.batchWindow.CountBasedWindow`, `must be a whole number from 1 to 10000 (got ${str(at(run, 'batchWindow.CountBasedWindow'))})`),
    );
  else {
    const concurrency = f.config?.workerConcurrency ?? Number(f.env.WORKER_CONCURRENCY ?? 4);
    if (count > concurrency)
      out.push(
        problem(
          f.name,
          `${key}.batchWindow.CountBasedWindow`,
          `${count} exceeds WORKER_CONCURRENCY ${concurrency}: messages would wait for a slot and the timeout arithmetic in s.yaml no longer holds`,
        ),
      );
  }
  if (!Number.isInteger(wait) || wait < 0 || wait > 15)
    out.push(
      problem(
        f.name,
        `${key}.batchWindow.TimeBasedWindow`,
        `must be a whole number of seconds from 0 to 15 (got ${str(at(run, 'batchWindow.TimeBasedWindow'))})`,
      ),
    );
  return out;
}

/** event-streaming, errorsTolerance ALL with the code's dead-letter queue, a bounded retry strategy, a sane batch window. */
export const checkRunOptions = perFunction((f, _ctx, rendered: RenderedView) => {
  const t = mnsTrigger(f);
  if (!t) return [];
  const key = `${t.base}.runOptions`;
  const run = at(t.tc, 'runOptions');
  if (!isObj(run)) return [problem(f.name, key, 'missing: without it there is no retry strategy, batch window or dead-letter queue')];
  const out: Problem[] = [];
  if (run.mode !== 'event-streaming')
    out.push(problem(f.name, `${key}.mode`, `must be event-streaming: runOptions only take effect in that mode (got ${str(run.mode)})`));
  if (run.errorsTolerance !== 'ALL')
    out.push(
      problem(
        f.name,
        `${key}.errorsTolerance`,
        `must be ALL: with ${str(run.errorsTolerance ?? 'NONE')} a failing push stops the stream and the dead-letter queue never receives anything`,
      ),
    );
  const arn = at(run, 'deadLetterQueue.Arn');
  const wantArn = `acs:mns:${f.region}:${str(rendered.vars.accountId ?? '')}:/queues/${str(f.env.DEAD_LETTER_QUEUE)}`;
  if (arn === undefined || arn === '')
    out.push(
      problem(
        f.name,
        `${key}.deadLetterQueue.Arn`,
        `missing: with errorsTolerance ALL and no dead-letter queue, a push that fails its retries is discarded; set Arn: ${wantArn}`,
      ),
    );
  else if (arn !== wantArn)
    out.push(problem(f.name, `${key}.deadLetterQueue.Arn`, `must be ${wantArn}, the dead-letter queue the code uses (got ${str(arn)})`));
  const strategy = at(run, 'retryStrategy.PushRetryStrategy');
  if (strategy !== 'BACKOFF_RETRY' && strategy !== 'EXPONENTIAL_DECAY_RETRY')
    out.push(problem(f.name, `${key}.retryStrategy.PushRetryStrategy`, `must be BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY (got ${str(strategy)})`));
  out.push(...batchWindow(f, key, run), ...visibility(f, t.base, strategy, Number(at(run, 'batchWindow.TimeBasedWindow'))));
  return out;
});

/**
 * The worst-case SAG calls of one try (shared/workers/sag-calls.ts). A worker that does not read the directory itself
 * (the transfer worker) is sized with the directory the others read: the largest one in s.yaml.
 */
function sagCalls(f: FunctionView, rendered: RenderedView): number | undefined {
  const budget = (SAG_CALLS_PER_TRY as Record<string, SagCallBudget>)[f.name];
  if (!budget) return undefined;
  if (!budget.perInstance) return budget.fixed;
  const instances = f.sites?.instances ?? Math.max(0, ...rendered.functions.map((g) => g.sites?.instances ?? 0));
  return instances ? sagCallsPerTry(budget, instances) : undefined;
}

/**
 * The worker's timeout is below the push limit and, as a warning, fits the worst case of one batch (every call at
 * its timeout) with the values s.yaml passes: the runtime starts no try after SOFT_DEADLINE_SHARE of T, a running
 * try takes ≤ D, then one re-enqueue or dead-letter send.
 */
export const checkTimeouts = perFunction((f, _ctx, rendered) => {
  if (!mnsTrigger(f) || !Number.isInteger(f.timeout)) return [];
  const { name, timeout, config, known } = f;
  if (timeout >= PUSH_LIMIT_SECONDS) return [problem(name, 'props.timeout', `${timeout} s is not below the trigger's ${PUSH_LIMIT_SECONDS} s push limit`)];
  const k = sagCalls(f, rendered);
  if (!config || k === undefined) return [];
  const wait = config.sagMaxCallsPerSecond > 0 ? config.workerConcurrency / config.sagMaxCallsPerSecond : 0;
  const hr = (known?.hrCallsPerTry ?? 0) * (config.hrApiTimeoutMs / 1000);
  // With a ledger: a claim (read + write) and a completion (write) per try, each at most TABLESTORE_TIMEOUT_MS.
  const ledger = config.ledger ? (LEDGER_CALLS_PER_TRY * config.ledger.timeoutMs) / 1000 : 0;
  const d = k * (config.sagTimeoutMs / 1000 + wait) + hr + ledger;
  const need = Math.ceil((d + MNS_SEND_TIMEOUT_SECONDS) / (1 - SOFT_DEADLINE_SHARE));
  if (timeout >= need) return [];
  const why = `one try ≤ ${k} SAG calls × (${config.sagTimeoutMs / 1000} s SAG_TIMEOUT_MS + ${wait} s rate-limiter wait)${hr ? ` + ${hr} s of HR API calls` : ''}${ledger ? ` + ${ledger} s of ledger calls` : ''} = ${d} s, so ${SOFT_DEADLINE_SHARE} T + ${d} + ${MNS_SEND_TIMEOUT_SECONDS} ≤ T needs T ≥ ${need} s`;
  const fix =
    need < PUSH_LIMIT_SECONDS
      ? `raise the timeout to ${need}–${PUSH_LIMIT_SECONDS - 1} s`
      : `no timeout under the ${PUSH_LIMIT_SECONDS} s push limit covers it: lower SAG_TIMEOUT_MS${hr ? ' / HR_API_TIMEOUT_MS' : ''}`;
  return [
    warning(
      name,
      'props.timeout',
      `${timeout} s may cut the worst case short (every call at its timeout): ${why}; ${fix}. A cut-short message is retried by the trigger, not lost`,
    ),
  ];
});
