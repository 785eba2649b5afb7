/**
 * The catalogue of FC functions: one entry per folder under functions/, declared once and used by the build,
 * the local stack, the deploy checks (s.yaml) and the tests. Adding a function means adding it here.
 */
import type { QueueNames } from './config.js';

export type FunctionRole = 'webhook' | 'worker' | 'reconcile';

export interface FunctionSpec {
  /** The FC function name (without the deployment prefix) and its folder under functions/. */
  name: string;
  /** How FC invokes it: an HTTP trigger, an MNS queue trigger, or a timer (cron) trigger. */
  trigger: 'http' | 'queue' | 'timer';
  /** For queue-triggered functions: which of the configured queues feeds it. */
  queue?: keyof Omit<QueueNames, 'deadLetter'>;
  /** Which RAM role it runs with (deploy/ram/<role>-role-policy.json). */
  role: FunctionRole;
}

export const FUNCTIONS = [
  { name: 'webhook', trigger: 'http', role: 'webhook' },
  { name: 'join-worker', trigger: 'queue', queue: 'join', role: 'worker' },
  { name: 'transfer-worker', trigger: 'queue', queue: 'transfer', role: 'worker' },
  { name: 'enrich-worker', trigger: 'queue', queue: 'enrich', role: 'worker' },
  { name: 'leave-worker', trigger: 'queue', queue: 'leave', role: 'worker' },
  // Describe only on SAG (it plans; the workers act), SendMessage, the ledger table, the HR APIs.
  { name: 'reconcile', trigger: 'timer', role: 'reconcile' },
] as const satisfies readonly FunctionSpec[];

export type FunctionName = (typeof FUNCTIONS)[number]['name'];

/** The queue-triggered functions, in catalogue order. */
export const WORKER_FUNCTIONS = FUNCTIONS.filter((f): f is Extract<(typeof FUNCTIONS)[number], { trigger: 'queue' }> => f.trigger === 'queue');
