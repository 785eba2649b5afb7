/**
 * The functions' environment: every variable the deployed code reads, which functions need it, which are secrets,
 * and how the HR sources group them. Declared once; deploy/check-s-yaml.ts checks s.yaml against it and the local
 * stack (local/local-env.ts) takes from the operator's environment exactly these variables.
 */
import { FUNCTIONS, WORKER_FUNCTIONS, type FunctionName, type QueueNames } from '../shared/index.js';

/** The variable holding each queue name. */
export const QUEUE_ENV: Record<keyof QueueNames, string> = {
  join: 'JOIN_QUEUE',
  transfer: 'TRANSFER_QUEUE',
  enrich: 'ENRICH_QUEUE',
  leave: 'LEAVE_QUEUE',
  deadLetter: 'DEAD_LETTER_QUEUE',
};

/** The secrets shared/config.ts reads. Any other variable whose name looks secret is treated the same way. */
export const SECRET_ENV = [
  'HR_WEBHOOK_SECRET',
  'FEISHU_ENCRYPT_KEY',
  'FEISHU_VERIFICATION_TOKEN',
  'DINGTALK_TOKEN',
  'DINGTALK_AES_KEY',
  'DINGTALK_APP_KEY',
  'DINGTALK_APP_SECRET',
  'WECOM_TOKEN',
  'WECOM_ENCODING_AES_KEY',
  'WECOM_CORP_ID',
  'WECOM_CORP_SECRET',
] as const;
const SECRET_LIKE = /SECRET|TOKEN|PASSWORD|PASSWD|AES_KEY|ENCRYPT_KEY|APP_KEY|ACCESS_KEY|PRIVATE_KEY|CORP_ID/;

/** True for the secrets above and any variable whose name looks like one. */
export const isSecretName = (name: string): boolean => (SECRET_ENV as readonly string[]).includes(name) || SECRET_LIKE.test(name);

/**
 * The variables of each HR source, turned on or off together: a source takes all its variables from one place
 * (the operator's environment, or the local samples), never a mix.
 */
export const SOURCE_ENV = {
  generic: ['HR_WEBHOOK_SECRET'],
  feishu: ['FEISHU_ENCRYPT_KEY', 'FEISHU_VERIFICATION_TOKEN', 'FEISHU_APP_ID', 'FEISHU_APP_SECRET'],
  dingtalk: ['DINGTALK_TOKEN', 'DINGTALK_AES_KEY', 'DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET'],
  wecom: ['WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_CORP_ID', 'WECOM_CORP_SECRET'],
} as const;

/** Set by Function Compute itself (FC_*) or from the role's STS credentials (ALIBABA_CLOUD_*): never in s.yaml. */
export const PLATFORM_ENV = /^(FC_|ALIBABA_CLOUD_)/;

const ALL: readonly FunctionName[] = FUNCTIONS.map((f) => f.name);
const WORKERS: readonly FunctionName[] = WORKER_FUNCTIONS.map((f) => f.name);
/**
 * The HR source credentials: the webhook verifies/decrypts, the enrich worker calls the HR user APIs, the reconcile
 * reads the DingTalk/WeCom rosters (all-or-none, so the reconcile gets the whole group).
 */
const HR_SOURCE: readonly FunctionName[] = ['webhook', 'enrich-worker', 'reconcile'];
/** The site directory: the webhook routes by it; the enrich and leave workers and the reconcile Describe across its instances. */
const SITES: readonly FunctionName[] = [...HR_SOURCE, 'leave-worker', 'reconcile'];
/** What calls SAG and the ledger: the workers, and the reconcile (Describe, the ledger's range read, held plans). */
const SAG_AND_LEDGER: readonly FunctionName[] = [...WORKERS, 'reconcile'];
/** The functions that read whole HR rosters (shared/roster/): the scheduled reconcile. */
const ROSTER: readonly FunctionName[] = ['reconcile'];

/**
 * Which functions need each variable the code reads. A variable the code reads that is missing here fails the
 * deploy check (so a new knob in shared/config.ts cannot be forgotten in s.yaml), and so does a function that needs
 * a variable s.yaml does not pass it.
 */
