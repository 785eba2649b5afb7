import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, SignatureError } from '../../shared/errors.js';
import { signStandardWebhook, verifyStandardWebhook, type StandardWebhookInput } from '../../shared/hr/standard-webhooks.js';
import { anyBytes, anyOptionalText, anyText, outcome, substitute } from './_fuzz.js';

// S1: every reference library's "sign function works" test (https://github.com/standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts).
const S1 = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', ts: 1614265330, body: '{"test": 2432232314}' };
const S1_SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const OTHER_SECRET = 'whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC0xMjM0NTY=';

const input = (over: Partial<StandardWebhookInput> = {}): StandardWebhookInput => ({
  secrets: [S1.secret],
  id: S1.id,
  timestamp: String(S1.ts),
  signature: S1_SIG,
  rawBody: Buffer.from(S1.body),
  nowSec: S1.ts + 10,
  ...over,
});

describe('Standard Webhooks: official vector S1', () => {
  it('signs S1 byte for byte (string and Buffer bodies)', () => {
    expect(signStandardWebhook(S1.secret, S1.id, S1.ts, S1.body)).toBe(S1_SIG);
    expect(signStandardWebhook(S1.secret, S1.id, S1.ts, Buffer.from(S1.body))).toBe(S1_SIG);
  });

  it('verifies S1', () => {
    expect(() => verifyStandardWebhook(input())).not.toThrow();
  });

  it('matches an independent HMAC over id.timestamp.body', () => {
    const key = Buffer.from(S1.secret.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`${S1.id}.${S1.ts}.${S1.body}`).digest('base64');
    expect(`v1,${mac}`).toBe(S1_SIG);
  });
});

describe('Standard Webhooks: round trips', () => {
  it('verifies what it signs, for non-UTF-8 bodies too (bytes are signed, not text)', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7b]);
    const sig = signStandardWebhook(OTHER_SECRET, 'msg_1', 1700000000, body);
    expect(() =>
      verifyStandardWebhook({ secrets: [OTHER_SECRET], id: 'msg_1', timestamp: '1700000000', signature: sig, rawBody: body, nowSec: 1700000000 }),
    ).not.toThrow();
    // The same bytes read as UTF-8 and re-encoded are different bytes: refused.
    const reencoded = Buffer.from(body.toString('utf8'), 'utf8');
    expect(() =>
      verifyStandardWebhook({ secrets: [OTHER_SECRET], id: 'msg_1', timestamp: '1700000000', signature: sig, rawBody: reencoded, nowSec: 1700000000 }),
    ).toThrow(SignatureError);
  });

  it('accepts any matching entry of the list and any of several secrets (key rotation)', () => {
    expect(() => verifyStandardWebhook(input({ signature: `v1,AAAA v1a,xyz v2,${S1_SIG.slice(3)} ${S1_SIG}` }))).not.toThrow();
    expect(() => verifyStandardWebhook(input({ secrets: [OTHER_SECRET, S1.secret] }))).not.toThrow();
    const newSig = signStandardWebhook(OTHER_SECRET, S1.id, S1.ts, S1.body);
    expect(() => verifyStandardWebhook(input({ secrets: [OTHER_SECRET], signature: `${S1_SIG} ${newSig}` }))).not.toThrow();
  });

  it('accepts a secret without the whsec_ prefix (bare base64)', () => {
    expect(() => verifyStandardWebhook(input({ secrets: [S1.secret.slice(6)] }))).not.toThrow();
  });

  it('accepts the tolerance bound in both directions, and a custom tolerance', () => {
    expect(() => verifyStandardWebhook(input({ nowSec: S1.ts + 300 }))).not.toThrow();
    expect(() => verifyStandardWebhook(input({ nowSec: S1.ts - 300 }))).not.toThrow();
    expect(() => verifyStandardWebhook(input({ nowSec: S1.ts + 3000, toleranceSec: 3600 }))).not.toThrow();
  });
});

