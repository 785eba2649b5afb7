import { describe, expect, it } from 'vitest';
import { SignatureError } from '../../shared/errors.js';
import { signStandardWebhook, verifyStandardWebhook } from '../../shared/hr/standard-webhooks.js';

const S1 = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', ts: 1614265330, body: '{"test": 2432232314}' };
const SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const input = (over: Partial<Parameters<typeof verifyStandardWebhook>[0]> = {}) => ({
  secrets: [S1.secret],
  id: S1.id,
  timestamp: String(S1.ts),
  signature: SIG,
  rawBody: Buffer.from(S1.body),
  nowSec: S1.ts + 10,
  ...over,
});

describe('Standard Webhooks', () => {
  it('reproduces the official vector S1', () => {
    expect(signStandardWebhook(S1.secret, S1.id, S1.ts, S1.body)).toBe(SIG);
    expect(() => verifyStandardWebhook(input())).not.toThrow();
  });

  it('accepts any matching entry and any rotated secret', () => {
    expect(() => verifyStandardWebhook(input({ signature: `v1,AAAA v1a,xyz ${SIG}` }))).not.toThrow();
    expect(() => verifyStandardWebhook(input({ secrets: ['whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LTEyMzQ1', S1.secret] }))).not.toThrow();
  });

  it.each([
    ['a missing id', { id: undefined }],
    ['a missing timestamp', { timestamp: undefined }],
    ['a missing signature', { signature: undefined }],
    ['a non-integer timestamp', { timestamp: '1614265330.5' }],
    ['a stale timestamp', { nowSec: S1.ts + 301 }],
    ['a future timestamp', { nowSec: S1.ts - 301 }],
    ['another body', { rawBody: Buffer.from('{"test": 2432232315}') }],
    ['another id', { id: 'msg_other' }],
    ['another secret', { secrets: ['whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LTEyMzQ1'] }],
    ['no secret at all', { secrets: [] }],
    ['a v1a entry only', { signature: 'v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }],
    ['a truncated signature', { signature: 'v1,g0hM9SsE+OTPJTGt' }],
  ])('refuses %s with SignatureError', (_name, over) => {
    expect(() => verifyStandardWebhook(input(over))).toThrow(SignatureError);
  });
});
