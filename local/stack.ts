/**
 * The whole pipeline on one machine: the MNS and SAG emulators, the webhook served over HTTP, and one trigger
 * runner per worker queue, all running the product's real handlers (the same factories the FC functions call)
 * with the real SDKs over loopback. `npm start` runs it; the end-to-end tests and benchmarks start it in-process on
 * ephemeral ports.
 *
 * The site directory can change while the stack runs (`reloadSites`, or `sitesFile`, which is watched): the stack
 * then adds the SAG instances the new sites name and rebuilds every handler, as a redeployment with a new
 * SITES_JSON makes FC start fresh instances. Queues, dead letters and SAG accounts are kept.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import MNSClient from '@alicloud/mns/lib/client.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { startMnsEmulator, type MessageSnapshot, type MnsEmulator } from '../emulators/mns/index.js';
import { startSagEmulator, type SagEmulator } from '../emulators/sag/index.js';
import { startHrEmulator, type HrEmulator } from '../emulators/hr/index.js';
import { startTablestoreEmulator, type TablestoreEmulator } from '../emulators/tablestore/index.js';
import { startFcEmulator, type FcEmulator } from '../emulators/fc/index.js';
import type { RunningServer } from '../emulators/common/http.js';
import { queueSpecs, setupQueues } from '../deploy/setup.js';
import { ENV_NEEDS } from '../deploy/function-env.js';
import {
  FUNCTIONS,
  WORKER_FUNCTIONS,
  ledgerClient,
  ensureLedgerTable,
  loadConfig,
  SiteDirectory,
  createWebhookHandler,
  createWorkerHandler,
  enrichWorker,
  joinWorker,
  leaveWorker,
  transferWorker,
  type QueueNames,
  type FcContext,
  type WorkerDefinition,
} from '../shared/index.js';
import { LOCAL_SOURCES } from './hr-samples.js';
import { serveHttpFunction, type HttpHandler } from './http-server.js';
import { localFunctionEnv, type LocalEnv } from './local-env.js';
import { TriggerRunner } from './trigger-runner.js';

export const LOCAL_WEBHOOK_SECRET = 'whsec_bG9jYWwtaHItc2FnLXN5bmMtc2VjcmV0LTAx';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' };
export const LOCAL_ACCOUNT_ID = '1234567890123456';
export const LOCAL_REGION = 'cn-shanghai';
export const SAMPLE_SITES_FILE = 'config/sites.sample.json';

export interface StackOptions {
  host?: string;
  webhookPort?: number;
  mnsPort?: number;
  /** The Function Compute (GetFunction) emulator's port; 0 = ephemeral. */
  fcPort?: number;
  sagPort?: number;
  hrPort?: number;
  tablestorePort?: number;
  /** The site directory (parsed JSON). Default: `sitesFile`, else config/sites.sample.json. */
  sites?: unknown;
  /** A site directory file, read at start and re-read whenever it changes (unless `sites` is given). */
  sitesFile?: string;
  /** How often `sitesFile` is polled for changes, ms (default 500). */
  sitesPollMs?: number;
  /**
   * The functions' variables (e.g. HR_WEBHOOK_SECRET, JOIN_QUEUE, RETRY_* knobs): each one set wins over the local
   * default; see local/local-env.ts.
   */
  env?: Record<string, string>;
  /** Trigger settings shared by every worker queue. */
  trigger?: { countWindow?: number; timeWindowMs?: number; lanes?: number; isBase64Decode?: boolean; retries?: number; retryDelayMs?: number };
  /** Per-user quota of each emulated instance. */
  userQuota?: number;
  log?: (line: Record<string, unknown>) => void;
  /** Wraps a worker handler (tests inject crashes with it). */
  wrap?: (functionName: string, handler: WorkerHandler) => WorkerHandler;
}

export interface IdleOptions {
  scheduledDeletes?: 'done' | 'pending';
}

export type WorkerHandler = (event: Buffer, context: FcContext) => Promise<unknown>;

