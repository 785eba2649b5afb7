/**
 * The product's HR API clients (shared/hr/hr-api.ts, used by the enrich worker) against the HR emulator: the
 * emulator speaks what the clients expect, and the clients classify the emulator's errors and faults as intended.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHrEmulator, type HrEmulator } from '../../emulators/hr/index.js';
import { PermanentError, TransientError } from '../../shared/errors.js';
import { DingTalkDirectory, WeComDirectory } from '../../shared/hr/hr-api.js';

let hr: HrEmulator;

beforeAll(async () => {
  hr = await startHrEmulator({
    data: {
      dingtalk: {
        departments: [{ dept_id: 100, name: 'Shanghai' }],
        users: [
          { userid: 'ann', name: 'Ann', email: 'ann@example.com', dept_id_list: [100], work_place: 'Shanghai' },
          { userid: 'bob', name: 'Bob', org_email: 'bob@corp.example.com' },
        ],
      },
      wecom: {
        departments: [{ id: 2, name: 'Beijing' }],
        users: [{ userid: 'zhangsan', name: '张三', department: [2], biz_mail: 'zs@corp.example.com', address: 'Beijing' }],
      },
    },
  });
});
afterAll(async () => {
  await hr.close();
});
beforeEach(() => {
  hr.reset();
});

const dingtalk = (appSecret = hr.dingtalk.appSecret) => new DingTalkDirectory({ endpoint: hr.url, appKey: hr.dingtalk.appKey, appSecret }, 2000);
const wecom = (corpSecret = hr.wecom.corpSecret) => new WeComDirectory({ endpoint: hr.url, corpId: hr.wecom.corpId, corpSecret }, 2000);

async function rejection(p: Promise<unknown>): Promise<Error & { reason?: string; details?: { upstreamCode?: string } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('HR API clients against the emulator', () => {
  it('DingTalkDirectory reads users (email, else org_email; departments; work place)', async () => {
    const c = dingtalk();
    expect(await c.getUser('ann')).toEqual({ userId: 'ann', name: 'Ann', email: 'ann@example.com', departmentIds: ['100'], workPlace: 'Shanghai' });
    expect(await c.getUser('bob')).toMatchObject({ email: 'bob@corp.example.com', departmentIds: ['1'] });
  });

  it('WeComDirectory reads users (email, else biz_mail; address as work place)', async () => {
    expect(await wecom().getUser('zhangsan')).toEqual({
      userId: 'zhangsan',
      name: '张三',
      email: 'zs@corp.example.com',
      departmentIds: ['2'],
      workPlace: 'Beijing',
    });
  });

  it('unknown users are permanent hr.user-not-found (60121 / 60111)', async () => {
    const d = await rejection(dingtalk().getUser('nobody'));
    expect(d).toBeInstanceOf(PermanentError);
    expect(d).toMatchObject({ reason: 'hr.user-not-found', details: { upstreamCode: '60121' } });
    const w = await rejection(wecom().getUser('nobody'));
    expect(w).toMatchObject({ reason: 'hr.user-not-found', details: { upstreamCode: '60111' } });
  });

  it('wrong app secrets are permanent hr.credentials-invalid (40089 / 40001)', async () => {
    expect(await rejection(dingtalk('wrong').getUser('ann'))).toMatchObject({ reason: 'hr.credentials-invalid', details: { upstreamCode: '40089' } });
    expect(await rejection(wecom('wrong').getUser('zhangsan'))).toMatchObject({ reason: 'hr.credentials-invalid', details: { upstreamCode: '40001' } });
  });

  it('a token that expires between calls is dropped and fetched again (42001)', async () => {
    const c = wecom();
    await c.getUser('zhangsan');
    expect(hr.expireTokens({ vendor: 'wecom' })).toBe(1);
    expect(await c.getUser('zhangsan')).toMatchObject({ userId: 'zhangsan' });
    expect(hr.snapshot().wecom.tokens.filter((t) => !t.expired)).toHaveLength(1);
    const d = dingtalk();
    await d.getUser('ann');
    hr.expireTokens({ vendor: 'dingtalk' });
    expect(await d.getUser('ann')).toMatchObject({ userId: 'ann' });
  });

  it('throttling, system busy, 5xx and HTML 502 are transient', async () => {
    hr.faults.add({ action: 'dingtalk.user.get', ratePerSecond: 0 });
    expect(await rejection(dingtalk().getUser('ann'))).toBeInstanceOf(TransientError);
    hr.faults.clear();
    hr.faults.add({ action: 'wecom.user.get', code: '-1', count: 1 });
    expect(await rejection(wecom().getUser('zhangsan'))).toBeInstanceOf(TransientError);
    hr.faults.add({ action: 'wecom.gettoken', code: '-1', httpStatus: 500, count: 1 });
    expect(await rejection(wecom().getUser('zhangsan'))).toBeInstanceOf(TransientError);
    hr.faults.add({ action: 'dingtalk.gettoken', html502: true, count: 1 });
    expect(await rejection(dingtalk().getUser('ann'))).toBeInstanceOf(TransientError);
    hr.faults.add({ action: 'dingtalk.user.get', reset: true, count: 1 });
    expect(await rejection(dingtalk().getUser('ann'))).toBeInstanceOf(TransientError);
  });
});
