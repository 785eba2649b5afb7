/**
 * The whole pipeline on one machine: the MNS and SAG emulators, the webhook served over HTTP, and one trigger
 * runner per worker queue, all running the product's real handlers (the same factories the FC functions call)
 * with the real SDKs over loopback. `npm start` runs it; the end-to-end tests and benchmarks start it in-process on
 * ephemeral ports.
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import { startMnsEmulator, type MnsEmulator } from '../emulators/mns/index.js';
import { startSagEmulator, type SagEmulator } from '../emulators/sag/index.js';
import { startHrEmulator, type HrEmulator } from '../emulators/hr/index.js';
import { LOCAL_SOURCES } from './hr-samples.js';
import { enrichWorker } from '../shared/workers/enrich.js';
import type { RunningServer } from '../emulators/common/http.js';
import type { FcContext } from '../shared/credentials.js';
import RPCClient from '@alicloud/pop-core/lib/rpc.js';
import { loadConfig, type QueueNames } from '../shared/config.js';
import { queueSpecs, setupQueues } from '../deploy/setup.js';
import { SiteDirectory } from '../shared/sites.js';
import { createWebhookHandler } from '../shared/webhook/webhook.js';
import { createWorkerHandler, type WorkerDefinition } from '../shared/worker-runtime.js';
import { joinWorker } from '../shared/workers/join.js';
import { transferWorker } from '../shared/workers/transfer.js';
import { serveHttpFunction } from './http-server.js';
import { TriggerRunner } from './trigger-runner.js';

export const LOCAL_WEBHOOK_SECRET = 'whsec_bG9jYWwtaHItc2FnLXN5bmMtc2VjcmV0LTAx';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' };
export const LOCAL_ACCOUNT_ID = '1234567890123456';
export const LOCAL_REGION = 'cn-shanghai';

export interface StackOptions {
  host?: string;
  webhookPort?: number;
  mnsPort?: number;
  sagPort?: number;
  hrPort?: number;
  /** The site directory (parsed JSON). Default: config/sites.sample.json. */
  sites?: unknown;
  /** Extra environment for the functions (e.g. RETRY_* knobs). */
  env?: Record<string, string>;
  /** Trigger settings shared by every worker queue. */
  trigger?: { countWindow?: number; timeWindowMs?: number; lanes?: number; isBase64Decode?: boolean; retries?: number; retryDelayMs?: number };
  /** Per-user quota of each emulated instance. */
  userQuota?: number;
  log?: (line: Record<string, unknown>) => void;
  /** Wraps a worker handler (tests inject crashes with it). */
  wrap?: (functionName: string, handler: WorkerHandler) => WorkerHandler;
}

export type WorkerHandler = (event: Buffer, context: FcContext) => Promise<unknown>;

export interface Stack {
  webhookUrl: string;
  mns: MnsEmulator;
  sag: SagEmulator;
  /** The DingTalk and WeCom user APIs (enrichment of thin events). */
  hr: HrEmulator;
  /** A real MNS client on the emulator, for tests that look at queues. */
  mnsClient: MNSClient;
  env: Record<string, string>;
  directory: SiteDirectory;
  runners: Record<string, TriggerRunner>;
  /** Resolves once every queue is empty (visible, delayed and in-flight) and no batch is being handled. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Drains and decodes every dead-letter message currently in the dead-letter queue. */
  drainDeadLetters(): Promise<unknown[]>;
  stop(): Promise<void>;
}

const WORKERS: Array<{ def: WorkerDefinition<any, any>; queue: keyof QueueNames }> = [
  { def: joinWorker, queue: 'join' },
  { def: transferWorker, queue: 'transfer' },
  { def: enrichWorker, queue: 'enrich' },
];