export interface Stack {
  webhookUrl: string;
  mns: MnsEmulator;
  sag: SagEmulator;
  /** The DingTalk and WeCom user APIs (enrichment of thin events). */
  hr: HrEmulator;
  /** Tablestore (instance `hr-sag-sync`, the local AccessKey): the employee ledger. */
  tablestore: TablestoreEmulator;
  /** Function Compute's GetFunction, answering each function with the stack's variables (`doctor --deployed`). */
  fc: FcEmulator;
  /** A real MNS client on the emulator, for tests that look at queues. */
  mnsClient: MNSClient;
  /** The functions' environment. */
  env: Record<string, string>;
  /** Where each variable of `env` came from, and the operator's variables the stack replaced. */
  envInEffect: LocalEnv;
  queues: QueueNames;
  directory: SiteDirectory;
  runners: Record<string, TriggerRunner>;
  /** Replaces the site directory (parsed JSON) and rebuilds the handlers. Throws ConfigError on a bad directory. */
  reloadSites(sites: unknown): void;
  /**
   * Resolves once every queue is empty (visible, delayed and in-flight) and no batch is being handled. With
   * `scheduledDeletes: 'pending'`, delayed hops of leavers' delete steps (due next billing cycle) may remain: the
   * stack is idle when nothing else is left (a delete step re-enqueued after a failure still counts as work).
   */
  waitForIdle(timeoutMs?: number, opts?: IdleOptions): Promise<void>;
  /** Drains and decodes every dead-letter message currently in the dead-letter queue. */
  drainDeadLetters(): Promise<unknown[]>;
  stop(): Promise<void>;
}

type WorkerName = (typeof WORKER_FUNCTIONS)[number]['name'];

/** The worker definition of each queue-triggered function of the catalogue. */
// biome-ignore lint/suspicious/noExplicitAny: each worker has its own event and deps types; the runtime checks them.
const WORKER_DEFINITIONS: Record<WorkerName, WorkerDefinition<any, any>> = {
  'join-worker': joinWorker,
  'transfer-worker': transferWorker,
  'enrich-worker': enrichWorker,
  'leave-worker': leaveWorker,
};

/** HR departments of the sample directory (config/sites.sample.json lists them as departmentIds). */
const SAMPLE_DEPARTMENTS = [
  { id: 101, name: 'Shanghai HQ' },
  { id: 102, name: 'Hangzhou R&D' },
  { id: 103, name: 'Beijing Sales' },
];

interface Emulators {
  mns: MnsEmulator;
  sag: SagEmulator;
  hr: HrEmulator;
  tablestore: TablestoreEmulator;
  /** Function Compute's GetFunction: the functions "as deployed" with the stack's variables (`doctor --deployed`). */
  fc: FcEmulator;
}

const readJson = (file: string | URL): unknown => JSON.parse(readFileSync(file, 'utf8'));

function initialSites(opts: StackOptions): unknown {
  if (opts.sites !== undefined) return opts.sites;
  return readJson(opts.sitesFile ?? new URL(`../${SAMPLE_SITES_FILE}`, import.meta.url));
}

/** The SAG instances the directory names that the emulator does not have yet, each with its own /16. */
function addSagInstances(sag: SagEmulator, directory: SiteDirectory, userQuota: number): void {
  const known = new Set(sag.listInstances().map((i) => i.id));
  for (const s of directory.sites) {
    if (known.has(s.smartAGId)) continue;
    sag.addInstance({ id: s.smartAGId, regionId: s.regionId, cidr: `10.${10 + known.size}.0.0/16`, userQuota, allowClientUsers: true });
    known.add(s.smartAGId);
  }
}