export const ENV_NEEDS: Readonly<Record<string, readonly string[]>> = {
  REGION: ALL,
  MNS_ENDPOINT: ALL,
  MNS_ACCOUNT_ID: ALL,
  JOIN_QUEUE: ALL,
  TRANSFER_QUEUE: ALL,
  ENRICH_QUEUE: ALL,
  LEAVE_QUEUE: ALL,
  DEAD_LETTER_QUEUE: ALL,
  LOG_LEVEL: ALL,
  SAG_ENDPOINT: SAG_AND_LEDGER,
  SAG_TIMEOUT_MS: SAG_AND_LEDGER,
  SAG_MAX_CALLS_PER_SECOND: SAG_AND_LEDGER,
  BREAKER_BASE_SECONDS: SAG_AND_LEDGER,
  BREAKER_MAX_SECONDS: SAG_AND_LEDGER,
  WORKER_CONCURRENCY: WORKERS,
  RETRY_INLINE_ATTEMPTS: WORKERS,
  RETRY_INLINE_BASE_DELAY_MS: WORKERS,
  RETRY_MAX_ATTEMPTS: WORKERS,
  RETRY_BASE_DELAY_SECONDS: WORKERS,
  RETRY_MAX_DELAY_SECONDS: WORKERS,
  RETRY_MAX_DEFERRALS: WORKERS,
  RETRY_DEFER_DELAY_SECONDS: WORKERS,
  RETRY_DELAY_SCALE: SAG_AND_LEDGER,
  TABLESTORE_INSTANCE: SAG_AND_LEDGER,
  TABLESTORE_ENDPOINT: SAG_AND_LEDGER,
  LEDGER_TABLE: SAG_AND_LEDGER,
  TABLESTORE_TIMEOUT_MS: SAG_AND_LEDGER,
  LEDGER_LEASE_SECONDS: SAG_AND_LEDGER,
  // The transfer worker schedules the origin's delete under `transferPolicy: "move"`.
  LEAVER_DELETE_GRACE_DAYS: ['leave-worker', 'transfer-worker'],
  WEBHOOK_MAX_BODY_BYTES: ['webhook'],
  WEBHOOK_TOLERANCE_SECONDS: ['webhook'],
  HR_WEBHOOK_SECRET: ['webhook'],
  FEISHU_ENCRYPT_KEY: ['webhook'],
  FEISHU_VERIFICATION_TOKEN: ['webhook'],
  DINGTALK_TOKEN: HR_SOURCE,
  DINGTALK_AES_KEY: HR_SOURCE,
  DINGTALK_APP_KEY: HR_SOURCE,
  DINGTALK_APP_SECRET: HR_SOURCE,
  WECOM_TOKEN: HR_SOURCE,
  WECOM_ENCODING_AES_KEY: HR_SOURCE,
  WECOM_CORP_ID: HR_SOURCE,
  WECOM_CORP_SECRET: HR_SOURCE,
  SITES_JSON: SITES,
  SITES_FILE: SITES,
  DINGTALK_API_ENDPOINT: ['enrich-worker', 'reconcile'],
  WECOM_API_ENDPOINT: ['enrich-worker', 'reconcile'],
  HR_API_TIMEOUT_MS: ['enrich-worker', 'reconcile'],
  RECONCILE_SOURCE: ['reconcile'],
  RECONCILE_FILE: ['reconcile'],
  RECONCILE_SCHEDULE: ['reconcile'],
  RECONCILE_MAX_LEAVES: ['reconcile'],
  RECONCILE_MAX_LEAVE_PERCENT: ['reconcile'],
  FEISHU_APP_ID: ROSTER,
  FEISHU_APP_SECRET: ROSTER,
  FEISHU_API_ENDPOINT: ROSTER,
} satisfies Record<string, readonly FunctionName[]>;

/** Every variable the functions read (the keys of ENV_NEEDS). */
export const FUNCTION_ENV: readonly string[] = Object.keys(ENV_NEEDS);