/** HR departments of the sample directory (config/sites.sample.json lists them as departmentIds). */
const SAMPLE_DEPARTMENTS = [
  { id: 101, name: 'Shanghai HQ' },
  { id: 102, name: 'Hangzhou R&D' },
  { id: 103, name: 'Beijing Sales' },
];

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const host = opts.host ?? '127.0.0.1';
  const sitesJson = opts.sites ?? JSON.parse(await (await import('node:fs/promises')).readFile(new URL('../config/sites.sample.json', import.meta.url), 'utf8'));
  const directory = SiteDirectory.parse(sitesJson);
  const mns = await startMnsEmulator({ host, port: opts.mnsPort ?? 0, accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, credentials: [LOCAL_CREDENTIALS] });
  const sag = await startSagEmulator({
    host,
    port: opts.sagPort ?? 0,
    region: LOCAL_REGION,
    credentials: [LOCAL_CREDENTIALS],
    instances: directory.sites.map((s, i) => ({ id: s.smartAGId, regionId: s.regionId, cidr: `10.${10 + i}.0.0/16`, userQuota: opts.userQuota ?? 2000, allowClientUsers: true })),
  });
  const hr = await startHrEmulator({ host, port: opts.hrPort ?? 0 });
  hr.seed({
    dingtalk: { departments: SAMPLE_DEPARTMENTS.map((d) => ({ dept_id: d.id, name: d.name })) },
    wecom: { departments: SAMPLE_DEPARTMENTS.map((d) => ({ id: d.id, name: d.name })) },
  });
  const env: Record<string, string> = {
    ...LOCAL_SOURCES,
    DINGTALK_API_ENDPOINT: hr.url,
    WECOM_API_ENDPOINT: hr.url,
    REGION: LOCAL_REGION,
    MNS_ENDPOINT: mns.url,
    MNS_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
    SAG_ENDPOINT: sag.url,
    SITES_JSON: JSON.stringify(sitesJson),
    HR_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
    RETRY_DELAY_SCALE: '0.02',
    RETRY_INLINE_BASE_DELAY_MS: '50',
    LOG_LEVEL: 'info',
    ...opts.env,
  };
  const mnsClient = new MNSClient(LOCAL_ACCOUNT_ID, { ...LOCAL_CREDENTIALS, endpoint: mns.url });
  // The queues the functions are configured with, created exactly as `npm run setup` creates them in the cloud
  // (attributes and the worker queues' dead-letter policy, through the emulator's mns-open API).
  const queues = loadConfig(env).queues;
  const mnsOpen = new RPCClient({ endpoint: mns.url, apiVersion: '2022-01-19', ...LOCAL_CREDENTIALS });
  const setup = await setupQueues({ mns: mnsClient, mnsOpen, queues: queueSpecs(queues), print: () => undefined });
  if (!setup.ok) throw new Error('local queue setup failed');
  const context = (name: string, timeout: number) => (): FcContext => ({
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    function: { name, timeout, memory: 512 },
  });

  const webhookHandler = createWebhookHandler({ env });
  const web: RunningServer = await serveHttpFunction(webhookHandler, { host, port: opts.webhookPort ?? 0, context: context('webhook', 10) });

  const runners: Record<string, TriggerRunner> = {};
  for (const w of WORKERS) {
    const runner = new TriggerRunner({
      client: mnsClient,
      queue: queues[w.queue],
      deadLetterQueue: queues.deadLetter,
      functionName: w.def.name,
      // One handler instance per lane: WORKER_INSTANCES separate FC instances (default 2).
      createHandler: () => (opts.wrap ?? ((_n: string, h: WorkerHandler) => h))(w.def.name, createWorkerHandler(w.def, { env })),
      context: context(w.def.name, 120),
      accountId: LOCAL_ACCOUNT_ID,
      region: LOCAL_REGION,
      isBase64Decode: opts.trigger?.isBase64Decode ?? true,
      countWindow: opts.trigger?.countWindow ?? 10,
      timeWindowMs: opts.trigger?.timeWindowMs ?? 0,
      lanes: opts.trigger?.lanes ?? Number(env.WORKER_INSTANCES || 2),
      retries: opts.trigger?.retries ?? 3,
      retryDelayMs: opts.trigger?.retryDelayMs ?? 50,
      onLog: opts.log,
    });
    runner.start();
    runners[w.def.name] = runner;
  }

  const workQueues = WORKERS.map((w) => queues[w.queue]);
  const stack: Stack = {
    webhookUrl: web.url,
    mns,
    sag,
    hr,
    mnsClient,
    env,
    directory,
    runners,
    async waitForIdle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let quietSince = 0;
      while (Date.now() < deadline) {
        const busy = workQueues.some((q) => mns.queueDepth(q) > 0) || Object.values(runners).some((r) => !r.idle);
        if (!busy) {
          if (!quietSince) quietSince = Date.now();
          if (Date.now() - quietSince >= 150) return;
        } else quietSince = 0;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`stack not idle after ${timeoutMs} ms: ${workQueues.map((q) => `${q}=${mns.queueDepth(q)}`).join(' ')}`);
    },
    async drainDeadLetters() {
      const out: unknown[] = [];
      for (;;) {
        let res;
        try {
          res = await mnsClient.batchReceiveMessage(queues.deadLetter, 16, 0);
        } catch {
          break;
        }
        const msgs = (res.body ?? []) as Array<{ MessageBody: string; ReceiptHandle: string }>;
        if (!msgs.length) break;
        for (const m of msgs) out.push(JSON.parse(Buffer.from(m.MessageBody, 'base64').toString('utf8')));
        await mnsClient.batchDeleteMessage(queues.deadLetter, msgs.map((m) => m.ReceiptHandle));
      }
      return out;
    },
    async stop() {
      await Promise.all(Object.values(runners).map((r) => r.stop()));
      await web.close();
      await Promise.all([mns.close(), sag.close(), hr.close()]);
    },
  };
  return stack;
}
