import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DecryptError, SignatureError } from '../../shared/errors.js';
import { verifyWxSignature, wxDecrypt, wxEncrypt, wxSeal, wxSignature, type WxSignatureInput } from '../../shared/hr/wx-biz-crypto.js';
import { anyOptionalText, anyText, blockBytes, flipByte, outcome, substitute } from './_fuzz.js';

// D1: https://github.com/open-dingtalk/DingTalk-Callback-Crypto (DingCallbackCrypto3.py); W1: WeCom's official sample data (checked with https://www.npmjs.com/package/@wecom/crypto).
const D1 = {
  token: 'mryue',
  aesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
  owner: 'ding6ccabc44d2c8d38b',
  timestamp: '1608001896814',
  nonce: 'WL4PK6yA',
  encrypt: '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
  signature: '03044561471240d4a14bb09372dfcfd4fd0e40cb',
  plain: '{"EventType":"check_url"}',
};
const W1 = {
  token: 'QDG6eK',
  aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  receiveId: 'wx5823bf96d3bd56c7',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  plain: '1616140317555161061',
};

const KEY = W1.aesKey;
const keyBytes = (k: string) => Buffer.from(`${k}=`, 'base64');
/** AES-256-CBC (IV = key[0..16)) of already padded bytes: lets a test write any plaintext layout. */
function rawEncrypt(aesKey: string, plain: Buffer): string {
  const key = keyBytes(aesKey);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}
/** random16 || len || msg || id, then the given padding bytes. */
function layout(msg: Buffer, id: string, padding: Buffer, declaredLen = msg.length): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(declaredLen, 0);
  return Buffer.concat([Buffer.alloc(16, 7), len, msg, Buffer.from(id), padding]);
}
/** An independent reading of the plaintext, the way the official Python sample does it. */
function referenceDecrypt(aesKey: string, encrypt: string) {
  const key = keyBytes(aesKey);
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]);
  const pad = plain[plain.length - 1] as number;
  const content = plain.subarray(16, plain.length - pad);
  const n = content.readUInt32BE(0);
  return { pad, total: plain.length, message: content.subarray(4, 4 + n).toString(), receiveId: content.subarray(4 + n).toString() };
}

describe('WXBiz: official vectors', () => {
  it('D1 (DingTalk): signature byte for byte', () => {
    expect(wxSignature(D1.token, D1.timestamp, D1.nonce, D1.encrypt)).toBe(D1.signature);
    expect(() =>
      verifyWxSignature({
        token: D1.token,
        timestamp: D1.timestamp,
        nonce: D1.nonce,
        signature: D1.signature,
        encrypt: D1.encrypt,
        nowSec: 1608001896 + 60,
        timestampUnit: 'ms',
      }),
    ).not.toThrow();
  });

  it('D1 (DingTalk): decrypts to check_url with the owner key as trailer, padded with 31 bytes of 31', () => {
    expect(wxDecrypt(D1.aesKey, D1.encrypt, D1.owner)).toEqual({ message: D1.plain, receiveId: D1.owner });
    expect(wxDecrypt(D1.aesKey, D1.encrypt)).toEqual({ message: D1.plain, receiveId: D1.owner });
    expect(referenceDecrypt(D1.aesKey, D1.encrypt).pad).toBe(31);
  });

  it('W1 (WeCom): msg_signature byte for byte and echostr decryption', () => {
    expect(wxSignature(W1.token, W1.timestamp, W1.nonce, W1.echostr)).toBe(W1.signature);
    expect(() =>
      verifyWxSignature({
        token: W1.token,
        timestamp: W1.timestamp,
        nonce: W1.nonce,
        signature: W1.signature,
        encrypt: W1.echostr,
        nowSec: 1409659589,
        timestampUnit: 's',
      }),
    ).not.toThrow();
    expect(wxDecrypt(W1.aesKey, W1.echostr, W1.receiveId)).toEqual({ message: W1.plain, receiveId: W1.receiveId });
  });

  it('re-encrypting D1 and W1 with their own random prefix gives the vectors byte for byte', () => {
    const prefix = (aesKey: string, encrypt: string) => {
      const key = keyBytes(aesKey);
      const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
      d.setAutoPadding(false);
      return Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]).subarray(0, 16);
    };
    expect(wxEncrypt(D1.aesKey, D1.plain, D1.owner, prefix(D1.aesKey, D1.encrypt))).toBe(D1.encrypt);
    expect(wxEncrypt(W1.aesKey, W1.plain, W1.receiveId, prefix(W1.aesKey, W1.echostr))).toBe(W1.echostr);
  });

  it("the vectors are refused under the other platform's key, token or id", () => {
    expect(() => wxDecrypt(W1.aesKey, D1.encrypt)).toThrow(DecryptError);
    expect(() => wxDecrypt(D1.aesKey, D1.encrypt, W1.receiveId)).toThrow(/receive id/);
    expect(() => verifyWxSignature({ token: W1.token, timestamp: D1.timestamp, nonce: D1.nonce, signature: D1.signature, encrypt: D1.encrypt })).toThrow(
      SignatureError,
    );
  });
});

