/**
 * Queue provisioning: creates or updates the join, transfer, enrich, leave and dead-letter queues, and sets the
 * service-side dead-letter policy (DlqPolicy) of the three worker queues. Idempotent: run it before every deploy.
 *
 *   npm run setup -- --region cn-shanghai [--account-id 1234…] [--endpoint https://…] [--mns-open-endpoint https://…]
 *                    [--max-receive-count 10] [--dry-run]
 *
 * Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (/ ALIBABA_CLOUD_SECURITY_TOKEN).
 * Account: --account-id, else ALIBABA_CLOUD_ACCOUNT_ID (the variable s.yaml reads), else MNS_ACCOUNT_ID.
 * Queue names: JOIN_QUEUE, TRANSFER_QUEUE, ENRICH_QUEUE, DEAD_LETTER_QUEUE, defaults as in shared/config.ts.
 *
 * Two APIs, because the data-plane API has no dead-letter policy (https://www.alibabacloud.com/help/en/mns/developer-reference/api-mns-open-2022-01-19-createqueue):
 * - queues and their attributes: the MNS data-plane API (2015-06-06) through `@alicloud/mns`. CreateQueue answers
 *   201 (created), 204 (exists with identical attributes) or 409 QueueAlreadyExist (exists with other attributes:
 *   then GetQueueAttributes, compare the attributes managed here, SetQueueAttributes if any differs);
 * - DlqPolicy: the mns-open 2022-01-19 management API through `@alicloud/pop-core` (GetQueueAttributes, then
 *   SetQueueAttributes with DlqPolicy as a JSON string). Not every account/region offers it, so a failure there is a
 *   warning: the queues still work, and the trigger's own dead-letter queue (s.yaml) still catches failed pushes.
 */
import { parseArgs } from 'node:util';
import MNSClient from '@alicloud/mns/lib/client.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { loadConfig, type QueueNames, mnsErrorCode } from '../shared/index.js';
import { runAsMain } from './run-main.js';

/** The queue attributes this script manages; any other attribute (LoggingEnabled, PollingWaitSeconds) is left alone. */
export const MANAGED_ATTRIBUTES = ['VisibilityTimeout', 'MessageRetentionPeriod', 'MaximumMessageSize', 'DelaySeconds'] as const;
export type ManagedAttribute = (typeof MANAGED_ATTRIBUTES)[number];
export type QueueAttributes = Record<ManagedAttribute, number>;
export type QueueRole = keyof QueueNames;

/**
 * Why these values:
 * - VisibilityTimeout: how long a message received by the trigger's event stream stays invisible. The stream
 *   deletes it after the push succeeded or was dead-lettered; until then a redelivery would duplicate work. The
 *   longest the stream can hold a message is 4 deliveries (1 push + 3 BACKOFF_RETRY retries) × the function timeout
 *   + 3 gaps of ≤ 20 s + the 3 s batch window: join (timeout 120 s) 543 s → 600; transfer, enrich, leave (240 s)
 *   1023 s → 1200. Whether the stream extends visibility itself is undocumented; these values do not rely on it.
 *   deploy/check-s-yaml.ts checks them against the timeouts in s.yaml. The dead-letter queue is read by people and
 *   `npm run redrive` (which makes kept records visible again after 1 s): 300 s.
 * - MessageRetentionPeriod: worker queues 4 days (the MNS default): a retry is a new message, so this only has to
 *   outlast an outage of the trigger or a paused event stream. Dead letters: 7 days, the longest MNS allows
 *   (604800 s), so an operator has a week to fix the cause and redrive.
 * - MaximumMessageSize: 65536 (the maximum). Events are ~1 KB, but the dead-letter envelope carries the original
 *   message plus the failure; a send must never be refused for size.
 * - DelaySeconds: 0. Retries set their own per-message delay; a queue-wide delay would slow every first attempt.
 */
