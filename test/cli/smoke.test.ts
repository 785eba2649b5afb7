/**
 * `smoke --local` against the local stack: passes, records the facts, cleans up; fails naming the step when a fault
 * is injected (SAG refuses Enable: the rehire; the join queue refuses messages: the join).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { addFault, clearFaults } from '../helpers/stack.js';
import { localTarget } from '../../cli/target.js';
import { probeRoamMissingOrigin } from '../../cli/smoke/facts.js';
import { SmokeSag } from '../../cli/smoke/sag-watch.js';
import type { SiteEntry } from '../../shared/index.js';
import { cli, localEnv } from './run-cli.js';

let stack: Stack;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'error' } });
  env = localEnv(stack);
});
afterAll(async () => stack?.stop());

const smokeUsers = () =>
  stack.sag
    .listInstances()
    .flatMap((i) => stack.sag.listUsers(i.id))
    .filter((u) => u.userMail.endsWith('@example.invalid'));

it('passes: every step, its latency, the facts, and nothing left in SAG', async () => {
  const r = await cli(['smoke', '--local', '--json'], env);
  const doc = r.json();
  expect(r.code, JSON.stringify(doc.steps)).toBe(0);
  expect(doc).toMatchObject({ schema: 'hr-sag-sync.cli.smoke/1', ok: true, site: 'sh-hq', toSite: 'hz-rd' });
  expect(doc.employee.id).toMatch(/^hr-sag-sync-smoke-[0-9a-f]{8}$/);
  expect(doc.employee.email).toMatch(/^smoke-[0-9a-f]{8}@example\.invalid$/);
  expect(doc.steps.map((s: { name: string }) => s.name)).toEqual(['preflight', 'join', 'transfer', 'leave', 'rehire', 'dead-letters', 'cleanup']);
  for (const s of doc.steps) expect(s.ok, s.name).toBe(true);
  for (const s of doc.steps.slice(1, 5)) {
    expect(s.ms).toBeGreaterThan(0);
    expect(s.webhookMs).toBeGreaterThanOrEqual(0);
  }
  expect(doc.facts).toEqual({
    describeUserNameFilter: expect.objectContaining({ answer: 'exact' }),
    roamMissingOrigin: expect.objectContaining({ answer: 'refused', code: 'ClientUser.UserNotExist' }),
    deleteRefusal: expect.objectContaining({ answer: 'not-refused' }),
    retryAfter: expect.objectContaining({ answer: 'not-observed' }),
  });
  expect(doc.cleanup.map((c: { site: string; result: string }) => `${c.site} ${c.result}`)).toEqual(['sh-hq deleted', 'hz-rd deleted']);
  expect(smokeUsers()).toEqual([]);
}, 60_000);

it('text output: one line per step with its latency, the facts, the verdict', async () => {
  const r = await cli(['smoke', '--local'], env);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^✔ join\s+\d+\.\d\d s\s+sh-hq: enabled\s+\(webhook \d+ ms\)$/m);
  expect(r.stdout).toMatch(/^\s+roamMissingOrigin\s+refused ClientUser\.UserNotExist/m);
  expect(r.stdout).toMatch(/smoke passed$/m);
  expect(r.stdout).not.toMatch(/smoke-[0-9a-f]{8}@/);
}, 60_000);

it('records x-acs-retry-after when SAG throttles the smoke and sends it', async () => {
  stack.sag.setRetryAfterMs(1);
  await addFault(stack.sag.url, { action: 'DescribeSmartAccessGatewayClientUsers', code: 'Throttling.User', httpStatus: 429, count: 1 });
  try {
    const doc = (await cli(['smoke', '--local', '--json'], env)).json();
    expect(doc.ok).toBe(true);
    expect(doc.facts.retryAfter).toEqual({ answer: 'sent', detail: '1 of 1 throttled answer(s) carried x-acs-retry-after' });
  } finally {
    stack.sag.setRetryAfterMs(undefined);
    await clearFaults(stack.sag.url);
  }
}, 60_000);

it('SAG refuses Enable: fails at the rehire, names it, still cleans up', async () => {
  await addFault(stack.sag.url, { action: 'EnableSmartAccessGatewayUser', code: 'ClientUser.NotSupportAction', httpStatus: 400 });
  try {
    const r = await cli(['smoke', '--local', '--json'], env);
    const doc = r.json();
    expect(r.code).toBe(1);
    expect(doc.ok).toBe(false);
    expect(doc.failedStep).toBe('rehire');
    const rehire = doc.steps.find((s: { name: string }) => s.name === 'rehire');
    expect(rehire).toMatchObject({ ok: false, detail: expect.stringMatching(/^dead-lettered: sag\.ClientUser\.NotSupportAction/) });
    expect(doc.steps.at(-1)).toMatchObject({ name: 'cleanup', ok: true });
    expect(smokeUsers()).toEqual([]);
  } finally {
    await clearFaults(stack.sag.url);
  }
  const text = await cli(['smoke', '--local', '--timeout', '5s'], env);
  expect(text.code).toBe(0);
}, 60_000);

it('the roam probe: a refusal is the answer recorded; a refused permission fails the probe itself', async () => {
  const sag = new SmokeSag(localTarget(env));
  const [from, to] = stack.directory.sites as [SiteEntry, SiteEntry];
  const route = { from, to, userName: 'smoke-00000000@example.invalid' };
  expect(await probeRoamMissingOrigin(sag, route, [])).toMatchObject({ answer: 'refused', code: 'ClientUser.UserNotExist' });
  await addFault(stack.sag.url, { action: 'RoamClientUser', code: 'Forbidden.RAM', httpStatus: 403, count: 1 });
  try {
    const err = await probeRoamMissingOrigin(sag, route, []).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SagCallError', sagCode: 'Forbidden.RAM', kind: 'systemic' });
  } finally {
    await clearFaults(stack.sag.url);
  }
});

it("the join queue refuses messages: fails at the join with the webhook's answer", async () => {
  await addFault(stack.mns.url, { action: 'SendMessage', queue: 'hr-join', code: 'InternalError', httpStatus: 500 });
  try {
    const r = await cli(['smoke', '--local'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✘ join\s.*the webhook answered 5\d\d/m);
    expect(r.stdout).toMatch(/smoke failed at step join$/m);
  } finally {
    await clearFaults(stack.mns.url);
  }
}, 60_000);

it('usage errors: an unknown site, a directory without a second instance', async () => {
  const r = await cli(['smoke', '--local', '--site', 'nowhere'], env);
  expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--site nowhere is not in the site directory')]);
  const one = JSON.stringify({ sites: [{ id: 'solo', regionId: 'cn-shanghai', smartAGId: 'sag-shhq0000000001', bandwidthKbps: 100, offices: ['X'] }] });
  const r2 = await cli(['smoke', '--local'], { ...env, SITES_JSON: one });
  expect([r2.code, r2.stderr]).toEqual([2, expect.stringContaining('second site')]);
  const cloud = await cli(['smoke', '--region', 'cn-shanghai', '--account-id', '1'], {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'a',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b',
    SITES_JSON: one,
  });
  expect([cloud.code, cloud.stderr]).toEqual([2, expect.stringContaining('--site is needed')]);
});