describe('WXBiz: signature', () => {
  const base = (over: Partial<WxSignatureInput> = {}): WxSignatureInput => ({
    token: W1.token,
    timestamp: W1.timestamp,
    nonce: W1.nonce,
    signature: W1.signature,
    encrypt: W1.echostr,
    nowSec: 1409659589,
    ...over,
  });

  it('is SHA-1 over the sorted strings (order of the arguments does not matter)', () => {
    const sorted = [W1.token, W1.timestamp, W1.nonce, W1.echostr].sort().join('');
    expect(wxSignature(W1.token, W1.timestamp, W1.nonce, W1.echostr)).toBe(createHash('sha1').update(sorted).digest('hex'));
    expect(wxSignature(W1.echostr, W1.nonce, W1.token, W1.timestamp)).toBe(W1.signature);
  });

  it('takes the timestamp unit into account: DingTalk ms, WeCom s, auto by magnitude', () => {
    const dt = { token: D1.token, timestamp: D1.timestamp, nonce: D1.nonce, signature: D1.signature, encrypt: D1.encrypt };
    const nowSec = 1608001896;
    expect(() => verifyWxSignature({ ...dt, nowSec, timestampUnit: 'ms' })).not.toThrow();
    expect(() => verifyWxSignature({ ...dt, nowSec })).not.toThrow();
    expect(() => verifyWxSignature({ ...dt, nowSec, timestampUnit: 's' })).toThrow(/replay window/);
    expect(() => verifyWxSignature({ ...dt, nowSec: nowSec + 301, timestampUnit: 'ms' })).toThrow(/replay window/);
    expect(() => verifyWxSignature({ ...dt, nowSec: nowSec - 300, timestampUnit: 'ms' })).toThrow(/replay window/);
    expect(() => verifyWxSignature({ ...dt, nowSec: nowSec - 299, timestampUnit: 'ms' })).not.toThrow();
    expect(() => verifyWxSignature(base({ timestampUnit: 'ms' }))).toThrow(/replay window/);
    expect(() => verifyWxSignature(base({ timestampUnit: 's' }))).not.toThrow();
  });

  it('accepts the window bounds and skips the replay check only when no clock is given', () => {
    expect(() => verifyWxSignature(base({ nowSec: 1409659589 + 300 }))).not.toThrow();
    expect(() => verifyWxSignature(base({ nowSec: 1409659589 - 300 }))).not.toThrow();
    expect(() => verifyWxSignature(base({ nowSec: undefined }))).not.toThrow();
    expect(() => verifyWxSignature(base({ nowSec: 2_000_000_000, toleranceSec: Number.POSITIVE_INFINITY }))).not.toThrow();
  });

  it.each<[string, Partial<WxSignatureInput>, RegExp]>([
    ['a missing timestamp', { timestamp: undefined }, /missing/],
    ['a missing nonce', { nonce: undefined }, /missing/],
    ['a missing signature', { signature: undefined }, /missing/],
    ['an empty signature', { signature: '' }, /missing/],
    ['a missing ciphertext', { encrypt: undefined }, /missing/],
    ['an empty token', { token: '' }, /no callback token/],
    ['a stale timestamp', { nowSec: 1409659589 + 301 }, /replay window/],
    ['a future timestamp', { nowSec: 1409659589 - 301 }, /replay window/],
    ['a non-integer timestamp', { timestamp: '1409659589.0' }, /not an integer/],
    ['a non-integer timestamp without a clock', { timestamp: '14096x9589', nowSec: undefined }, /not an integer/],
    ['a wrong signature', { signature: 'f'.repeat(40) }, /does not match/],
    ['a truncated signature', { signature: W1.signature.slice(0, 39) }, /does not match/],
    ['a SHA-256 length signature', { signature: `${W1.signature}${'0'.repeat(24)}` }, /does not match/],
    ['another token', { token: 'QDG6eL' }, /does not match/],
    ['another nonce', { nonce: '263014781' }, /does not match/],
    ['another timestamp', { timestamp: '1409659590' }, /does not match/],
    ['another ciphertext', { encrypt: W1.echostr.replace('P9n', 'P9m') }, /does not match/],
  ])('refuses %s with SignatureError', (_name, over, reason) => {
    expect(() => verifyWxSignature(base(over))).toThrow(SignatureError);
    expect(() => verifyWxSignature(base(over))).toThrow(reason);
  });

  it('fails closed on a broken clock or tolerance', () => {
    expect(() => verifyWxSignature(base({ nowSec: Number.NaN }))).toThrow(ConfigError);
    expect(() => verifyWxSignature(base({ toleranceSec: -5 }))).toThrow(ConfigError);
  });
});

