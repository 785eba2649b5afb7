/**
 * `hr-sag-sync smoke --url <webhook URL> --site <test site> [--to-site <site>]` (or `--local`): the day-one check of
 * a deployment. A synthetic employee goes through join → transfer → leave → rehire, watched in SAG and the
 * dead-letter queue; each step's latency is printed, the facts the code handles both ways are recorded, the
 * synthetic accounts are deleted. Exits 1 naming the failed step. The steps are in cli/smoke/run.ts.
 */
import type { Command } from 'commander';
import { mnsFor } from '../clients.js';
import { duration, withTargetFlags, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { paint, printJson, println } from '../io.js';
import { SMOKE_EMAIL_DOMAIN, syntheticEmployee, type SyntheticEmployee } from '../smoke/identity.js';
import { runSmoke, type CleanupRow, type SmokeStep } from '../smoke/run.js';
import type { SmokeFacts } from '../smoke/facts.js';
import { SmokeSag } from '../smoke/sag-watch.js';
import { SmokeHr } from '../smoke/webhook-post.js';
import { resolveTarget, type Target } from '../target.js';
import { SiteDirectory, loadConfig, maskEmails, type SiteEntry } from '../../shared/index.js';

/** `smoke --json`. */
export interface SmokeReport {
  schema: 'hr-sag-sync.cli.smoke/1';
  ok: boolean;
  failedStep?: string;
  employee: SyntheticEmployee;
  site: string;
  toSite: string;
  steps: SmokeStep[];
  facts: SmokeFacts;
  cleanup: CleanupRow[];
}

interface SmokeFlags extends CommonFlags {
  url?: string;
  site?: string;
  toSite?: string;
  secret?: string;
  emailDomain: string;
  timeout?: number;
}

/** Step timeout and Describe polling: the cloud's functions start cold and SAG is paced; the local stack is not. */
const TIMING = { cloud: { timeoutS: 120, pollMs: 1000 }, local: { timeoutS: 30, pollMs: 100 } } as const;

/** The test site and the transfer's target: `--to-site`, else the directory's next site on another instance. */
function sitesOf(directory: SiteDirectory, flags: SmokeFlags, local: boolean): { site: SiteEntry; toSite: SiteEntry } {
  const siteId = flags.site ?? (local ? directory.sites[0]?.id : undefined);
  if (!siteId) throw new UsageError('--site is needed: the id of a test site of the directory');
  const site = directory.get(siteId);
  if (!site) throw new UsageError(`--site ${siteId} is not in the site directory (${directory.sites.map((s) => s.id).join(', ')})`);
  const toSite = flags.toSite ? directory.get(flags.toSite) : directory.sites.find((s) => s.smartAGId !== site.smartAGId);
  if (!toSite) {
    throw new UsageError(
      flags.toSite
        ? `--to-site ${flags.toSite} is not in the site directory`
        : 'the transfer needs a second site on another instance: add one or pass --to-site',
    );
  }
  if (toSite.smartAGId === site.smartAGId) throw new UsageError('--to-site must be on another SAG instance than --site');
  return { site, toSite };
}

function webhookOf(target: Target, flags: SmokeFlags): { url: string; secret: string } {
  const url = flags.url ?? target.webhookUrl;
  if (!url) throw new UsageError('--url is needed: the deployed webhook (the HTTP function URL)');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url must be an http(s) URL (got "${url}")`);
  const secret = flags.secret ?? loadConfig(target.env).webhook.genericSecrets[0];
  if (!secret) throw new UsageError('the generic source secret is needed: set HR_WEBHOOK_SECRET (as deployed) or pass --secret');
  return { url, secret };
}

function printStep(ctx: CommandContext, s: SmokeStep): void {
  const mark = s.ok ? paint(ctx.io, 'stdout', 'green', '✔') : paint(ctx.io, 'stdout', 'red', '✘');
  const ms = s.ms ? `${(s.ms / 1000).toFixed(2)} s`.padStart(8) : ''.padStart(8);
  const hook = s.webhookMs === undefined ? '' : `  (webhook ${s.webhookMs} ms)`;
  println(ctx.io, `${mark} ${s.name.padEnd(13)}${ms}  ${maskEmails(s.detail)}${hook}`);
}

function printFacts(ctx: CommandContext, facts: SmokeFacts): void {
  println(ctx.io, '\nfacts recorded');
  for (const [name, f] of Object.entries(facts)) {
    if (!f) continue;
    const code = 'code' in f && f.code ? ` ${f.code}` : '';
    println(ctx.io, `  ${name.padEnd(24)} ${f.answer}${code}: ${maskEmails(f.detail)}`);
  }
}

async function smoke(ctx: CommandContext, flags: SmokeFlags): Promise<void> {
  const target = await resolveTarget(ctx.io, flags);
  const config = loadConfig(target.env);
  const { site, toSite } = sitesOf(SiteDirectory.fromEnv(target.env), flags, target.kind === 'local');
  const { url, secret } = webhookOf(target, flags);
  const timing = TIMING[target.kind];
  const employee = syntheticEmployee(flags.emailDomain);
  if (!flags.json) println(ctx.io, `smoke: ${employee.id} on ${site.id} → ${toSite.id} through ${url}`);
  const run = await runSmoke({
    sag: new SmokeSag(target),
    hr: new SmokeHr(url, secret),
    mns: mnsFor(target),
    deadLetterQueue: config.queues.deadLetter,
    employee,
    site,
    toSite,
    stepTimeoutMs: (flags.timeout ?? timing.timeoutS) * 1000,
    pollMs: timing.pollMs,
    onStep: flags.json ? undefined : (s) => printStep(ctx, s),
  });
  ctx.exitCode = run.ok ? EXIT.ok : EXIT.findings;
  if (flags.json) {
    const { ok, failedStep, steps, facts, cleanup } = run;
    return printJson(ctx.io, {
      schema: 'hr-sag-sync.cli.smoke/1',
      ok,
      failedStep,
      employee,
      site: site.id,
      toSite: toSite.id,
      steps,
      facts,
      cleanup,
    } satisfies SmokeReport);
  }
  printFacts(ctx, run.facts);
  println(ctx.io, run.ok ? paint(ctx.io, 'stdout', 'green', '\nsmoke passed') : paint(ctx.io, 'stdout', 'red', `\nsmoke failed at step ${run.failedStep}`));
}

export function register(parent: Command, ctx: CommandContext): void {
  withTargetFlags(
    parent
      .command('smoke')
      .description('drive a synthetic employee through join → transfer → leave → rehire on a test site; exits 1 naming the failed step')
      .option('--url <url>', 'the deployed webhook (HTTP function URL); --local: the local stack')
      .option('--site <id>', 'test site of the directory (--local: the first site)')
      .option('--to-site <id>', "the transfer's target (default: the directory's next site on another SAG instance)")
      .option('--secret <whsec>', 'generic source secret (default: the first of HR_WEBHOOK_SECRET)')
      .option('--email-domain <domain>', 'domain of the synthetic email', SMOKE_EMAIL_DOMAIN)
      .option('--timeout <duration>', 'longest wait for SAG to show a step (default 120s; --local 30s)', duration),
  ).action((flags: SmokeFlags) => smoke(ctx, flags));
}
