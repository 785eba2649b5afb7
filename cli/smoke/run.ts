/**
 * The day-one check of a deployment: a synthetic employee (identity.ts) goes through join → transfer → leave →
 * rehire on a test site, driven through the deployed webhook and watched in SAG (Describe) and the dead-letter
 * queue, with each step's latency; the facts the code handles both ways are probed on the way (facts.ts); the
 * synthetic accounts are deleted at the end, whatever happened.
 *
 * | step | done when |
 * | --- | --- |
 * | `preflight` | the account is on neither instance yet |
 * | `join` | 202, then the account is enabled on the test site |
 * | `transfer` | 202, then the account is enabled on the second site |
 * | `leave` | 202, then every copy of the account is disabled |
 * | `rehire` | 202, then the account is enabled on the test site again |
 * | `dead-letters` | no dead letter about the employee is waiting |
 * | `probe:describe`, `probe:roam` | only on failure: a probe's call failed outright (facts.ts; a refusal is an answer) |
 * | `cleanup` | the synthetic accounts are deleted (the facts' probes' too) |
 *
 * A step fails on a webhook answer other than 202, on a dead letter about the employee, or when SAG does not show
 * the state within the step timeout. The employee's ledger row stays (its history is the run's record), and the
 * leave's delete step stays scheduled in the leave queue: when it comes due the rehire has made it stale, so it
 * does nothing.
 */
import type MNSClient from '@alicloud/mns/lib/client.js';
import { decodeRecord, describeDeadLetter, employeeOf, peek } from '../dead-letters.js';
import { probeDescribeFilter, probeRoamMissingOrigin, retryAfterFact, type SmokeFacts } from './facts.js';
import { syntheticEmployee, userNameOn, type SyntheticEmployee } from './identity.js';
import type { AccountSeen, SmokeSag } from './sag-watch.js';
import type { LifecyclePayload, SmokeHr } from './webhook-post.js';
import { SagCallError, type SiteEntry } from '../../shared/index.js';

export interface SmokeStep {
  name: string;
  ok: boolean;
  /** From the POST to the state seen in SAG (or the step's duration). */
  ms: number;
  /** The webhook's own answer time, for the lifecycle steps. */
  webhookMs?: number;
  detail: string;
}

export interface CleanupRow {
  site: string;
  userName: string;
  result: 'deleted' | 'absent' | 'refused' | 'error';
  detail?: string;
}

export interface SmokeRun {
  ok: boolean;
  failedStep?: string;
  steps: SmokeStep[];
  facts: SmokeFacts;
  cleanup: CleanupRow[];
}

export interface SmokeDeps {
  sag: SmokeSag;
  hr: SmokeHr;
  mns: MNSClient;
  deadLetterQueue: string;
  employee: SyntheticEmployee;
  /** The test site and the transfer's target. */
  site: SiteEntry;
  toSite: SiteEntry;
  /** Longest wait for SAG to show a step's state. */
  stepTimeoutMs: number;
  pollMs: number;
  /** Called as each step ends (the text output prints it). */
  onStep?: (s: SmokeStep) => void;
}

class StepFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