describe('WXBiz: decryption', () => {
  it('round-trips, for lengths around the 32-byte block (pad 32 included) and non-ASCII text', () => {
    // 16 + 4 + msg + 4-byte id: msg of 8 bytes → exactly 32 → a whole block of padding (32).
    for (const msg of ['', 'x', '12345678', 'a'.repeat(40), '{"EventType":"user_add_org","UserId":["张三"]}']) {
      const enc = wxEncrypt(KEY, msg, 'corp', Buffer.alloc(16, 1));
      expect(wxDecrypt(KEY, enc, 'corp')).toEqual({ message: msg, receiveId: 'corp' });
      const ref = referenceDecrypt(KEY, enc);
      expect(ref).toMatchObject({ message: msg, receiveId: 'corp' });
      expect(ref.total % 32).toBe(0);
      expect(ref.pad).toBeGreaterThanOrEqual(1);
      expect(ref.pad).toBeLessThanOrEqual(32);
    }
    expect(referenceDecrypt(KEY, wxEncrypt(KEY, '12345678', 'corp')).pad).toBe(32);
    expect(wxEncrypt(KEY, 'same', 'corp')).not.toBe(wxEncrypt(KEY, 'same', 'corp'));
  });

  it('accepts an empty receive id and a receive id check against it', () => {
    expect(wxDecrypt(KEY, wxEncrypt(KEY, 'm', ''), '')).toEqual({ message: 'm', receiveId: '' });
  });

  it('wxSeal gives a reply that verifies and decrypts to "success" (the DingTalk answer)', () => {
    const r = wxSeal({ token: D1.token, encodingAesKey: D1.aesKey, receiveId: D1.owner, message: 'success', timestamp: '1700000000000', nonce: 'abc123' });
    expect(r.timestamp).toBe('1700000000000');
    expect(r.nonce).toBe('abc123');
    expect(() =>
      verifyWxSignature({
        token: D1.token,
        timestamp: r.timestamp,
        nonce: r.nonce,
        signature: r.signature,
        encrypt: r.encrypt,
        nowSec: 1700000000,
        timestampUnit: 'ms',
      }),
    ).not.toThrow();
    expect(wxDecrypt(D1.aesKey, r.encrypt, D1.owner).message).toBe('success');
  });

  const msg = Buffer.from('hello');
  // 16 + 4 + 5 + 4 = 29 bytes of content → 3 bytes of padding to reach 32.
  it.each<[string, string, RegExp]>([
    ['empty input', '', /wrong length/],
    ['non-base64 input', '<xml>not base64</xml>', /not valid Base64/],
    ['base64 with a line break', `${W1.echostr.slice(0, 40)}\r\n${W1.echostr.slice(40)}`, /not valid Base64/],
    ['base64url input', W1.echostr.replace(/\//g, '_'), /not valid Base64/],
    ['a truncated base64 string', W1.echostr.slice(0, 50), /not valid Base64/],
    ['a ciphertext cut to 16 bytes', Buffer.from(W1.echostr, 'base64').subarray(0, 16).toString('base64'), /wrong length/],
    ['a ciphertext that is not whole blocks', Buffer.from(W1.echostr, 'base64').subarray(0, 40).toString('base64'), /wrong length/],
    ['pad byte 0', rawEncrypt(KEY, layout(msg, 'corp', Buffer.from([1, 1, 0]))), /bad padding/],
    ['pad byte 33', rawEncrypt(KEY, Buffer.concat([layout(msg, 'corp', Buffer.alloc(3, 33)), Buffer.alloc(32, 33)])), /bad padding/],
    ['pad byte 255', rawEncrypt(KEY, layout(msg, 'corp', Buffer.from([255, 255, 255]))), /bad padding/],
    ['inconsistent pad bytes', rawEncrypt(KEY, layout(msg, 'corp', Buffer.from([2, 3, 3]))), /bad padding/],
    ['nothing after the random prefix (one whole block of padding)', rawEncrypt(KEY, Buffer.alloc(32, 32)), /too short/],
    ['a message length beyond the plaintext', rawEncrypt(KEY, layout(msg, 'corp', Buffer.alloc(3, 3), 10)), /message length/],
    ['a huge message length', rawEncrypt(KEY, layout(msg, 'corp', Buffer.alloc(3, 3), 0xffffffff)), /message length/],
    ['content shorter than the length field', rawEncrypt(KEY, Buffer.concat([Buffer.alloc(16, 7), Buffer.from([0, 0, 0]), Buffer.alloc(13, 13)])), /too short/],
    ['a non-UTF-8 message', rawEncrypt(KEY, layout(Buffer.from([0x68, 0xc3, 0x28, 0x6c, 0x6f]), 'corp', Buffer.alloc(3, 3))), /not UTF-8/],
    [
      'a non-UTF-8 receive id',
      rawEncrypt(KEY, Buffer.concat([layout(msg, '', Buffer.alloc(0)), Buffer.from([0xff, 0xfe, 0x41, 0x42]), Buffer.alloc(3, 3)])),
      /not UTF-8/,
    ],
  ])('refuses %s with DecryptError', (_name, encrypt, reason) => {
    expect(() => wxDecrypt(KEY, encrypt)).toThrow(DecryptError);
    expect(() => wxDecrypt(KEY, encrypt)).toThrow(reason);
  });

  it('the hand-made layouts above are valid when padded correctly (so each refusal is the one named)', () => {
    expect(wxDecrypt(KEY, rawEncrypt(KEY, layout(msg, 'corp', Buffer.alloc(3, 3))), 'corp')).toEqual({ message: 'hello', receiveId: 'corp' });
  });

  it('refuses a wrong receive id / owner key, and a prefix of the right one', () => {
    const enc = wxEncrypt(KEY, 'hello', 'wx5823bf96d3bd56c7');
    expect(() => wxDecrypt(KEY, enc, 'wx5823bf96d3bd56c8')).toThrow(/receive id/);
    expect(() => wxDecrypt(KEY, enc, 'wx5823bf96d3bd56c')).toThrow(DecryptError);
    expect(() => wxDecrypt(KEY, enc, '')).toThrow(DecryptError);
  });

  it('refuses a truncated ciphertext (last blocks dropped), a wrong key and fixed random bytes', () => {
    const enc = Buffer.from(wxEncrypt(KEY, 'a'.repeat(60), 'corp', Buffer.alloc(16)), 'base64');
    expect(() => wxDecrypt(KEY, enc.subarray(0, enc.length - 32).toString('base64'))).toThrow(DecryptError);
    expect(() => wxDecrypt(D1.aesKey, enc.toString('base64'))).toThrow(DecryptError);
    const random = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855a1b2c3d4e5f60718293a4b5c6d7e8f90', 'hex');
    expect(() => wxDecrypt(KEY, random.toString('base64'))).toThrow(DecryptError);
  });

  it('treats a malformed EncodingAESKey as a configuration error', () => {
    expect(() => wxDecrypt('short', W1.echostr)).toThrow(ConfigError);
    expect(() => wxDecrypt(`${KEY}=`, W1.echostr)).toThrow(ConfigError);
    expect(() => wxDecrypt(KEY.replace('j', '-'), W1.echostr)).toThrow(ConfigError);
    expect(() => wxEncrypt('short', 'm', 'id')).toThrow(ConfigError);
  });
});

describe('WXBiz: properties', () => {
  it('arbitrary ciphertext strings and receive ids only ever produce DecryptError', () => {
    fc.assert(
      fc.property(anyText, fc.option(anyText, { nil: undefined }), (encrypt, id) => {
        outcome(() => wxDecrypt(KEY, encrypt, id), [DecryptError]);
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary plaintext layouts under the right key (reaching padding, length and UTF-8 checks) only ever produce DecryptError', () => {
    fc.assert(
      fc.property(blockBytes, fc.integer({ min: 0, max: 40 }), fc.nat(), (bytes, padValue, lenHint) => {
        // Half of the cases get a plausible tail (pad bytes, small length) to go deeper.
        const plain = Buffer.from(bytes);
        if (lenHint % 2 === 0 && plain.length >= 32) {
          plain.fill(padValue, plain.length - Math.min(padValue, plain.length));
          plain.writeUInt32BE(lenHint % 64, 16);
        }
        outcome(() => wxDecrypt(KEY, rawEncrypt(KEY, plain), 'corp'), [DecryptError]);
      }),
      { numRuns: 3000 },
    );
  });

  it('arbitrary query parameters only ever produce SignatureError', () => {
    fc.assert(
      fc.property(
        anyOptionalText,
        anyOptionalText,
        anyOptionalText,
        anyOptionalText,
        fc.constantFrom<'s' | 'ms' | 'auto'>('s', 'ms', 'auto'),
        (timestamp, nonce, signature, encrypt, timestampUnit) => {
          outcome(() => verifyWxSignature({ token: W1.token, timestamp, nonce, signature, encrypt, nowSec: 1700000000, timestampUnit }), [SignatureError]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips any message and receive id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 40 }), (message, id) => {
        expect(wxDecrypt(KEY, wxEncrypt(KEY, message, id), id)).toEqual({ message, receiveId: id });
      }),
      { numRuns: 500 },
    );
  });

  it('verify then decrypt: any one character of the ciphertext, timestamp, nonce or signature changed is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.constantFrom('encrypt', 'timestamp', 'nonce', 'signature'),
        fc.nat(),
        fc.constantFrom('0', '9', 'a', 'f', 'Z', '+', '/', '='),
        (message, field, index, ch) => {
          const sealed = wxSeal({ token: D1.token, encodingAesKey: D1.aesKey, receiveId: D1.owner, message, timestamp: '1700000000000', nonce: 'nonce42' });
          const ok = {
            token: D1.token,
            timestamp: sealed.timestamp,
            nonce: sealed.nonce,
            signature: sealed.signature,
            encrypt: sealed.encrypt,
            nowSec: 1700000000,
          };
          const pipeline = (p: typeof ok) => {
            verifyWxSignature(p);
            return wxDecrypt(D1.aesKey, p.encrypt as string, D1.owner);
          };
          expect(pipeline(ok).message).toBe(message);
          const t = { ...ok };
          if (field === 'encrypt') t.encrypt = substitute(ok.encrypt, index, ch);
          if (field === 'timestamp') t.timestamp = substitute(ok.timestamp, index, ch);
          if (field === 'nonce') t.nonce = substitute(ok.nonce, index, ch);
          if (field === 'signature') t.signature = substitute(ok.signature, index, ch);
          if (t.signature.toLowerCase() === ok.signature) return; // hex is read case-insensitively
          expect(outcome(() => pipeline(t), [SignatureError])).toBe('refused');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a tampered ciphertext alone never yields the original message (CBC is malleable: authenticity comes from the signature)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), fc.nat(), fc.nat(), (message, index, mask) => {
        const enc = Buffer.from(wxEncrypt(KEY, message, 'corp'), 'base64');
        let result: { message: string; receiveId: string } | undefined;
        outcome(() => (result = wxDecrypt(KEY, flipByte(enc, index, mask).toString('base64'), 'corp')), [DecryptError]);
        expect(result).not.toEqual({ message, receiveId: 'corp' });
      }),
      { numRuns: 1000 },
    );
  });
});
