/** The directory's `employee-id` user-name policy end to end: create with a name and a generated password, roam by that name. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { join, postSigned, transfer } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: { LOG_LEVEL: 'warn' },
    sites: {
      userNamePolicy: 'employee-id',
      sites: [
        { id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-pol00000000001', bandwidthKbps: 1000, offices: ['Shanghai'] },
        { id: 'hz', regionId: 'cn-hangzhou', smartAGId: 'sag-pol00000000002', bandwidthKbps: 1000, offices: ['Hangzhou'] },
      ],
    },
  });
});
afterAll(async () => stack?.stop());

it('names the account u<employeeId>, and the transfer roams that same account', async () => {
  await postSigned(stack, join('E42', 'pol@example.com', 'Shanghai'));
  await stack.waitForIdle();
  const [user] = stack.sag.listUsers('sag-pol00000000001');
  expect(user).toMatchObject({ userName: 'uE42000', userMail: 'pol@example.com' });
  // A second delivery of another HR event for the same employee reconciles by name and email.
  await postSigned(stack, join('E42', 'pol@example.com', 'Shanghai'));
  await postSigned(stack, transfer('E42', 'pol@example.com', 'Shanghai', 'Hangzhou'));
  await stack.waitForIdle();
  expect(stack.sag.listUsers('sag-pol00000000001')).toHaveLength(1);
  expect(stack.sag.listUsers('sag-pol00000000002').map((u) => u.userName)).toEqual(['uE42000']);
  expect(await stack.drainDeadLetters()).toEqual([]);
});