async function startEmulators(host: string, opts: StackOptions, directory: SiteDirectory): Promise<Emulators> {
  const mns = await startMnsEmulator({ host, port: opts.mnsPort ?? 0, accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, credentials: [LOCAL_CREDENTIALS] });
  const sag = await startSagEmulator({ host, port: opts.sagPort ?? 0, region: LOCAL_REGION, credentials: [LOCAL_CREDENTIALS] });
  addSagInstances(sag, directory, opts.userQuota ?? 2000);
  const hr = await startHrEmulator({ host, port: opts.hrPort ?? 0 });
  const tablestore = await startTablestoreEmulator({ host, port: opts.tablestorePort ?? 0, credentials: [LOCAL_CREDENTIALS] });
  const fc = await startFcEmulator({ host, port: opts.fcPort ?? 0, region: LOCAL_REGION, credentials: [LOCAL_CREDENTIALS] });
  hr.seed({
    dingtalk: { departments: SAMPLE_DEPARTMENTS.map((d) => ({ dept_id: d.id, name: d.name })) },
    wecom: { departments: SAMPLE_DEPARTMENTS.map((d) => ({ id: d.id, name: d.name })) },
  });
  return { mns, sag, hr, tablestore, fc };
}

/** Each function as GetFunction shows it: `{FUNCTION_PREFIX default}-{name}` with the variables it reads. */
function publishFunctions(fc: FcEmulator, env: Record<string, string>): void {
  for (const f of FUNCTIONS) {
    const vars = Object.entries(env).filter(([k]) => (ENV_NEEDS[k] as readonly string[] | undefined)?.includes(f.name));
    fc.setFunction({ functionName: `hr-sag-sync-${f.name}`, environmentVariables: Object.fromEntries(vars) });
  }
}

/** The functions' environment: the operator's variables over the local defaults, wired to the emulators. */
function functionEnv(opts: StackOptions, emulators: Emulators, sites: unknown): LocalEnv {
  const defaults = {
    ...LOCAL_SOURCES,
    HR_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
    DINGTALK_API_ENDPOINT: emulators.hr.url,
    WECOM_API_ENDPOINT: emulators.hr.url,
    FEISHU_API_ENDPOINT: emulators.hr.url,
    RETRY_DELAY_SCALE: '0.02',
    RETRY_INLINE_BASE_DELAY_MS: '50',
    LOG_LEVEL: 'info',
  };
  const stackOwned = {
    REGION: LOCAL_REGION,
    MNS_ENDPOINT: emulators.mns.url,
    MNS_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
    SAG_ENDPOINT: emulators.sag.url,
    TABLESTORE_ENDPOINT: emulators.tablestore.url,
    TABLESTORE_INSTANCE: emulators.tablestore.instanceName,
    SITES_JSON: JSON.stringify(sites),
  };
  return localFunctionEnv(opts.env ?? {}, defaults, stackOwned);
}

/** The configured queues, created exactly as `npm run setup` creates them in the cloud (attributes, dead-letter policy). */
async function createQueues(mnsClient: MNSClient, mnsUrl: string, queues: QueueNames): Promise<void> {
  const mnsOpen = new RPCClient({ endpoint: mnsUrl, apiVersion: '2022-01-19', ...LOCAL_CREDENTIALS });
  const setup = await setupQueues({ mns: mnsClient, mnsOpen, queues: queueSpecs(queues), print: () => undefined });
  if (!setup.ok) throw new Error('local queue setup failed');
}

/** The ledger table, as `setup` makes it in the cloud (when the functions' environment configures a ledger). */
async function createLedgerTable(env: Record<string, string>): Promise<void> {
  const ledger = loadConfig(env).ledger;
  if (!ledger) return;
  await ensureLedgerTable(ledgerClient(ledger, LOCAL_CREDENTIALS), ledger.table);
}

const fcContext = (name: string, timeout: number) => (): FcContext => ({
  accountId: LOCAL_ACCOUNT_ID,
  region: LOCAL_REGION,
  credentials: { ...LOCAL_CREDENTIALS },
  function: { name, timeout, memory: 512 },
});