export const QUEUE_ATTRIBUTES: Record<QueueRole, QueueAttributes> = {
  join: { VisibilityTimeout: 600, MessageRetentionPeriod: 345_600, MaximumMessageSize: 65_536, DelaySeconds: 0 },
  // The transfer worker's timeout is 240 s (up to S + 12 SAG calls per try): 1200 s, as for enrich and leave.
  transfer: { VisibilityTimeout: 1_200, MessageRetentionPeriod: 345_600, MaximumMessageSize: 65_536, DelaySeconds: 0 },
  enrich: { VisibilityTimeout: 1_200, MessageRetentionPeriod: 345_600, MaximumMessageSize: 65_536, DelaySeconds: 0 },
  // The leave worker's timeout is 240 s like enrich (one Describe per instance of the directory): 1200 s.
  leave: { VisibilityTimeout: 1_200, MessageRetentionPeriod: 345_600, MaximumMessageSize: 65_536, DelaySeconds: 0 },
  deadLetter: { VisibilityTimeout: 300, MessageRetentionPeriod: 604_800, MaximumMessageSize: 65_536, DelaySeconds: 0 },
};

/**
 * MaxReceiveCount of the worker queues' service-side dead-letter policy: 10. The app-level retry budget does not
 * consume receives of one message: in-invocation tries (RETRY_INLINE_ATTEMPTS, 3) share one receive, and every
 * re-enqueue (up to RETRY_MAX_ATTEMPTS, 8) is a new message whose count starts at 1. A message is received again
 * only when the event stream took it and did not delete it (push still running past VisibilityTimeout, a stream
 * failure, or stream retries implemented as redeliveries: 1 push + 3 retries = 4 receives). 10 is above all of
 * these (even if each app-level attempt counted, 8 < 10), so the service moves a message to the dead-letter queue
 * only when it keeps coming back without ever being consumed: a poison message the function cannot even start on.
 */
export const MAX_RECEIVE_COUNT = 10;

/** The worker queues get a DlqPolicy; the dead-letter queue itself cannot be its own target. */
const WORKER_ROLES: QueueRole[] = ['join', 'transfer', 'enrich', 'leave'];

export interface DlqPolicy {
  Enabled: boolean;
  DeadLetterTargetQueue: string;
  MaxReceiveCount: number;
}

export interface QueueSpec {
  role: QueueRole;
  name: string;
  attributes: QueueAttributes;
  dlq?: DlqPolicy;
}

/** The queues to provision, dead-letter queue first (it must exist before a policy can name it). */
export function queueSpecs(names: QueueNames, maxReceiveCount = MAX_RECEIVE_COUNT): QueueSpec[] {
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw new Error(`MaxReceiveCount must be an integer from 1 to 1000 (got ${maxReceiveCount})`);
  }
  const roles: QueueRole[] = ['deadLetter', ...WORKER_ROLES];
  return roles.map((role) => ({
    role,
    name: names[role],
    attributes: { ...QUEUE_ATTRIBUTES[role] },
    dlq: WORKER_ROLES.includes(role) ? { Enabled: true, DeadLetterTargetQueue: names.deadLetter, MaxReceiveCount: maxReceiveCount } : undefined,
  }));
}

/** The part of `@alicloud/mns`'s client used here (structural, so tests may pass a fake). */
export interface MnsQueueApi {
  createQueue(name: string, attrs?: Record<string, unknown>): Promise<{ code: number; body?: unknown }>;
  getQueueAttributes(name: string): Promise<{ code: number; body?: unknown }>;
  setQueueAttributes(name: string, attrs?: Record<string, unknown>): Promise<{ code: number; body?: unknown }>;
}

/** The part of `@alicloud/pop-core`'s RPCClient used here, pointed at mns-open 2022-01-19. */
export interface RpcApi {
  request<T = Record<string, unknown>>(action: string, params: Record<string, unknown>, options?: { method?: 'GET' | 'POST'; timeout?: number }): Promise<T>;
}

export interface AttributeChange {
  attribute: ManagedAttribute;
  from: number | undefined;
  to: number;
}

export type QueueResult =
  | { queue: string; action: 'created' }
  | { queue: string; action: 'unchanged' }
  | { queue: string; action: 'would-create' }
  | { queue: string; action: 'updated'; changes: AttributeChange[] }
  | { queue: string; action: 'would-update'; changes: AttributeChange[] }
  | { queue: string; action: 'failed'; error: string };

export type DlqResult =
  | { queue: string; action: 'dlq-set'; policy: DlqPolicy; from?: DlqPolicy }
  | { queue: string; action: 'dlq-would-set'; policy: DlqPolicy; from?: DlqPolicy }
  | { queue: string; action: 'dlq-unchanged'; policy: DlqPolicy }
  | { queue: string; action: 'dlq-warning'; warning: string };

