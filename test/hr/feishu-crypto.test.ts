import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DecryptError, SignatureError } from '../../shared/errors.js';
import { feishuDecrypt, feishuEncrypt, feishuSignature, verifyFeishuSignature, type FeishuSignatureInput } from '../../shared/hr/feishu-crypto.js';
import { anyBytes, anyOptionalText, anyText, blockBytes, flipByte, outcome, substitute } from './_fuzz.js';

// F1: the sample reused by Feishu SDK test suites; F2: https://github.com/larksuite/node-sdk (adaptor/services/__tests__/challenge.ts).
const F1 = { key: 'test key', encrypt: 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', plain: 'hello world' };
const F2 = {
  key: 'mazhe.nerd',
  encrypt:
    'tT1xP+ovuc0T3b/rnZX3ax76exqAn0ANQ6/U45GcciC0mgNBc8JtvqOJGNAPMKpgRs2dVU1NYk9VDeqS8T4SYtU0hzNU54aS84WnxvZ3VFfDcy/RyABlNqlUiGyLDzFI0yxdCMT4KR/YEQXlt6nZi50KwRlZ+A75r645KesZuLMljezYyY8VeeXEVjPw35+e',
  plain: '{"challenge":"5634b122-c042-4634-bc7f-b07a3c3e77ad","token":"iRdCP2WwXNBXRM3mGLqhrgch3cn0gbT6","type":"url_verification"}',
};

const KEY = 'kX2f9Lr0encryptKey';
const aesKey = (k: string) => createHash('sha256').update(k).digest();
/** AES-256-CBC of already padded bytes under a Feishu key, IV prefixed: lets a test choose the padding. */
function rawEncrypt(encryptKey: string, iv: Buffer, paddedPlain: Buffer): string {
  const c = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(paddedPlain), c.final()]).toString('base64');
}
const IV = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

describe('Feishu: official vectors', () => {
  it('F1 decrypts to "hello world"', () => {
    expect(feishuDecrypt(F1.key, F1.encrypt)).toBe(F1.plain);
  });

  it('F2 (node-sdk challenge test) decrypts to the url_verification body', () => {
    expect(feishuDecrypt(F2.key, F2.encrypt)).toBe(F2.plain);
  });

  it('re-encrypting F1 and F2 with their own IVs gives the vectors byte for byte', () => {
    for (const v of [F1, F2]) {
      const iv = Buffer.from(v.encrypt, 'base64').subarray(0, 16);
      expect(feishuEncrypt(v.key, v.plain, iv)).toBe(v.encrypt);
    }
  });

  it('F1 with another key is refused', () => {
    expect(() => feishuDecrypt('test key ', F1.encrypt)).toThrow(DecryptError);
  });
});