describe('Standard Webhooks: refusals', () => {
  it.each<[string, Partial<StandardWebhookInput>, RegExp]>([
    ['a missing id', { id: undefined }, /missing/],
    ['an empty id', { id: '' }, /missing/],
    ['a missing timestamp', { timestamp: undefined }, /missing/],
    ['a missing signature', { signature: undefined }, /missing/],
    ['an empty signature', { signature: '' }, /missing/],
    ['a non-integer timestamp', { timestamp: '1614265330.5' }, /not an integer/],
    ['a negative timestamp', { timestamp: '-1614265330' }, /not an integer/],
    ['a timestamp with spaces', { timestamp: ' 1614265330' }, /not an integer/],
    ['a millisecond timestamp', { timestamp: '1614265330000' }, /not an integer|replay window/],
    ['a stale timestamp', { nowSec: S1.ts + 301 }, /replay window/],
    ['a future timestamp', { nowSec: S1.ts - 301 }, /replay window/],
    ['a stale timestamp with a custom tolerance', { nowSec: S1.ts + 61, toleranceSec: 60 }, /replay window/],
    ['another body', { rawBody: Buffer.from('{"test": 2432232315}') }, /no webhook-signature entry matches/],
    ['a body with extra whitespace', { rawBody: Buffer.from(`${S1.body} `) }, /matches/],
    ['another id', { id: 'msg_other' }, /matches/],
    ['another timestamp (signed one kept)', { timestamp: String(S1.ts + 1) }, /matches/],
    ['another secret', { secrets: [OTHER_SECRET] }, /matches/],
    ['no secret at all', { secrets: [] }, /no usable webhook secret/],
    ['only an empty secret', { secrets: ['whsec_'] }, /no usable webhook secret/],
    ['a v1a entry only', { signature: `v1a,${S1_SIG.slice(3)}` }, /matches/],
    ['an entry without version', { signature: S1_SIG.slice(3) }, /matches/],
    ['an entry with the MAC as hex', { signature: `v1,${Buffer.from(S1_SIG.slice(3), 'base64').toString('hex')}` }, /matches/],
    ['a truncated signature', { signature: 'v1,g0hM9SsE+OTPJTGt' }, /matches/],
    ['a valid entry with junk after a comma (a duplicated header, as FC joins it)', { signature: `${S1_SIG},x` }, /matches/],
    ['a valid entry in non-canonical Base64', { signature: `${S1_SIG.slice(0, -2)}F=` }, /matches/],
    [
      'a signature with one more byte',
      { signature: `v1,${Buffer.concat([Buffer.from(S1_SIG.slice(3), 'base64'), Buffer.from([0])]).toString('base64')}` },
      /matches/,
    ],
  ])('refuses %s with SignatureError', (_name, over, reason) => {
    expect(() => verifyStandardWebhook(input(over))).toThrow(SignatureError);
    expect(() => verifyStandardWebhook(input(over))).toThrow(reason);
  });

  it('an empty-key secret cannot be used to forge, even next to a real one', () => {
    const forged = `v1,${createHmac('sha256', Buffer.alloc(0)).update(`${S1.id}.${S1.ts}.${S1.body}`).digest('base64')}`;
    expect(() => verifyStandardWebhook(input({ secrets: ['whsec_', S1.secret], signature: forged }))).toThrow(SignatureError);
  });

  it('fails closed on a broken clock or tolerance (ConfigError, not a silent pass)', () => {
    expect(() => verifyStandardWebhook(input({ nowSec: Number.NaN }))).toThrow(ConfigError);
    expect(() => verifyStandardWebhook(input({ toleranceSec: Number.NaN }))).toThrow(ConfigError);
    expect(() => verifyStandardWebhook(input({ toleranceSec: -1 }))).toThrow(ConfigError);
  });

  it('never leaks the secret in the error message', () => {
    try {
      verifyStandardWebhook(input({ rawBody: Buffer.from('x') }));
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(S1.secret.slice(6));
    }
  });
});

describe('Standard Webhooks: properties', () => {
  it('arbitrary headers and bodies only ever produce SignatureError', () => {
    fc.assert(
      fc.property(
        anyOptionalText,
        anyOptionalText,
        anyOptionalText,
        anyBytes,
        fc.integer({ min: 0, max: 2 ** 40 }),
        (id, timestamp, signature, rawBody, nowSec) => {
          outcome(() => verifyStandardWebhook({ secrets: [S1.secret], id, timestamp, signature, rawBody, nowSec }), [SignatureError]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random signatures never verify', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 4 }), (entries) => {
        expect(outcome(() => verifyStandardWebhook(input({ signature: entries.map((e) => `v1,${e}`).join(' ') || 'v1,' })), [SignatureError])).toBe('refused');
      }),
      { numRuns: 1000 },
    );
  });

  it('a signed message with any one character of id, timestamp or body substituted, or one signature character changed, is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
        fc.constantFrom('id', 'timestamp', 'body', 'signature'),
        fc.nat(),
        fc.constantFrom('0', '9', 'a', 'Z', '.', '+', '/', '=', ' ', 'é'),
        (id, ts, body, field, index, ch) => {
          const signature = signStandardWebhook(OTHER_SECRET, id, ts, body);
          const ok = { secrets: [OTHER_SECRET], id, timestamp: String(ts), signature, rawBody: Buffer.from(body), nowSec: ts };
          expect(outcome(() => verifyStandardWebhook(ok))).toBe('ok');
          const t = { ...ok };
          if (field === 'id') t.id = substitute(id, index, ch);
          if (field === 'timestamp') t.timestamp = substitute(String(ts), index, ch);
          if (field === 'body') t.rawBody = Buffer.from(substitute(body, index, ch));
          if (field === 'signature') t.signature = `v1,${substitute(signature.slice(3), index, ch)}`;
          // A substituted base64 padding character may decode to the same bytes; everything else must fail.
          if (field === 'signature' && Buffer.from(t.signature.slice(3), 'base64').equals(Buffer.from(signature.slice(3), 'base64'))) return;
          expect(outcome(() => verifyStandardWebhook(t), [SignatureError])).toBe('refused');
        },
      ),
      { numRuns: 1000 },
    );
  });
});
