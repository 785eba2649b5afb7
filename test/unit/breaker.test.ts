/** The breaker for systemic failures, on an injected clock. */
import { describe, expect, it } from 'vitest';
import { Breaker } from '../../shared/breaker.js';
import { SystemicError } from '../../shared/errors.js';
import { createLogger, setLogSink } from '../../shared/logger.js';

const cause = {
  reason: 'sag.InvalidAccessKeyId.NotFound',
  message: 'InvalidAccessKeyId.NotFound: Specified access key is not found.',
  fix: 'check the AccessKey',
};

function setup(opts: { scale?: number; maxSeconds?: number } = {}) {
  let now = 1_000_000;
  const lines: Array<Record<string, unknown>> = [];
  const prev = setLogSink((l) => lines.push(JSON.parse(l)));
  const breaker = new Breaker({ log: createLogger({ component: 'breaker' }, 'info'), now: () => now, ...opts });
  return { breaker, lines, advance: (ms: number) => (now += ms), restore: () => setLogSink(prev) };
}

const refusal = (fn: () => unknown): SystemicError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof SystemicError) return err;
    throw err;
  }
  throw new Error('expected a SystemicError');
};

describe('Breaker', () => {
  it('opens a scope on trip and refuses calls in it with the cause, the scope and the wait', () => {
    const t = setup();
    const err = t.breaker.trip('sag:account', cause);
    expect(err).toBeInstanceOf(SystemicError);
    expect(err).toMatchObject({ scope: 'sag:account', reason: cause.reason, retryAfterSeconds: 60 });
    const refused = refusal(() => t.breaker.admit(['sag:account', 'sag:instance:a']));
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(60);
    expect(refused.message).toContain('check the AccessKey');
    t.restore();
  });

  it('lets one probe through once the wait has passed, and doubles the wait when the probe fails, up to the cap', () => {
    const t = setup({ maxSeconds: 200 });
    t.breaker.trip('sag:account', cause);
    t.advance(59_999);
    refusal(() => t.breaker.admit(['sag:account']));
    t.advance(1);
    const probe = t.breaker.admit(['sag:account']);
    expect(probe).toEqual({ probe: true });
    refusal(() => t.breaker.admit(['sag:account'])); // only one probe at a time
    // Calls that were in flight when the scope opened fail too: they change nothing.
    expect(t.breaker.trip('sag:account', cause).retryAfterSeconds).toBe(60);
    expect(t.breaker.trip('sag:account', cause, probe).retryAfterSeconds).toBe(120);
    t.advance(120_000);
    expect(t.breaker.trip('sag:account', cause, t.breaker.admit(['sag:account'])).retryAfterSeconds).toBe(200);
    t.restore();
  });

  it('closes when a call succeeds, and logs that once', () => {
    const t = setup();
    t.breaker.trip('sag:account', cause);
    t.advance(60_000);
    t.breaker.admit(['sag:account']);
    t.breaker.succeeded(['sag:account']);
    expect(t.breaker.isOpen('sag:account')).toBe(false);
    expect(t.breaker.admit(['sag:account'])).toEqual({ probe: false });
    expect(t.lines.filter((l) => l.msg === 'breaker closed')).toHaveLength(1);
    t.restore();
  });

  it('keeps scopes apart: an open instance does not stop another instance or the account', () => {
    const t = setup();
    t.breaker.trip('sag:instance:gone', { ...cause, reason: 'sag.SAG.InstanceNoFound' });
    expect(t.breaker.admit(['sag:account', 'sag:instance:other'])).toEqual({ probe: false });
    refusal(() => t.breaker.admit(['sag:account', 'sag:instance:gone']));
    t.restore();
  });

  it('logs one error line per cause and scope per minute, however many calls are refused', () => {
    const t = setup();
    t.breaker.trip('sag:account', cause);
    for (let i = 0; i < 500; i++) {
      refusal(() => t.breaker.admit(['sag:account']));
      t.advance(100); // 50 s in all
    }
    expect(t.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    t.advance(10_000);
    const probe = t.breaker.admit(['sag:account']);
    expect(probe).toEqual({ probe: true });
    t.breaker.trip('sag:account', cause, probe); // the probe failed: a minute has passed, so a second line
    for (let i = 0; i < 100; i++) refusal(() => t.breaker.admit(['sag:account']));
    const errors = t.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ msg: 'breaker open', scope: 'sag:account', reason: cause.reason, fix: 'check the AccessKey' });
    t.restore();
  });

  it('scales its waits by RETRY_DELAY_SCALE but reports the unscaled wait (the runtime scales delays itself)', () => {
    const t = setup({ scale: 0.01 });
    expect(t.breaker.trip('sag:account', cause).retryAfterSeconds).toBe(60);
    t.advance(600);
    expect(t.breaker.admit(['sag:account'])).toEqual({ probe: true });
    t.restore();
  });
});