type Observation = { ok: boolean; detail: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seen = (a: AccountSeen) => (a.present ? (a.state === 0 ? 'enabled' : a.state === 1 ? 'disabled' : `state ${a.state}`) : 'absent');
const why = (err: unknown) => (err instanceof SagCallError ? `${err.sagCode}: ${err.message}` : err instanceof Error ? err.message : String(err));

/**
 * Runs the smoke test; never throws for a failed step (the result names it).
 *
 * @example
 * ```ts
 * const run = await runSmoke({ sag: new SmokeSag(target), hr: new SmokeHr(url, secret), mns: mnsFor(target),
 *   deadLetterQueue: 'hr-dead-letter', employee: syntheticEmployee(), site, toSite, stepTimeoutMs: 120_000, pollMs: 1000 });
 * if (!run.ok) console.error(`failed at ${run.failedStep}`);
 * ```
 */
export async function runSmoke(d: SmokeDeps): Promise<SmokeRun> {
  const steps: SmokeStep[] = [];
  const facts: SmokeFacts = {};
  const ghosts: Array<{ site: SiteEntry; userName: string }> = [];
  const record = (s: SmokeStep) => {
    steps.push(s);
    d.onStep?.(s);
  };
  let failedStep: string | undefined;
  try {
    await timed(record, 'preflight', () => preflight(d));
    await lifecycle(d, record, 'join', d.hr.join(d.employee, d.site.id), () => enabledOn(d, d.site));
    facts.describeUserNameFilter = await probe(record, 'probe:describe', () => probeDescribeFilter(d.sag, d.site, userNameOn(d.site, d.employee)));
    await lifecycle(d, record, 'transfer', d.hr.transfer(d.employee, d.site.id, d.toSite.id), () => enabledOn(d, d.toSite));
    const nobody = userNameOn(d.site, syntheticEmployee(d.employee.email.split('@')[1]));
    facts.roamMissingOrigin = await probe(record, 'probe:roam', () => probeRoamMissingOrigin(d.sag, { from: d.site, to: d.toSite, userName: nobody }, ghosts));
    await lifecycle(d, record, 'leave', d.hr.leave(d.employee), () => disabledEverywhere(d));
    await lifecycle(d, record, 'rehire', d.hr.join(d.employee, d.site.id), () => enabledOn(d, d.site));
    await timed(record, 'dead-letters', async () => {
      const dl = await deadLetterAbout(d);
      if (dl) throw new StepFailed('dead-letters', `a dead letter about the employee is waiting: ${dl}`);
      return 'none about the employee';
    });
  } catch (err) {
    failedStep = err instanceof StepFailed ? err.step : 'unexpected';
    if (!(err instanceof StepFailed)) record({ name: failedStep, ok: false, ms: 0, detail: why(err) });
  }
  const cleanup = await cleanUp(d, ghosts, facts);
  const cleanupFailed = cleanup.some((c) => c.result === 'refused' || c.result === 'error');
  record({
    name: 'cleanup',
    ok: !cleanupFailed,
    ms: 0,
    detail: cleanup.map((c) => `${c.site} ${c.result}${c.detail ? ` (${c.detail})` : ''}`).join('; ') || 'nothing to delete',
  });
  if (cleanupFailed) failedStep ??= 'cleanup';
  facts.retryAfter = retryAfterFact(d.sag.throttle);
  return { ok: failedStep === undefined, failedStep, steps, facts, cleanup };
}

/** Runs `fn` as a step: its result is the detail; a failure names the step. */
async function timed(record: (s: SmokeStep) => void, name: string, fn: () => Promise<string>): Promise<void> {
  const t0 = performance.now();
  try {
    const detail = await fn();
    record({ name, ok: true, ms: Math.round(performance.now() - t0), detail });
  } catch (err) {
    const detail = err instanceof StepFailed ? err.message : why(err);
    record({ name, ok: false, ms: Math.round(performance.now() - t0), detail });
    throw err instanceof StepFailed ? err : new StepFailed(name, detail);
  }
}

/** A probe: its answer is a fact; a call that fails outright (not an answer to record) fails the smoke there. */
async function probe<T>(record: (s: SmokeStep) => void, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    record({ name, ok: false, ms: 0, detail: why(err) });
    throw new StepFailed(name, why(err));
  }
}

async function preflight(d: SmokeDeps): Promise<string> {
  for (const site of [d.site, d.toSite]) {
    const a = await d.sag.account(site.regionId, site.smartAGId, userNameOn(site, d.employee));
    if (a.present) throw new StepFailed('preflight', `the synthetic account already exists on ${site.id}`);
  }
  return `${d.employee.id} is on neither ${d.site.id} nor ${d.toSite.id}`;
}

/** Posts a lifecycle event, then waits until SAG shows its effect. */
async function lifecycle(d: SmokeDeps, record: (s: SmokeStep) => void, name: string, payload: LifecyclePayload, want: () => Promise<Observation>) {
  const t0 = performance.now();
  let webhookMs: number | undefined;
  await timed(
    (s) => record({ ...s, ms: Math.round(performance.now() - t0), webhookMs }),
    name,
    async () => {
      const answer = await d.hr.post(payload).catch((err: unknown) => {
        throw new StepFailed(name, `the webhook did not answer: ${why(err)}`);
      });
      webhookMs = answer.ms;
      if (answer.status !== 202) throw new StepFailed(name, `the webhook answered ${answer.status}: ${answer.body}`);
      return waitFor(d, name, want);
    },
  );
}