describe('Feishu: signature', () => {
  const body = Buffer.from('{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}');
  const ts = '1700000000';
  const input = (over: Partial<FeishuSignatureInput> = {}): FeishuSignatureInput => ({
    timestamp: ts,
    nonce: 'n0nce',
    signature: feishuSignature(ts, 'n0nce', KEY, body),
    encryptKey: KEY,
    rawBody: body,
    nowSec: 1700000010,
    ...over,
  });

  it('is plain hex SHA-256 of timestamp + nonce + key + raw body (not HMAC)', () => {
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${ts}n0nce${KEY}`), body]))
      .digest('hex');
    expect(feishuSignature(ts, 'n0nce', KEY, body)).toBe(expected);
    expect(feishuSignature(ts, 'n0nce', KEY, body.toString())).toBe(expected);
    const hmac = createHmac('sha256', KEY).update(`${ts}n0nce${body.toString()}`).digest('hex');
    expect(() => verifyFeishuSignature(input({ signature: hmac }))).toThrow(SignatureError);
  });

  it('hashes the raw bytes: a non-UTF-8 body verifies, its UTF-8 re-encoding does not', () => {
    const raw = Buffer.from([0x7b, 0xff, 0x7d]);
    const signature = feishuSignature(ts, 'n', KEY, raw);
    expect(() => verifyFeishuSignature(input({ nonce: 'n', signature, rawBody: raw }))).not.toThrow();
    expect(() => verifyFeishuSignature(input({ nonce: 'n', signature, rawBody: Buffer.from(raw.toString('utf8')) }))).toThrow(SignatureError);
  });

  it('accepts a correct signature (upper-case hex too) within the window, at both bounds', () => {
    expect(() => verifyFeishuSignature(input())).not.toThrow();
    expect(() => verifyFeishuSignature(input({ signature: input().signature?.toUpperCase() }))).not.toThrow();
    expect(() => verifyFeishuSignature(input({ nowSec: 1700000300 }))).not.toThrow();
    expect(() => verifyFeishuSignature(input({ nowSec: 1699999700 }))).not.toThrow();
    expect(() => verifyFeishuSignature(input({ nowSec: 1700003000, toleranceSec: 3600 }))).not.toThrow();
  });

  it('reads a millisecond timestamp as milliseconds (auto) and honours an explicit unit', () => {
    const tsMs = '1700000000000';
    const signature = feishuSignature(tsMs, 'n0nce', KEY, body);
    expect(() => verifyFeishuSignature(input({ timestamp: tsMs, signature }))).not.toThrow();
    expect(() => verifyFeishuSignature(input({ timestamp: tsMs, signature, timestampUnit: 's' }))).toThrow(/replay window/);
    expect(() => verifyFeishuSignature(input({ timestampUnit: 'ms' }))).toThrow(/replay window/);
  });

  it.each<[string, Partial<FeishuSignatureInput>, RegExp]>([
    ['a missing timestamp', { timestamp: undefined }, /missing/],
    ['a missing nonce', { nonce: undefined }, /missing/],
    ['an empty nonce', { nonce: '' }, /missing/],
    ['a missing signature', { signature: undefined }, /missing/],
    ['an empty Encrypt Key', { encryptKey: '' }, /no Feishu Encrypt Key/],
    ['a stale timestamp', { nowSec: 1700000301 }, /replay window/],
    ['a future timestamp', { nowSec: 1699999699 }, /replay window/],
    ['a non-integer timestamp', { timestamp: '1700000000.0' }, /not an integer/],
    ['a wrong signature', { signature: '0'.repeat(64) }, /does not match/],
    ['a truncated signature', { signature: feishuSignature(ts, 'n0nce', KEY, body).slice(0, 63) }, /does not match/],
    ['a signature with a non-hex character', { signature: `${feishuSignature(ts, 'n0nce', KEY, body).slice(0, 63)}g` }, /does not match/],
    ['a signature as base64', { signature: Buffer.from(feishuSignature(ts, 'n0nce', KEY, body), 'hex').toString('base64') }, /does not match/],
    ['another key', { encryptKey: `${KEY}x` }, /does not match/],
    ['another nonce', { nonce: 'n0nc3' }, /does not match/],
    ['another timestamp', { timestamp: '1700000001' }, /does not match/],
    ['another body', { rawBody: Buffer.from('{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=" }') }, /does not match/],
  ])('refuses %s with SignatureError', (_name, over, reason) => {
    expect(() => verifyFeishuSignature(input(over))).toThrow(SignatureError);
    expect(() => verifyFeishuSignature(input(over))).toThrow(reason);
  });

  it('fails closed on a broken clock', () => {
    expect(() => verifyFeishuSignature(input({ nowSec: Number.NaN }))).toThrow(ConfigError);
  });

  it('never puts the Encrypt Key in a message', () => {
    try {
      verifyFeishuSignature(input({ signature: 'ab' }));
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain(KEY);
    }
  });
});

describe('Feishu: decryption', () => {
  it('round-trips (random IV, empty, multi-block and non-ASCII plaintexts)', () => {
    for (const text of ['', 'x', 'a'.repeat(15), 'a'.repeat(16), 'a'.repeat(33), '{"name":"张三","city":"北京"} 🎉']) {
      const enc = feishuEncrypt(KEY, text);
      expect(feishuDecrypt(KEY, enc)).toBe(text);
    }
    expect(feishuEncrypt(KEY, 'same')).not.toBe(feishuEncrypt(KEY, 'same'));
  });

  it('produces what an independent AES-256-CBC/PKCS#7 decryptor reads', () => {
    const enc = Buffer.from(feishuEncrypt(KEY, 'hello Feishu', IV), 'base64');
    expect(enc.subarray(0, 16)).toEqual(IV);
    const d = createDecipheriv('aes-256-cbc', aesKey(KEY), enc.subarray(0, 16));
    expect(Buffer.concat([d.update(enc.subarray(16)), d.final()]).toString()).toBe('hello Feishu');
  });

  it('accepts a full block of padding (pad 16)', () => {
    expect(feishuDecrypt(KEY, rawEncrypt(KEY, IV, Buffer.concat([Buffer.from('0123456789abcdef'), Buffer.alloc(16, 16)])))).toBe('0123456789abcdef');
  });

  it.each<[string, string, RegExp]>([
    ['empty input', '', /wrong length/],
    ['non-base64 input', 'not base64!', /not valid Base64/],
    ['base64url input', F1.encrypt.replace(/\+/g, '-'), /not valid Base64/],
    ['base64 with whitespace', `${F1.encrypt.slice(0, 20)}\n${F1.encrypt.slice(20)}`, /not valid Base64/],
    ['base64 without its padding', F1.encrypt.replace(/=+$/, ''), /not valid Base64/],
    ['a truncated base64 string', F1.encrypt.slice(0, 41), /not valid Base64/],
    ['a base64 string truncated to whole quanta', F1.encrypt.slice(0, 40), /wrong length/],
    ['the IV only', Buffer.from(F1.encrypt, 'base64').subarray(0, 16).toString('base64'), /wrong length/],
    ['a ciphertext that is not whole blocks', Buffer.from(F1.encrypt, 'base64').subarray(0, 31).toString('base64'), /wrong length/],
    ['pad byte 0', rawEncrypt(KEY, IV, Buffer.concat([Buffer.from('0123456789abcde'), Buffer.from([0])])), /bad padding/],
    ['pad byte 17', rawEncrypt(KEY, IV, Buffer.concat([Buffer.from('0123456789abcde'), Buffer.from([17])])), /bad padding/],
    ['inconsistent pad bytes', rawEncrypt(KEY, IV, Buffer.concat([Buffer.from('0123456789ab'), Buffer.from([4, 3, 4, 4])])), /bad padding/],
    ['non-UTF-8 plaintext', rawEncrypt(KEY, IV, Buffer.concat([Buffer.from([0xc3, 0x28]), Buffer.alloc(14, 14)])), /not UTF-8/],
  ])('refuses %s with DecryptError', (_name, encrypt, reason) => {
    expect(() => feishuDecrypt(KEY, encrypt)).toThrow(DecryptError);
    expect(() => feishuDecrypt(KEY, encrypt)).toThrow(reason);
  });

  it('refuses a truncated ciphertext (last block dropped) and random bytes', () => {
    const enc = Buffer.from(feishuEncrypt(KEY, 'a'.repeat(40), IV), 'base64');
    expect(() => feishuDecrypt(KEY, enc.subarray(0, enc.length - 16).toString('base64'))).toThrow(DecryptError);
    // Fixed "random" bytes whose last plaintext byte is not a valid pad under KEY.
    const random = Buffer.from('8f1d0c5e6a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d', 'hex');
    expect(() => feishuDecrypt(KEY, random.toString('base64'))).toThrow(DecryptError);
  });
});

describe('Feishu: properties', () => {
  it('arbitrary ciphertext strings only ever produce DecryptError', () => {
    fc.assert(
      fc.property(anyText, fc.string(), (encrypt, key) => {
        outcome(() => feishuDecrypt(key, encrypt), [DecryptError]);
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary whole-block ciphertexts (reaching the padding check) only ever produce DecryptError', () => {
    fc.assert(
      fc.property(blockBytes, (bytes) => {
        outcome(() => feishuDecrypt(KEY, Buffer.concat([IV, bytes]).toString('base64')), [DecryptError]);
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary headers and bodies only ever produce SignatureError', () => {
    fc.assert(
      fc.property(anyOptionalText, anyOptionalText, anyOptionalText, anyBytes, (timestamp, nonce, signature, rawBody) => {
        outcome(() => verifyFeishuSignature({ timestamp, nonce, signature, encryptKey: KEY, rawBody, nowSec: 1700000000 }), [SignatureError]);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ minLength: 1 }), (text, key) => {
        expect(feishuDecrypt(key, feishuEncrypt(key, text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('a signed request with any one byte of the body, or one character of timestamp/nonce/signature, changed is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 100 }),
        fc.constantFrom('body', 'timestamp', 'nonce', 'signature'),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('0', '7', 'a', 'f', 'Z', ' '),
        (nonce, field, index, mask, ch) => {
          const rawBody = Buffer.from(JSON.stringify({ encrypt: feishuEncrypt(KEY, 'event', IV) }));
          const ok = {
            timestamp: '1700000000',
            nonce,
            signature: feishuSignature('1700000000', nonce, KEY, rawBody),
            encryptKey: KEY,
            rawBody,
            nowSec: 1700000000,
          };
          expect(outcome(() => verifyFeishuSignature(ok))).toBe('ok');
          const t: FeishuSignatureInput & { signature: string } = { ...ok };
          if (field === 'body') t.rawBody = flipByte(rawBody, index, mask);
          if (field === 'timestamp') t.timestamp = substitute(ok.timestamp, index, ch);
          if (field === 'nonce') t.nonce = substitute(nonce, index, ch);
          if (field === 'signature') t.signature = substitute(ok.signature, index, ch);
          // Hex is read case-insensitively: a change of case only is the same signature.
          if (t.signature.toLowerCase() === ok.signature) return;
          expect(outcome(() => verifyFeishuSignature(t), [SignatureError])).toBe('refused');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a tampered ciphertext never decrypts to the original plaintext (CBC is malleable: authenticity comes from the signature)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), fc.nat(), fc.nat(), (text, index, mask) => {
        const enc = Buffer.from(feishuEncrypt(KEY, text, IV), 'base64');
        const tampered = flipByte(enc, index, mask).toString('base64');
        let result: string | undefined;
        outcome(() => (result = feishuDecrypt(KEY, tampered)), [DecryptError]);
        expect(result).not.toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
