/** The local stack's site directory changes while it runs: a new site (and SAG instance) is served at once. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { join, postSigned, sagUsers } from '../helpers/stack.js';

let stack: Stack;
let file: string;
const lines: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  file = joinPath(mkdtempSync(joinPath(tmpdir(), 'sites-')), 'sites.json');
  writeFileSync(file, readFileSync('config/sites.sample.json'));
  stack = await startStack({ env: { LOG_LEVEL: 'warn' }, sitesFile: file, sitesPollMs: 50, log: (l) => lines.push(l) });
});
afterAll(async () => stack?.stop());

it('adds the SAG instance of a new site and routes its office there, without a restart', async () => {
  expect((await postSigned(stack, join('NS1', 'ns1@example.com', 'Shenzhen'))).body.action).toBe('dead-lettered');
  const sites = JSON.parse(readFileSync(file, 'utf8'));
  sites.sites.push({ id: 'sz', regionId: 'cn-shenzhen', smartAGId: 'sag-szsz0000000004', bandwidthKbps: 500, offices: ['Shenzhen'], departmentIds: ['104'] });
  writeFileSync(file, JSON.stringify(sites));
  for (let i = 0; i < 100 && !lines.some((l) => l.msg === 'site directory reloaded'); i++) await new Promise((r) => setTimeout(r, 20));
  expect(stack.directory.sites.map((s) => s.id)).toContain('sz');
  expect(stack.sag.listInstances().map((i) => i.id)).toContain('sag-szsz0000000004');
  expect((await postSigned(stack, join('NS2', 'ns2@example.com', 'Shenzhen'))).body.action).toBe('join');
  await stack.waitForIdle();
  expect(sagUsers(stack, 'sag-szsz0000000004').map((u) => u.userMail)).toEqual(['ns2@example.com']);
});

it('refuses an invalid directory and keeps the current one', () => {
  expect(() => stack.reloadSites({ sites: [] })).toThrow();
  expect(stack.directory.sites.map((s) => s.id)).toContain('sz');
});
