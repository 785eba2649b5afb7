/**
 * `hr-sag-sync doctor`: one line per check, ✔ or ✘ with the fix. Exits 1 when a check failed.
 *
 * | check | how |
 * | --- | --- |
 * | `config`, `sites` | the functions' configuration and site directory load (shared/config.ts, shared/sites.ts) |
 * | `mns` | GetQueueAttributes of the dead-letter queue answers with these credentials |
 * | `queue:<name>`, `dlq-policy:<name>` | `setup --dry-run` finds nothing to change (deploy/setup.ts's desired state) |
 * | `ledger:<table>` | when TABLESTORE_INSTANCE is set: the table exists as setup makes it and answers a read (checks/ledger.ts) |
 * | `sag` | DescribeSmartAccessGatewayClientUsers answers with these credentials |
 * | `sag-instance:<site>` | the same call on each directory instance does not answer `SAG.InstanceNoFound`, and the instance has client-account quota left (checks/sag-quota.ts) |
 * | `hr:dingtalk`, `hr:wecom` | for each configured source, the user API issues a token and answers a lookup |
 * | `hr:feishu-roster` | with `FEISHU_APP_ID`/`FEISHU_APP_SECRET`, Feishu issues the app's tenant_access_token |
 * | `deployed:<function>` | with `--deployed`: the deployed function's variables match the local configuration (checks/deployed.ts) |
 *
 * A half-configured HR source fails `config` with the variables still missing (shared/config.ts).
 */