export interface SetupReport {
  queues: QueueResult[];
  dlq: DlqResult[];
  /** False when a queue could not be created or updated (DLQ warnings do not count). */
  ok: boolean;
}

export interface SetupOptions {
  mns: MnsQueueApi;
  /** mns-open client; without it the dead-letter policies are skipped with a warning. */
  mnsOpen?: RpcApi;
  queues: QueueSpec[];
  dryRun?: boolean;
  /** One line per change; default console.log. */
  print?: (line: string) => void;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

function currentAttributes(body: unknown): Partial<Record<ManagedAttribute, number>> {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Partial<Record<ManagedAttribute, number>> = {};
  for (const a of MANAGED_ATTRIBUTES) {
    const n = Number(b[a]);
    if (b[a] !== undefined && b[a] !== '' && Number.isFinite(n)) out[a] = n;
  }
  return out;
}

export function diffAttributes(current: Partial<Record<ManagedAttribute, number>>, wanted: QueueAttributes): AttributeChange[] {
  return MANAGED_ATTRIBUTES.filter((a) => current[a] !== wanted[a]).map((a) => ({ attribute: a, from: current[a], to: wanted[a] }));
}

/** Normalises a DlqPolicy as GetQueueAttributes (mns-open) returns it: object or JSON string, booleans/numbers or strings. */
export function normaliseDlqPolicy(raw: unknown): DlqPolicy | undefined {
  let v = raw;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const enabled = o.Enabled === true || String(o.Enabled).toLowerCase() === 'true';
  if (!enabled) return undefined;
  return { Enabled: true, DeadLetterTargetQueue: String(o.DeadLetterTargetQueue ?? ''), MaxReceiveCount: Number(o.MaxReceiveCount) };
}

function sameDlq(a: DlqPolicy | undefined, b: DlqPolicy): boolean {
  return !!a && a.Enabled === b.Enabled && a.DeadLetterTargetQueue === b.DeadLetterTargetQueue && a.MaxReceiveCount === b.MaxReceiveCount;
}

const fmtAttrs = (a: QueueAttributes) => MANAGED_ATTRIBUTES.map((k) => `${k}=${a[k]}`).join(' ');
const fmtChanges = (c: AttributeChange[]) => c.map((x) => `${x.attribute} ${x.from ?? '(unset)'} → ${x.to}`).join(', ');
const fmtDlq = (p: DlqPolicy | undefined) => (p ? `→ ${p.DeadLetterTargetQueue} after ${p.MaxReceiveCount} receives` : 'off');

async function provisionQueue(o: SetupOptions, spec: QueueSpec): Promise<QueueResult> {
  const { mns } = o;
  const { name, attributes } = spec;
  if (o.dryRun) {
    let current: ReturnType<typeof currentAttributes>;
    try {
      current = currentAttributes((await mns.getQueueAttributes(name)).body);
    } catch (err) {
      if (mnsErrorCode(err) === 'QueueNotExist') return { queue: name, action: 'would-create' };
      throw err;
    }
    const changes = diffAttributes(current, attributes);
    return changes.length ? { queue: name, action: 'would-update', changes } : { queue: name, action: 'unchanged' };
  }
  try {
    const res = await mns.createQueue(name, attributes);
    if (res.code === 201) return { queue: name, action: 'created' };
    if (res.code === 204) return { queue: name, action: 'unchanged' };
    // The SDK resolves (does not throw) on an error answer that is not XML.
    throw new Error(`CreateQueue ${name} answered HTTP ${res.code}`);
  } catch (err) {
    if (mnsErrorCode(err) !== 'QueueAlreadyExist') throw err;
  }
  // 409: the queue exists with other attributes (perhaps only unmanaged ones).
  const changes = diffAttributes(currentAttributes((await mns.getQueueAttributes(name)).body), attributes);
  if (!changes.length) return { queue: name, action: 'unchanged' };
  const res = await mns.setQueueAttributes(name, attributes);
  if (res.code < 200 || res.code > 299) throw new Error(`SetQueueAttributes ${name} answered HTTP ${res.code}`);
  return { queue: name, action: 'updated', changes };
}

async function provisionDlq(o: SetupOptions, spec: QueueSpec & { dlq: DlqPolicy }, queueResult: QueueResult): Promise<DlqResult> {
  const name = spec.name;
  if (!o.mnsOpen) return { queue: name, action: 'dlq-warning', warning: 'no mns-open client: dead-letter policy not checked' };
  if (queueResult.action === 'failed') return { queue: name, action: 'dlq-warning', warning: 'queue not provisioned: dead-letter policy skipped' };
  if (o.dryRun && queueResult.action === 'would-create') return { queue: name, action: 'dlq-would-set', policy: spec.dlq };
  try {
    const got = await o.mnsOpen.request<{ Data?: { DlqPolicy?: unknown } }>('GetQueueAttributes', { QueueName: name }, { method: 'POST', timeout: 10_000 });
    const current = normaliseDlqPolicy(got?.Data?.DlqPolicy);
    if (sameDlq(current, spec.dlq)) return { queue: name, action: 'dlq-unchanged', policy: spec.dlq };
    if (o.dryRun) return { queue: name, action: 'dlq-would-set', policy: spec.dlq, from: current };
    await o.mnsOpen.request('SetQueueAttributes', { QueueName: name, DlqPolicy: JSON.stringify(spec.dlq) }, { method: 'POST', timeout: 10_000 });
    return { queue: name, action: 'dlq-set', policy: spec.dlq, from: current };
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    return { queue: name, action: 'dlq-warning', warning: `mns-open ${typeof code === 'string' ? `${code}: ` : ''}${errorText(err)}` };
  }
}

/** Provisions the queues (see the file comment). Never throws for one queue: failures are in the report. */
export async function setupQueues(o: SetupOptions): Promise<SetupReport> {
  const print = o.print ?? ((l: string) => console.log(l));
  const pad = Math.max(...o.queues.map((q) => q.name.length));
  const line = (queue: string, text: string) => print(`${o.dryRun ? '[dry run] ' : ''}${queue.padEnd(pad)}  ${text}`);
  const report: SetupReport = { queues: [], dlq: [], ok: true };
  const byName = new Map<string, QueueResult>();
  for (const spec of o.queues) {
    let r: QueueResult;
    try {
      r = await provisionQueue(o, spec);
    } catch (err) {
      r = { queue: spec.name, action: 'failed', error: errorText(err) };
      report.ok = false;
    }
    byName.set(spec.name, r);
    report.queues.push(r);
    if (r.action === 'created') line(spec.name, `created (${fmtAttrs(spec.attributes)})`);
    else if (r.action === 'would-create') line(spec.name, `would create (${fmtAttrs(spec.attributes)})`);
    else if (r.action === 'updated') line(spec.name, `updated: ${fmtChanges(r.changes)}`);
    else if (r.action === 'would-update') line(spec.name, `would update: ${fmtChanges(r.changes)}`);
    else if (r.action === 'unchanged') line(spec.name, 'unchanged');
    else line(spec.name, `FAILED: ${r.error}`);
  }
  for (const spec of o.queues) {
    if (!spec.dlq) continue;
    const r = await provisionDlq(o, spec as QueueSpec & { dlq: DlqPolicy }, byName.get(spec.name) as QueueResult);
    report.dlq.push(r);
    if (r.action === 'dlq-set') line(spec.name, `dead-letter policy set: ${fmtDlq(r.policy)} (was: ${fmtDlq(r.from)})`);
    else if (r.action === 'dlq-would-set') {
      const fresh = byName.get(spec.name)?.action === 'would-create';
      line(spec.name, `would set dead-letter policy: ${fmtDlq(r.policy)} (now: ${fresh ? 'no queue yet' : fmtDlq(r.from)})`);
    } else if (r.action === 'dlq-unchanged') line(spec.name, 'dead-letter policy unchanged');
    else line(spec.name, `WARNING dead-letter policy not set (${r.warning})`);
  }
  if (report.dlq.some((d) => d.action === 'dlq-warning')) {
    print(
      'WARNING: the service-side dead-letter policy could not be checked or set on some queues. The queues work without it ' +
        '(the trigger dead-letters failed pushes itself); set it in the SMQ console (queue → Dead-letter queue: ' +
        `${o.queues.find((q) => q.dlq)?.dlq?.DeadLetterTargetQueue}, max receive count ${o.queues.find((q) => q.dlq)?.dlq?.MaxReceiveCount}) if your account has it.`,
    );
  }
  return report;
}

// ---- CLI ----

export interface CliOptions {
  region: string;
  accountId: string;
  endpoint: string;
  mnsOpenEndpoint: string;
  dryRun: boolean;
  maxReceiveCount: number;
  names: QueueNames;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
}

const USAGE =
  'usage: npm run setup -- --region <region> [--account-id <id>] [--endpoint <url>] [--mns-open-endpoint <url>] [--max-receive-count <n>] [--dry-run]';

/** Parses argv and the environment; throws with a usage message on bad input. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      region: { type: 'string' },
      'account-id': { type: 'string' },
      endpoint: { type: 'string' },
      'mns-open-endpoint': { type: 'string' },
      'max-receive-count': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const region = values.region ?? env.REGION;
  if (!region || !/^[a-z]{2}-[a-z0-9-]+$/.test(region)) throw new Error(`--region is required (e.g. cn-shanghai)\n${USAGE}`);
  const accountId = values['account-id'] ?? (env.ALIBABA_CLOUD_ACCOUNT_ID || env.MNS_ACCOUNT_ID);
  if (!accountId || !/^\d+$/.test(accountId)) throw new Error(`--account-id (or ALIBABA_CLOUD_ACCOUNT_ID) is required: the numeric account id\n${USAGE}`);
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret)
    throw new Error('set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials)');
  const endpoint = values.endpoint ?? `https://${accountId}.mns.${region}.aliyuncs.com`;
  const mnsOpenEndpoint = values['mns-open-endpoint'] ?? `https://mns-open.${region}.aliyuncs.com`;
  for (const [flag, url] of [
    ['--endpoint', endpoint],
    ['--mns-open-endpoint', mnsOpenEndpoint],
  ] as const) {
    if (!/^https?:\/\/[^/]+$/.test(url)) throw new Error(`${flag} must be http(s)://host[:port] with no path or trailing slash (got "${url}")`);
  }
  const maxReceiveCount = values['max-receive-count'] === undefined ? MAX_RECEIVE_COUNT : Number(values['max-receive-count']);
  // Queue names and their validation exactly as the functions read them.
  const { queues } = loadConfig({
    REGION: region,
    JOIN_QUEUE: env.JOIN_QUEUE,
    TRANSFER_QUEUE: env.TRANSFER_QUEUE,
    ENRICH_QUEUE: env.ENRICH_QUEUE,
    DEAD_LETTER_QUEUE: env.DEAD_LETTER_QUEUE,
  });
  return {
    region,
    accountId,
    endpoint,
    mnsOpenEndpoint,
    dryRun: values['dry-run'] ?? false,
    maxReceiveCount,
    names: queues,
    credentials: { accessKeyId, accessKeySecret, securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined },
  };
}

/** Real clients for the CLI options. */
export function clientsFor(o: Pick<CliOptions, 'accountId' | 'endpoint' | 'mnsOpenEndpoint' | 'credentials'>): { mns: MnsQueueApi; mnsOpen: RpcApi } {
  const mns = new MNSClient(o.accountId, { ...o.credentials, endpoint: o.endpoint, readTimeout: 15_000, connectTimeout: 15_000 });
  const mnsOpen = new RPCClient({ endpoint: o.mnsOpenEndpoint, apiVersion: '2022-01-19', ...o.credentials });
  return { mns, mnsOpen };
}

/** The command: returns the exit code (0 done, possibly with warnings; 1 a queue failed; 2 bad input). */
export async function main(
  argv = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (l) => console.log(l),
): Promise<number> {
  let o: CliOptions;
  try {
    o = parseCli(argv, env);
  } catch (err) {
    print(errorText(err));
    return 2;
  }
  print(`${o.dryRun ? '[dry run] ' : ''}queues in ${o.region} (account ${o.accountId}) via ${o.endpoint}; dead-letter policies via ${o.mnsOpenEndpoint}`);
  const { mns, mnsOpen } = clientsFor(o);
  const report = await setupQueues({ mns, mnsOpen, queues: queueSpecs(o.names, o.maxReceiveCount), dryRun: o.dryRun, print });
  return report.ok ? 0 : 1;
}

runAsMain(import.meta.url, main);
