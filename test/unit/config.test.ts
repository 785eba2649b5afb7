import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_NAMES, loadConfig } from '../../shared/config.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c.region).toBe('cn-shanghai');
    expect(c.queues).toEqual(DEFAULT_QUEUE_NAMES);
    expect(c.queues).toEqual({ join: 'hr-join', transfer: 'hr-transfer', enrich: 'hr-enrich', leave: 'hr-leave', deadLetter: 'hr-dead-letter' });
    expect(c.retry).toMatchObject({ inlineAttempts: 3, maxAttempts: 8, baseDelaySeconds: 30, maxDeferrals: 10, delayScale: 1 });
    expect(c.webhook).toEqual({ maxBodyBytes: 262144, toleranceSeconds: 300, genericSecrets: [] });
  });

  it('reads overrides, FC region and several rotation secrets', () => {
    const c = loadConfig({ FC_REGION: 'cn-hangzhou', JOIN_QUEUE: 'j1', RETRY_DELAY_SCALE: '0.01', HR_WEBHOOK_SECRET: 'whsec_a  whsec_b' });
    expect(c.region).toBe('cn-hangzhou');
    expect(c.queues.join).toBe('j1');
    expect(c.retry.delayScale).toBe(0.01);
    expect(c.webhook.genericSecrets).toEqual(['whsec_a', 'whsec_b']);
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig({ RETRY_MAX_ATTEMPTS: 'many' })).toThrow(/RETRY_MAX_ATTEMPTS must be an integer/);
    expect(() => loadConfig({ JOIN_QUEUE: 'bad name!' })).toThrow(/JOIN_QUEUE is not a valid queue name/);
    expect(() => loadConfig({ JOIN_QUEUE: 'same', TRANSFER_QUEUE: 'same' })).toThrow(/must all differ/);
    expect(() => loadConfig({ MNS_ENDPOINT: 'http://h:1/' })).toThrow(/MNS_ENDPOINT/);
    expect(() => loadConfig({ HR_WEBHOOK_SECRET: 'plain' })).toThrow(/whsec_/);
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY/);
  });
});