/** Polls `want` until it holds; fails on a dead letter about the employee or after the step timeout. */
async function waitFor(d: SmokeDeps, name: string, want: () => Promise<Observation>): Promise<string> {
  const deadline = Date.now() + d.stepTimeoutMs;
  for (;;) {
    const o = await want();
    if (o.ok) return o.detail;
    const dl = await deadLetterAbout(d);
    if (dl) throw new StepFailed(name, `dead-lettered: ${dl} (SAG shows ${o.detail})`);
    if (Date.now() > deadline) throw new StepFailed(name, `SAG did not show it within ${d.stepTimeoutMs / 1000} s: ${o.detail}`);
    await sleep(d.pollMs);
  }
}

async function enabledOn(d: SmokeDeps, site: SiteEntry): Promise<Observation> {
  const a = await d.sag.account(site.regionId, site.smartAGId, userNameOn(site, d.employee));
  return { ok: a.present && a.state === 0, detail: `${site.id}: ${seen(a)}` };
}

async function disabledEverywhere(d: SmokeDeps): Promise<Observation> {
  const seenOn = await Promise.all([d.site, d.toSite].map(async (s) => ({ s, a: await d.sag.account(s.regionId, s.smartAGId, userNameOn(s, d.employee)) })));
  const present = seenOn.filter((x) => x.a.present);
  return {
    ok: present.length > 0 && present.every((x) => x.a.present && x.a.state === 1),
    detail: seenOn.map((x) => `${x.s.id}: ${seen(x.a)}`).join(', '),
  };
}

/** The reason of a dead letter about the employee among the first 16 of the dead-letter queue, if any. */
async function deadLetterAbout(d: SmokeDeps): Promise<string | undefined> {
  for (const m of await peek(d.mns, d.deadLetterQueue)) {
    const record = decodeRecord(m.MessageBody);
    if (employeeOf(record).id === d.employee.id) return describeDeadLetter(m, record).reason;
  }
  return undefined;
}

/** Deletes the synthetic accounts (and any account a probe made) on every instance that has them. */
async function cleanUp(d: SmokeDeps, ghosts: Array<{ site: SiteEntry; userName: string }>, facts: SmokeFacts): Promise<CleanupRow[]> {
  const targets = [d.site, d.toSite].map((site) => ({ site, userName: userNameOn(site, d.employee) })).concat(ghosts);
  const rows: CleanupRow[] = [];
  for (const { site, userName } of targets) {
    rows.push(await deleteOne(d, site, userName, facts));
  }
  return rows;
}

async function deleteOne(d: SmokeDeps, site: SiteEntry, userName: string, facts: SmokeFacts): Promise<CleanupRow> {
  const row = { site: site.id, userName };
  try {
    if (!(await d.sag.account(site.regionId, site.smartAGId, userName)).present) return { ...row, result: 'absent' };
    await d.sag.call('DeleteSmartAccessGatewayClientUser', { RegionId: site.regionId, SmartAGId: site.smartAGId, UserName: userName });
    facts.deleteRefusal ??= {
      answer: 'not-refused',
      detail: 'Delete of an account that never connected was accepted (a refusal needs traffic in the billing cycle)',
    };
    return { ...row, result: 'deleted' };
  } catch (err) {
    if (!(err instanceof SagCallError) || (await d.sag.account(site.regionId, site.smartAGId, userName).catch(() => undefined))?.present !== true)
      return { ...row, result: 'error', detail: why(err) };
    // Refused with the account still there: the code a refusal carries (the API documents none).
    facts.deleteRefusal = { answer: 'refused', code: err.sagCode, detail: err.message };
    await d.sag.call('DisableSmartAccessGatewayUser', { RegionId: site.regionId, SmartAGId: site.smartAGId, UserName: userName }).catch(() => undefined);
    return { ...row, result: 'refused', detail: `${err.sagCode}; left disabled: delete it next billing cycle` };
  }
}