import type { Command } from 'commander';
import { queueSpecs, setupQueues, type DlqResult, type QueueResult } from '../../deploy/setup.js';
import { AUTH_CODE, CREDENTIALS_FIX, type Check, fail, message, pass } from '../checks/check.js';
import { deployedChecks, type DeployedOptions } from '../checks/deployed.js';
import { ledgerChecks } from '../checks/ledger.js';
import { instanceCheck, quotaOf } from '../checks/sag-quota.js';
import { mnsFor, mnsOpenFor, sagFor } from '../clients.js';
import { withTargetFlags, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { paint, printJson, println } from '../io.js';
import { resolveTarget, type Target } from '../target.js';
import {
  DingTalkDirectory,
  feishuTenantToken,
  type FeishuAppConfig,
  ProcessingError,
  SagCallError,
  SiteDirectory,
  SystemicError,
  TransientError,
  WeComDirectory,
  loadConfig,
  mnsErrorCode,
  type Config,
  type HrDirectoryClient,
} from '../../shared/index.js';

export type { Check } from '../checks/check.js';

/** `doctor --json`. */
export interface DoctorReport {
  schema: 'hr-sag-sync.cli.doctor/1';
  ok: boolean;
  checks: Check[];
}

function configChecks(target: Target): { checks: Check[]; config?: Config; directory?: SiteDirectory } {
  const checks: Check[] = [];
  let config: Config | undefined;
  let directory: SiteDirectory | undefined;
  try {
    config = loadConfig(target.env);
    const sources = ['generic', ...Object.keys(config.sources)].filter((s) => s !== 'generic' || config?.webhook.genericSecrets.length);
    checks.push(pass('config', `valid; queues ${Object.values(config.queues).join(', ')}; HR sources: ${sources.join(', ') || 'none'}`));
  } catch (err) {
    checks.push(fail('config', message(err), 'set or correct the variable named (shared/config.ts lists them all)'));
  }
  try {
    directory = SiteDirectory.fromEnv(target.env);
    checks.push(pass('sites', `${directory.sites.length} site(s): ${directory.sites.map((s) => s.id).join(', ')}`));
  } catch (err) {
    checks.push(fail('sites', message(err), 'set SITES_JSON (or SITES_FILE) to a valid directory (config/sites.sample.json shows the format)'));
  }
  return { checks, config, directory };
}

/** The SAG code behind a failed call: the client's classification, or the code a breaker or the pacer carries. */
function sagCodeOf(err: unknown): string {
  if (err instanceof SagCallError) return err.sagCode;
  if (err instanceof ProcessingError) return err.details.upstreamCode ?? err.reason;
  return 'error';
}

async function mnsCheck(target: Target, config: Config): Promise<Check> {
  try {
    await mnsFor(target).getQueueAttributes(config.queues.deadLetter);
    return pass('mns', `answers at ${target.mnsEndpoint} (${target.credentialSource} credentials)`);
  } catch (err) {
    const code = mnsErrorCode(err) ?? (err as { code?: string }).code ?? 'error';
    if (code === 'QueueNotExist') return pass('mns', `answers at ${target.mnsEndpoint} (${target.credentialSource} credentials)`);
    const fix = AUTH_CODE.test(code) ? CREDENTIALS_FIX : `check that ${target.mnsEndpoint} is reachable (--mns-endpoint, --region, --account-id)`;
    return fail('mns', `${code}: ${message(err).slice(0, 200)}`, fix);
  }
}

const queueCheck = (r: QueueResult): Check => {
  const name = `queue:${r.queue}`;
  if (r.action === 'unchanged') return pass(name, 'exists with the attributes setup makes');
  if (r.action === 'would-create') return fail(name, 'missing', 'hr-sag-sync setup');
  if (r.action === 'would-update')
    return fail(name, `attributes differ: ${r.changes.map((c) => `${c.attribute} ${c.from ?? '(unset)'}, want ${c.to}`).join('; ')}`, 'hr-sag-sync setup');
  return fail(name, r.action === 'failed' ? r.error : r.action, 'hr-sag-sync setup');
};

const dlqCheck = (r: DlqResult, queueMissing: boolean): Check => {
  const name = `dlq-policy:${r.queue}`;
  if (r.action === 'dlq-unchanged') return pass(name, `→ ${r.policy.DeadLetterTargetQueue} after ${r.policy.MaxReceiveCount} receives`);
  if (r.action === 'dlq-would-set') {
    const now = queueMissing ? 'not set (no queue)' : r.from ? `→ ${r.from.DeadLetterTargetQueue} after ${r.from.MaxReceiveCount} receives` : 'off';
    return fail(name, `is ${now}; setup makes it → ${r.policy.DeadLetterTargetQueue} after ${r.policy.MaxReceiveCount} receives`, 'hr-sag-sync setup');
  }
  if (r.action === 'dlq-warning')
    return fail(name, r.warning, 'hr-sag-sync setup, or set it in the SMQ console (queue → Dead-letter queue) if mns-open is not offered in this region');
  return pass(name, 'set');
};

async function queueChecks(target: Target, config: Config): Promise<Check[]> {
  const report = await setupQueues({
    mns: mnsFor(target),
    mnsOpen: mnsOpenFor(target),
    queues: queueSpecs(config.queues),
    dryRun: true,
    print: () => undefined,
  });
  const missing = new Set(report.queues.filter((q) => q.action === 'would-create').map((q) => q.queue));
  return [...report.queues.map(queueCheck), ...report.dlq.map((d) => dlqCheck(d, missing.has(d.queue)))];
}

async function sagChecks(target: Target, directory: SiteDirectory): Promise<Check[]> {
  const sag = sagFor(target);
  // Its own client (own breaker): a refused attribute call must not stop the Describe checks.
  const quotaSag = sagFor(target);
  const checks: Check[] = [];
  for (const site of directory.sites) {
    try {
      const res = await sag.call<{ TotalCount?: number }>('DescribeSmartAccessGatewayClientUsers', {
        RegionId: site.regionId,
        SmartAGId: site.smartAGId,
        PageNumber: 1,
        PageSize: 1,
      });
      if (!checks.length) checks.push(pass('sag', `answers at ${target.sagEndpoint}`));
      checks.push(instanceCheck(site, Number(res.TotalCount ?? 0), await quotaOf(quotaSag, site)));
    } catch (err) {
      const code = sagCodeOf(err);
      if (
        AUTH_CODE.test(code) ||
        (err instanceof SagCallError && err.kind !== 'permanent') ||
        (err instanceof TransientError && !(err instanceof SystemicError))
      ) {
        return [
          ...checks,
          fail(
            'sag',
            `${code}: ${message(err).slice(0, 200)}`,
            AUTH_CODE.test(code) ? CREDENTIALS_FIX : `check that ${target.sagEndpoint} is reachable (--sag-endpoint, --region)`,
          ),
        ];
      }
      if (!checks.length) checks.push(pass('sag', `answers at ${target.sagEndpoint}`));
      checks.push(
        fail(
          `sag-instance:${site.id}`,
          `${site.smartAGId} in ${site.regionId}: ${code}`,
          `correct smartAGId/regionId of site "${site.id}" in the site directory, or create the instance`,
        ),
      );
    }
  }
  return checks;
}

/** A lookup of a user id no HR system has: "not found" proves the token and the API work. */
const PROBE_USER = 'hr-sag-sync-doctor-probe';

async function hrCheck(name: string, client: HrDirectoryClient, fixVars: string): Promise<Check> {
  try {
    await client.getUser(PROBE_USER);
    return pass(name, 'token issued, user API answers');
  } catch (err) {
    const reason = (err as { reason?: string }).reason ?? (err as { code?: string }).code;
    if (reason === 'hr.user-not-found') return pass(name, 'token issued, user API answers');
    if (reason === 'hr.credentials-invalid') return fail(name, message(err), `check ${fixVars}`);
    return fail(
      name,
      message(err),
      `check that the API endpoint answers (${name === 'hr:dingtalk' ? 'DINGTALK_API_ENDPOINT' : 'WECOM_API_ENDPOINT'}) and ${fixVars}`,
    );
  }
}

/** The Feishu app a reconcile reads the roster with: its tenant_access_token is issued. */
async function feishuRosterCheck(app: FeishuAppConfig, timeoutMs: number): Promise<Check> {
  const name = 'hr:feishu-roster';
  try {
    await feishuTenantToken({ endpoint: app.apiEndpoint, appId: app.appId, appSecret: app.appSecret }, timeoutMs);
    return pass(name, 'tenant_access_token issued');
  } catch (err) {
    const invalid = (err as { code?: string }).code === 'hr.credentials-invalid';
    return fail(name, message(err), invalid ? 'check FEISHU_APP_ID and FEISHU_APP_SECRET' : 'check that FEISHU_API_ENDPOINT answers');
  }
}

function hrChecks(config: Config): Promise<Check[]> {
  const { dingtalk, wecom } = config.sources;
  const out: Array<Promise<Check>> = [];
  if (config.feishuApp) out.push(feishuRosterCheck(config.feishuApp, config.hrApiTimeoutMs));
  if (dingtalk)
    out.push(
      hrCheck(
        'hr:dingtalk',
        new DingTalkDirectory({ endpoint: dingtalk.apiEndpoint, appKey: dingtalk.appKey, appSecret: dingtalk.appSecret }, config.hrApiTimeoutMs),
        'DINGTALK_APP_KEY and DINGTALK_APP_SECRET',
      ),
    );
  if (wecom)
    out.push(
      hrCheck(
        'hr:wecom',
        new WeComDirectory({ endpoint: wecom.apiEndpoint, corpId: wecom.corpId, corpSecret: wecom.corpSecret }, config.hrApiTimeoutMs),
        'WECOM_CORP_ID and WECOM_CORP_SECRET',
      ),
    );
  return Promise.all(out);
}

/** Runs every check that applies (a check whose input failed is not run). */
export async function diagnose(target: Target, deployed?: DeployedOptions): Promise<Check[]> {
  const { checks, config, directory } = configChecks(target);
  if (config) {
    const mns = await mnsCheck(target, config);
    checks.push(mns);
    if (mns.ok) checks.push(...(await queueChecks(target, config)));
    checks.push(...(await ledgerChecks(target, config)));
  }
  if (directory) checks.push(...(await sagChecks(target, directory)));
  if (config) checks.push(...(await hrChecks(config)));
  if (config && deployed) checks.push(...(await deployedChecks(target, config, directory, deployed)));
  return checks;
}

interface DoctorFlags extends CommonFlags {
  deployed?: boolean;
  fcEndpoint?: string;
  functionPrefix?: string;
}

async function doctor(ctx: CommandContext, flags: DoctorFlags): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  if (flags.fcEndpoint !== undefined && !/^https?:\/\/[^/]+$/.test(flags.fcEndpoint))
    throw new UsageError(`--fc-endpoint must be http(s)://host[:port] (got "${flags.fcEndpoint}")`);
  const prefix = flags.functionPrefix ?? (ctx.io.env.FUNCTION_PREFIX || 'hr-sag-sync');
  const checks = await diagnose(target, flags.deployed ? { fcEndpoint: flags.fcEndpoint ?? target.fcEndpoint, prefix } : undefined);
  const ok = checks.every((c) => c.ok);
  ctx.exitCode = ok ? EXIT.ok : EXIT.findings;
  if (flags.json) return printJson(ctx.io, { schema: 'hr-sag-sync.cli.doctor/1', ok, checks } satisfies DoctorReport);
  const width = Math.max(28, ...checks.map((c) => c.name.length));
  for (const c of checks) {
    println(ctx.io, `${c.ok ? paint(ctx.io, 'stdout', 'green', '✔') : paint(ctx.io, 'stdout', 'red', '✘')} ${c.name.padEnd(width)} ${c.detail}`);
    if (c.fix) println(ctx.io, `  ${' '.repeat(width)} ${paint(ctx.io, 'stdout', 'yellow', `fix: ${c.fix}`)}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  println(
    ctx.io,
    failed
      ? paint(ctx.io, 'stdout', 'red', `${failed} of ${checks.length} checks failed`)
      : paint(ctx.io, 'stdout', 'green', `all ${checks.length} checks passed`),
  );
}

export function register(parent: Command, ctx: CommandContext): void {
  withTargetFlags(
    parent
      .command('doctor')
      .description('check configuration, credentials, queues, the ledger, SAG instances and HR APIs; exits 1 when a check fails')
      .option('--deployed', "also compare the deployed functions' variables with the local configuration (Function Compute GetFunction)")
      .option('--fc-endpoint <url>', 'Function Compute endpoint (default: https://{account}.{region}.fc.aliyuncs.com)')
      .option('--function-prefix <prefix>', "the functions' name prefix (default: FUNCTION_PREFIX, else hr-sag-sync)"),
  ).action((flags: DoctorFlags) => doctor(ctx, flags));
}
