/**
 * The shipped artefacts themselves: each dist/<fn>/index.js (built by `npm run build`, which `npm test` runs first)
 * loads without node_modules, exports `handler`, and works against the emulators — the bundle's shims and
 * tree-shaking are exercised here, not only the TypeScript sources.
 */
import { cpSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_WEBHOOK_SECRET, startStack, type Stack } from '../../local/stack.js';
import { signedGenericRequest } from '../../local/sample.js';
import { FUNCTIONS as CATALOGUE, WORKER_FUNCTIONS } from '../../shared/catalogue.js';
import { loadConfig } from '../../shared/config.js';
import { reconcileDeps } from '../../shared/reconcile/deps.js';
import { preparePlan } from '../../shared/reconcile/reconcile.js';
import { FileRosterReader } from '../../shared/roster/file.js';
import { employee, toCsv } from '../helpers/roster.js';

const FUNCTIONS = CATALOGUE.map((f) => f.name);
let stack: Stack;
let isolated: string;

beforeAll(async () => {
  for (const fn of FUNCTIONS) if (!existsSync(`dist/${fn}/index.js`)) throw new Error(`dist/${fn}/index.js is missing: run npm run build`);
  // Copy the bundles where no node_modules can be found, as on FC.
  isolated = mkdtempSync(join(tmpdir(), 'bundles-'));
  for (const fn of FUNCTIONS) cpSync(resolve('dist', fn), join(isolated, fn), { recursive: true });
  stack = await startStack({ env: { LOG_LEVEL: 'warn' } });
  await Promise.all(Object.values(stack.runners).map((r) => r.stop()));
});
afterAll(async () => stack?.stop());

/** Runs a bundle's handler in a child process (async: the emulators live in this process and must keep serving). */
function run(fn: string, event: unknown, extraEnv: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const entry = join(isolated, fn, 'index.js');
  const code = `require(${JSON.stringify(entry)}).handler(Buffer.from(process.argv[1]),{credentials:{accessKeyId:'local-ak',accessKeySecret:'local-sk'},function:{name:${JSON.stringify(fn)},timeout:60}}).then(r=>process.stdout.write('\\nRESULT '+JSON.stringify(r)),e=>{process.stderr.write(String(e));process.exit(3)})`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', code, JSON.stringify(event)], {
      env: { PATH: process.env.PATH, ...stack.env, LOG_LEVEL: 'warn', ...extraEnv },
      cwd: isolated,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // Log lines share stdout with the result: take what follows the marker.
    child.on('close', (status) => resolve({ status, stdout: out.split('\nRESULT ')[1] ?? '', stderr: err }));
  });
}

/** Runs a bundle's handler with a bad configuration: what it logs and the error it throws, by name. */
function runMisconfigured(fn: string, event: unknown): Promise<{ logs: string; thrown: string; result: string }> {
  const entry = join(isolated, fn, 'index.js');
  const code = `require(${JSON.stringify(entry)}).handler(Buffer.from(process.argv[1]),{credentials:{accessKeyId:'local-ak',accessKeySecret:'local-sk'},function:{name:${JSON.stringify(fn)},timeout:60}}).then(r=>process.stdout.write('\\nRESULT '+JSON.stringify(r)),e=>process.stdout.write('\\nTHROWN '+JSON.stringify({name:e.name,ctor:e.constructor.name})))`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', code, JSON.stringify(event)], {
      env: { PATH: process.env.PATH, ...stack.env, RETRY_MAX_ATTEMPTS: 'many' },
      cwd: isolated,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', () =>
      resolve({ logs: out.split(/\n(?:RESULT|THROWN) /)[0] ?? '', thrown: out.split('\nTHROWN ')[1] ?? '', result: out.split('\nRESULT ')[1] ?? '' }),
    );
  });
}