/** The handlers of one "deployment": rebuilt from `env` at start and on every site-directory change. */
/**
 * The functions' handlers. Each worker has one handler per emulated FC instance (`WORKER_INSTANCES`, default 2):
 * separate handler instances, each with its own configuration, site directory, SAG pacer and breaker, as separate FC
 * instances share no module state. A site-directory reload rebuilds them all.
 */
class Handlers {
  webhook!: HttpHandler;
  private readonly workers = new Map<string, WorkerHandler[]>();
  instances = 2;
  constructor(private readonly wrap: NonNullable<StackOptions['wrap']>) {}

  build(env: Record<string, string>): void {
    this.instances = Math.max(1, Number(env.WORKER_INSTANCES || 2));
    this.webhook = createWebhookHandler({ env });
    for (const w of WORKER_FUNCTIONS) {
      this.workers.set(
        w.name,
        Array.from({ length: this.instances }, () => this.wrap(w.name, createWorkerHandler(WORKER_DEFINITIONS[w.name], { env }))),
      );
    }
  }

  /** The handler of `name` on emulated instance `lane`: a stable function, whatever a reload rebuilds behind it. */
  worker(name: string, lane: number): WorkerHandler {
    return (event, context) => ((this.workers.get(name) as WorkerHandler[])[lane % this.instances] as WorkerHandler)(event, context);
  }
}

function startRunners(opts: StackOptions, mnsClient: MNSClient, queues: QueueNames, handlers: Handlers): Record<string, TriggerRunner> {
  const t = opts.trigger ?? {};
  const runners: Record<string, TriggerRunner> = {};
  for (const w of WORKER_FUNCTIONS) {
    let lane = 0;
    const runner = new TriggerRunner({
      client: mnsClient,
      queue: queues[w.queue],
      deadLetterQueue: queues.deadLetter,
      functionName: w.name,
      // One lane per emulated FC instance, each with its own handler instance.
      createHandler: () => handlers.worker(w.name, lane++),
      context: fcContext(w.name, 120),
      accountId: LOCAL_ACCOUNT_ID,
      region: LOCAL_REGION,
      isBase64Decode: t.isBase64Decode ?? true,
      countWindow: t.countWindow ?? 10,
      timeWindowMs: t.timeWindowMs ?? 0,
      lanes: t.lanes ?? handlers.instances,
      retries: t.retries ?? 3,
      retryDelayMs: t.retryDelayMs ?? 50,
      onLog: opts.log,
    });
    runner.start();
    runners[w.name] = runner;
  }
  return runners;
}

/** A delayed hop of a delete step towards its due time (not a retry of a failed one, which carries `delivery`). */
function isScheduledDelete(m: MessageSnapshot): boolean {
  const body = m.body as { event?: { type?: string }; delivery?: unknown } | undefined;
  return m.state === 'delayed' && body?.event?.type === 'employee.leave-delete' && body.delivery === undefined;
}

/** True while a work queue holds work: any message, or with scheduled deletes pending, any but those. */
function queuesBusy(mns: MnsEmulator, workQueues: string[], opts: IdleOptions): boolean {
  const holding = workQueues.filter((q) => mns.queueDepth(q) > 0);
  if (!holding.length) return false;
  if (opts.scheduledDeletes !== 'pending') return true;
  const queues = mns.snapshot().queues.filter((q) => holding.includes(q.name));
  return queues.some((q) => q.active + q.inactive > 0 || !q.messages.every(isScheduledDelete));
}

async function waitUntilIdle(
  mns: MnsEmulator,
  workQueues: string[],
  runners: Record<string, TriggerRunner>,
  timeoutMs: number,
  opts: IdleOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  while (Date.now() < deadline) {
    const busy = Object.values(runners).some((r) => !r.idle) || queuesBusy(mns, workQueues, opts);
    if (!busy) {
      if (!quietSince) quietSince = Date.now();
      if (Date.now() - quietSince >= 150) return;
    } else quietSince = 0;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`stack not idle after ${timeoutMs} ms: ${workQueues.map((q) => `${q}=${mns.queueDepth(q)}`).join(' ')}`);
}

