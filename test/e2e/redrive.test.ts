/** Redrive on the local stack: dead letters go back to their queues once the cause is fixed. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { redrive } from '../../scripts/redrive.js';
import { addFault, clearFaults, join, postSigned, sagUsers } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'warn' } });
});
afterAll(async () => stack?.stop());

it('re-routes site.unmapped with the fixed directory and resends canonical events; keeps what still fails', async () => {
  // An office the directory does not know, a join that failed for good (instance full, injected), and an office
  // that stays unknown.
  expect((await postSigned(stack, join('RD1', 'rd1@example.com', 'Shenzhen'))).body.action).toBe('dead-lettered');
  await addFault(stack.sag.url, { action: 'CreateSmartAccessGatewayClientUser', code: 'ClientUser.UserOverLimit', httpStatus: 400, count: 1 });
  await postSigned(stack, join('RD2', 'rd2@example.com', 'Shanghai'));
  expect((await postSigned(stack, join('RD3', 'rd3@example.com', 'Atlantis'))).body.action).toBe('dead-lettered');
  await stack.waitForIdle();
  await clearFaults(stack.sag.url);
  expect(stack.mns.queueDepth('hr-dead-letter')).toBe(3);

  // The directory is fixed: Shenzhen is served by the Hangzhou site.
  const sites = JSON.parse(stack.env.SITES_JSON as string);
  sites.sites[1].offices.push('Shenzhen');
  const env = { ...stack.env, SITES_JSON: JSON.stringify(sites), ALIBABA_CLOUD_ACCESS_KEY_ID: 'local-ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'local-sk' };
  expect(await redrive({ env, dryRun: true, print: () => undefined })).toEqual({ resent: 2, kept: 1 });
  expect(stack.mns.queueDepth('hr-dead-letter')).toBe(3);
  await new Promise((r) => setTimeout(r, 1100)); // the dry run released the records for 1 s

  const lines: string[] = [];
  expect(await redrive({ env, print: (l) => lines.push(l) })).toEqual({ resent: 2, kept: 1 });
  expect(lines.some((l) => /keep .*still maps to no site/.test(l))).toBe(true);
  expect(lines.join('\n')).not.toContain('rd3@example.com');
  await stack.waitForIdle();
  expect(sagUsers(stack, 'sag-hzrd0000000002').map((u) => u.userMail)).toContain('rd1@example.com');
  expect(sagUsers(stack, 'sag-shhq0000000001').map((u) => u.userMail)).toContain('rd2@example.com');
  expect(stack.mns.queueDepth('hr-dead-letter')).toBe(1);
});
