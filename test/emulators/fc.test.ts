/**
 * The Function Compute GetFunction emulator through the official `@alicloud/fc20230330` client (signature V3 over
 * loopback): a function's variables, FunctionNotFound, refused keys and secrets, an injected fault.
 */
import FC, { GetFunctionRequest } from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFcEmulator, type FcEmulator } from '../../emulators/fc/index.js';

let fc: FcEmulator;
beforeAll(async () => {
  fc = await startFcEmulator({ functions: [{ functionName: 'hr-sag-sync-webhook', environmentVariables: { REGION: 'cn-shanghai', JOIN_QUEUE: 'hr-join' } }] });
});
afterAll(async () => fc?.close());

const client = (accessKeyId = 'local-ak', accessKeySecret = 'local-sk', securityToken?: string) =>
  new FC(
    new $OpenApiUtil.Config({ accessKeyId, accessKeySecret, securityToken, endpoint: `${fc.host}:${fc.port}`, protocol: 'http', regionId: 'cn-shanghai' }),
  );
const get = (c: FC, name: string) => c.getFunction(name, new GetFunctionRequest({}));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({}) as { code?: string; statusCode?: number },
    (e: { code?: string; statusCode?: number }) => e,
  );

it('answers the function with its environment variables', async () => {
  const r = await get(client(), 'hr-sag-sync-webhook');
  expect(r.statusCode).toBe(200);
  expect(r.body?.functionName).toBe('hr-sag-sync-webhook');
  expect(r.body?.environmentVariables).toEqual({ REGION: 'cn-shanghai', JOIN_QUEUE: 'hr-join' });
  fc.setFunction({ functionName: 'hr-sag-sync-webhook', environmentVariables: { REGION: 'cn-hangzhou' } });
  expect((await get(client(), 'hr-sag-sync-webhook')).body?.environmentVariables).toEqual({ REGION: 'cn-hangzhou' });
});

it('an unknown function is FunctionNotFound (404); a deleted one too', async () => {
  expect(await failure(get(client(), 'nope'))).toMatchObject({ code: 'FunctionNotFound', statusCode: 404 });
  fc.setFunction({ functionName: 'gone', environmentVariables: {} });
  fc.deleteFunction('gone');
  expect(await failure(get(client(), 'gone'))).toMatchObject({ code: 'FunctionNotFound' });
});

it('refuses an unknown key and a wrong secret', async () => {
  expect(await failure(get(client('LTAIunknown', 'x'), 'hr-sag-sync-webhook'))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound' });
  expect(await failure(get(client('local-ak', 'wrong'), 'hr-sag-sync-webhook'))).toMatchObject({ code: 'SignatureDoesNotMatch' });
});

it('honours an injected fault once', async () => {
  fc.faults.add({ action: 'GetFunction', code: 'ServiceUnavailable', httpStatus: 503, count: 1 });
  expect(await failure(get(client(), 'hr-sag-sync-webhook'))).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
  expect((await get(client(), 'hr-sag-sync-webhook')).statusCode).toBe(200);
});