async function drainQueue(mnsClient: MNSClient, queue: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    let res: Awaited<ReturnType<MNSClient['batchReceiveMessage']>>;
    try {
      res = await mnsClient.batchReceiveMessage(queue, 16, 0);
    } catch {
      break;
    }
    const msgs = (res.body ?? []) as Array<{ MessageBody: string; ReceiptHandle: string }>;
    if (!msgs.length) break;
    for (const m of msgs) out.push(JSON.parse(Buffer.from(m.MessageBody, 'base64').toString('utf8')));
    await mnsClient.batchDeleteMessage(
      queue,
      msgs.map((m) => m.ReceiptHandle),
    );
  }
  return out;
}

/** Re-reads `file` whenever it changes and hands the result to `reload`; a bad file keeps the current directory. */
function watchSitesFile(file: string, pollMs: number, reload: (sites: unknown) => void, log: (line: Record<string, unknown>) => void): () => void {
  const onChange = (cur: { mtimeMs: number }, prev: { mtimeMs: number }) => {
    if (cur.mtimeMs === prev.mtimeMs) return;
    try {
      reload(readJson(file));
      log({ level: 'info', msg: 'site directory reloaded', file });
    } catch (err) {
      log({ level: 'error', msg: 'site directory not reloaded: the previous one stays in effect', file, error: (err as Error).message });
    }
  };
  watchFile(file, { interval: pollMs }, onChange);
  return () => unwatchFile(file, onChange);
}

/** Starts the emulators, creates the queues, serves the webhook and starts one trigger runner per worker queue. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const sites = initialSites(opts);
  const emulators = await startEmulators(host, opts, SiteDirectory.parse(sites));
  const envInEffect = functionEnv(opts, emulators, sites);
  const env = envInEffect.env;
  const queues = loadConfig(env).queues;
  const mnsClient = new MNSClient(LOCAL_ACCOUNT_ID, { ...LOCAL_CREDENTIALS, endpoint: emulators.mns.url });
  await createQueues(mnsClient, emulators.mns.url, queues);
  await createLedgerTable(env);
  publishFunctions(emulators.fc, env);
  const handlers = new Handlers(opts.wrap ?? ((_n, h) => h));
  handlers.build(env);
  const web: RunningServer = await serveHttpFunction((e, c) => handlers.webhook(e, c), {
    host,
    port: opts.webhookPort ?? 0,
    context: fcContext('webhook', 10),
  });
  const runners = startRunners(opts, mnsClient, queues, handlers);
  const workQueues = WORKER_FUNCTIONS.map((w) => queues[w.queue]);
  const stack: Stack = {
    webhookUrl: web.url,
    ...emulators,
    mnsClient,
    env,
    envInEffect,
    queues,
    directory: SiteDirectory.parse(sites),
    runners,
    reloadSites(next) {
      const directory = SiteDirectory.parse(next);
      addSagInstances(emulators.sag, directory, opts.userQuota ?? 2000);
      env.SITES_JSON = JSON.stringify(next);
      stack.directory = directory;
      handlers.build(env);
      publishFunctions(emulators.fc, env);
    },
    waitForIdle: (timeoutMs = 30_000, idle = {}) => waitUntilIdle(emulators.mns, workQueues, runners, timeoutMs, idle),
    drainDeadLetters: () => drainQueue(mnsClient, queues.deadLetter),
    async stop() {
      unwatch();
      await Promise.all(Object.values(runners).map((r) => r.stop()));
      await web.close();
      await Promise.all([emulators.mns.close(), emulators.sag.close(), emulators.hr.close(), emulators.tablestore.close(), emulators.fc.close()]);
    },
  };
  const unwatch =
    opts.sitesFile && opts.sites === undefined ? watchSitesFile(opts.sitesFile, opts.sitesPollMs ?? 500, stack.reloadSites, log) : () => undefined;
  return stack;
}
