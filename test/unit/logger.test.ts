import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, maskEmails, redact, setLogSink } from '../../shared/logger.js';

let restore: ((l: string) => void) | undefined;
afterEach(() => {
  if (restore) setLogSink(restore);
});

describe('logger', () => {
  it('masks emails anywhere in strings', () => {
    expect(maskEmails('user ann.lee@example.com and b@x.cn')).toBe('user a***@example.com and b***@x.cn');
  });

  it('masks secret-looking keys and emails, deeply', () => {
    const out = redact({
      accessKeySecret: 'sk',
      nested: { password: 'p', token: 't', email: 'ann@example.com', list: ['bob@example.org'] },
      signature: 'sig',
      ok: 'keep',
    });
    expect(out).toEqual({
      accessKeySecret: '***',
      nested: { password: '***', token: '***', email: 'a***@example.com', list: ['b***@example.org'] },
      signature: '***',
      ok: 'keep',
    });
  });

  it('writes one JSON line per call with base fields, respecting the level', () => {
    const lines: string[] = [];
    restore = setLogSink((l) => lines.push(l));
    const log = createLogger({ fn: 'x' }, 'info');
    log.debug('hidden');
    log.info('outcome', { eventId: 'evt_1', email: 'ann@example.com', error: new Error('failed for ann@example.com') });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] as string);
    expect(rec).toMatchObject({
      level: 'info',
      msg: 'outcome',
      fn: 'x',
      eventId: 'evt_1',
      email: 'a***@example.com',
      error: { message: 'failed for a***@example.com' },
    });
    expect(lines[0]).not.toContain('ann@example.com');
  });

  it('masks in linear time: a long run without "@" costs no more than its length (it was quadratic)', () => {
    const quadratic = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g; // the former pattern
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '.', '@', 'x.cn', ' ', '-', 'é'), maxLength: 60 }), (text) => {
        expect(maskEmails(text)).toBe(text.replace(quadratic, '$1***@$2'));
      }),
    );
    const run = `${'a'.repeat(200_000)} ann@example.com`;
    const t0 = performance.now();
    expect(maskEmails(run).endsWith(' a***@example.com')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});