describe('function bundles', () => {
  it('can carry the site directory as sites.json and read it with SITES_FILE (no SITES_JSON)', async () => {
    const { bundleFunction } = await import('../../scripts/build.js');
    const dir = mkdtempSync(join(tmpdir(), 'bundle-sites-'));
    await bundleFunction('webhook', dir, 'config/sites.sample.json');
    expect(statSync(join(dir, 'sites.json')).size).toBeGreaterThan(0);
    // The working directory is '/': the file must be found through FC_FUNC_CODE_PATH, not the cwd.
    const code = `require(${JSON.stringify(join(dir, 'index.js'))}).handler(Buffer.from(process.argv[1]),{}).then(r=>process.stdout.write('\\nRESULT '+JSON.stringify(r)))`;
    const { SITES_JSON: _omit, ...env } = stack.env;
    const event = {
      version: 'v1',
      rawPath: '/nope',
      body: '',
      isBase64Encoded: false,
      headers: {},
      queryParameters: {},
      requestContext: { http: { method: 'POST', path: '/nope' } },
    };
    const out = await new Promise<string>((res) => {
      const child = spawn(process.execPath, ['-e', code, JSON.stringify(event)], {
        cwd: '/',
        env: { PATH: process.env.PATH, ...env, SITES_FILE: 'sites.json', FC_FUNC_CODE_PATH: dir, LOG_LEVEL: 'warn' },
      });
      let o = '';
      child.stdout.on('data', (d) => (o += d));
      child.on('close', () => res(o.split('\nRESULT ')[1] ?? ''));
    });
    // A configured function answers 404 for an unknown path; a misconfigured one would answer 503.
    expect(JSON.parse(out)).toMatchObject({ statusCode: 404 });
  });

  it.each(FUNCTIONS)('%s is one file under 250 KB exporting handler', (fn) => {
    expect(statSync(`dist/${fn}/index.js`).size).toBeLessThan(250 * 1024);
    const r = spawnSync(
      process.execPath,
      ['-e', `const h=require(${JSON.stringify(join(isolated, fn, 'index.js'))}).handler;process.stdout.write('\\nRESULT '+typeof h)`],
      { encoding: 'utf8', cwd: isolated, env: { PATH: process.env.PATH } },
    );
    expect(r.stdout.split('\nRESULT ')[1]).toBe('function');
  });

  it('the webhook bundle logs a bad configuration as "name":"ConfigError" (literal names survive minification)', async () => {
    const event = {
      version: 'v1',
      rawPath: '/webhooks/generic',
      body: '',
      isBase64Encoded: false,
      headers: {},
      queryParameters: {},
      requestContext: { http: { method: 'POST', path: '/webhooks/generic' } },
    };
    const r = await runMisconfigured('webhook', event);
    expect(JSON.parse(r.result)).toMatchObject({ statusCode: 503 });
    expect(r.logs).toContain('"name":"ConfigError"');
  });

  it.each(WORKER_FUNCTIONS.map((f) => f.name))('the %s bundle throws an error named ConfigError on a bad configuration', async (fn) => {
    const r = await runMisconfigured(fn, [{ id: '1', specversion: '1.0', data: { requestId: 'r', messageId: 'm', messageBody: 'e30=' } }]);
    expect(r.result).toBe('');
    expect(JSON.parse(r.thrown)).toMatchObject({ name: 'ConfigError' });
  });

  it('the webhook bundle enqueues a signed join, and the join-worker bundle creates the account', async () => {
    const req = signedGenericRequest('http://x/webhooks/generic', LOCAL_WEBHOOK_SECRET, {
      type: 'employee.joined',
      timestamp: '2026-11-23T08:00:00Z',
      data: { employeeId: 'B1', name: 'B', email: 'bundle1@example.com', office: 'Shanghai' },
    });
    const httpEvent = {
      version: 'v1',
      rawPath: '/webhooks/generic',
      body: Buffer.from(req.body).toString('base64'),
      isBase64Encoded: true,
      headers: req.headers,
      queryParameters: {},
      requestContext: { http: { method: 'POST', path: '/webhooks/generic' } },
    };
    const w = await run('webhook', httpEvent);
    expect(w.status, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({ statusCode: 202 });
    const got = await stack.mnsClient.receiveMessage('hr-join', 1);
    const body = got.body as { MessageBody: string; MessageId: string; ReceiptHandle: string };
    // The trigger with IsBase64Decode off hands over the base64 text; the worker accepts it as is.
    const j = await run('join-worker', [{ id: '1', specversion: '1.0', data: { requestId: 'r', messageId: body.MessageId, messageBody: body.MessageBody } }]);
    expect(j.status, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ function: 'join-worker', received: 1, results: { done: 1 } });
    expect(stack.sag.listUsers('sag-shhq0000000001').map((u) => u.userMail)).toContain('bundle1@example.com');
    await stack.mnsClient.deleteMessage('hr-join', body.ReceiptHandle);
  });

  it('the reconcile bundle, invoked with an FC timer event, runs the same reconcile as the shared code: joins on the join queue', async () => {
    const file = join(isolated, 'reconcile', 'roster.csv');
    // B1 (the webhook test's join above) is listed too: the roster is the whole company.
    const b1 = employee(0, { employeeId: 'B1', email: 'bundle1@example.com', location: { office: 'Shanghai' } });
    writeFileSync(file, toCsv([b1, ...Array.from({ length: 30 }, (_, i) => employee(7000 + i))]));
    const env = { RECONCILE_SOURCE: 'file', RECONCILE_FILE: file };
    // What the shared code plans for this roster (a dry run, in this process)…
    const deps = reconcileDeps({
      config: loadConfig({ ...stack.env, ...env }),
      directory: stack.directory,
      credentials: { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' },
      reader: new FileRosterReader(file),
    });
    const planned = await preparePlan(deps, { dryRun: true });
    expect(planned.report.counts).toMatchObject({ join: 30, leave: 0 });
    // …is what the bundle applies, from a timer event (https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers).
    const before = stack.mns.queueDepth('hr-join');
    const timer = { triggerTime: '2026-11-23T08:00:00Z', triggerName: 'schedule', payload: 'reconcile' };
    const r = await run('reconcile', timer, env);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'applied', triggerTime: timer.triggerTime, counts: planned.report.counts, enqueued: 30, problems: 0 });
    expect(stack.mns.queueDepth('hr-join') - before).toBe(30);
    // Anything else is refused without reading or applying; RECONCILE_SOURCE unset turns it off.
    expect(JSON.parse((await run('reconcile', { hello: 'world' }, env)).stdout)).toMatchObject({ status: 'refused' });
    expect(JSON.parse((await run('reconcile', timer)).stdout)).toMatchObject({ status: 'off' });
    expect(stack.mns.queueDepth('hr-join') - before).toBe(30);
    const bad = await runMisconfigured('reconcile', timer);
    expect(JSON.parse(bad.thrown)).toMatchObject({ name: 'ConfigError' });
  });
});
