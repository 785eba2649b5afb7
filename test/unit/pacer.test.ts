/** The adaptive pacer on a fake clock (vitest's fake timers drive Date.now and setTimeout). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer, PacingDeferred } from '../../shared/sag/pacer.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const FAR = () => Date.now() + 3_600_000;

/** Acquires, letting the fake clock run until the call is admitted. */
async function admitted(pacer: Pacer, deadline = FAR()) {
  const call = pacer.acquire(deadline);
  await vi.runOnlyPendingTimersAsync();
  return call;
}

/** Runs `n` calls one after another, each answered after `latencyMs` with `result(i)`. */
async function run(pacer: Pacer, n: number, result: (i: number) => 'ok' | 'throttled', latencyMs = 50): Promise<void> {
  for (let i = 0; i < n; i++) {
    const call = pacer.acquire(FAR());
    await vi.runOnlyPendingTimersAsync();
    const paced = await call;
    await vi.advanceTimersByTimeAsync(latencyMs);
    paced.done(result(i));
  }
}

describe('Pacer', () => {
  it('starts slowly, then cuts to beta × the rate in use on the first throttling answer', async () => {
    const pacer = new Pacer({ now: () => Date.now() });
    expect(pacer.rate).toBe(10);
    await run(pacer, 30, () => 'ok');
    const beforeCut = pacer.rate;
    expect(beforeCut).toBeGreaterThan(10);
    await run(pacer, 1, () => 'throttled');
    // Wmax = the lower of the fill rate and the rate measured (these sequential calls send ~18/s); new = 0.9 × Wmax.
    expect(pacer.rate).toBeLessThanOrEqual(beforeCut * 0.9);
    expect(pacer.rate).toBeGreaterThan(10);
  });

  it('cuts once per congestion event: answers to calls sent before the cut do not cut again', async () => {
    const pacer = new Pacer({ now: () => Date.now(), initialRate: 20 });
    await run(pacer, 20, () => 'ok');
    const a = await admitted(pacer);
    const b = await admitted(pacer);
    b.done('throttled');
    const afterFirst = pacer.rate;
    a.done('throttled');
    expect(pacer.rate).toBe(afterFirst);
  });

  it('ignores the odd throttling answer once paced, and cuts when throttling is frequent', async () => {
    const pacer = new Pacer({ now: () => Date.now(), initialRate: 20 });
    await run(pacer, 5, () => 'ok');
    await run(pacer, 1, () => 'throttled'); // ends slow start
    await run(pacer, 40, () => 'ok');
    const steady = pacer.rate;
    await run(pacer, 1, () => 'throttled');
    expect(pacer.rate).toBeGreaterThanOrEqual(steady);
    await run(pacer, 6, () => 'throttled');
    expect(pacer.rate).toBeLessThan(steady);
  });

  it('grows back along the cubic curve: near the last throttled rate after K seconds, beyond it later', async () => {
    const pacer = new Pacer({ now: () => Date.now(), initialRate: 8, beta: 0.9, cubicC: 0.02 });
    await run(pacer, 16, () => 'ok', 120);
    await run(pacer, 1, () => 'throttled');
    const cut = pacer.rate;
    const wmax = cut / 0.9;
    // K = ∛((1 − 0.9) / 0.02) ≈ 1.7 s of successes later the rate is back near Wmax…
    const t0 = Date.now();
    while (Date.now() - t0 < 1_700) await run(pacer, 1, () => 'ok', 100);
    expect(pacer.rate).toBeGreaterThan(cut);
    expect(pacer.rate).toBeLessThan(wmax * 1.05);
    // … and some seconds later above it (the server may have raised its limit).
    while (Date.now() - t0 < 5_000) await run(pacer, 1, () => 'ok', 50);
    expect(pacer.rate).toBeGreaterThan(wmax * 1.1);
  });

  it('spaces calls by 1/rate and refuses a call whose turn would come after the deadline, with the expected wait', async () => {
    const pacer = new Pacer({ now: () => Date.now(), ceiling: 2, maxConcurrency: 10 });
    expect(pacer.rate).toBe(2);
    const first = await pacer.acquire(FAR());
    const second = pacer.acquire(FAR());
    await vi.advanceTimersByTimeAsync(499);
    let started = false;
    void second.then(() => (started = true));
    await Promise.resolve();
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    (await second).done('ok');
    const refused = await pacer.acquire(Date.now() + 100).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PacingDeferred);
    expect((refused as PacingDeferred).retryAfterMs).toBe(500);
    first.done('ok');
  });

  it('starts a waiting call when one of its successful calls leaves the server window, and stays at its rate', async () => {
    // 0.5/s: a token every 2 s; a call that succeeded at t frees its server slot at t + 1 s.
    const pacer = new Pacer({ now: () => Date.now(), ceiling: 0.5, maxConcurrency: 10 });
    const t0 = Date.now();
    const a = await pacer.acquire(FAR());
    await vi.advanceTimersByTimeAsync(50);
    a.done('ok');
    const b = await admitted(pacer);
    expect(b.sentAt - t0).toBe(1_015); // not 2_000: the slot A held frees at 1_000 (+15 ms margin)
    const c = await admitted(pacer);
    expect(c.sentAt - t0).toBe(4_000); // B took a token: the next regular one is two intervals after A's
    b.done('throttled');
    c.done('ok');
    const d = await admitted(pacer);
    expect(d.sentAt - t0).toBe(5_015); // only successful calls hold a slot, each is taken once
    d.done('ok');
  });

  it('starts no call early while the server asked to wait (Retry-After)', async () => {
    const pacer = new Pacer({ now: () => Date.now(), ceiling: 0.5, maxConcurrency: 10 });
    const t0 = Date.now();
    const a = await pacer.acquire(FAR());
    await vi.advanceTimersByTimeAsync(50);
    a.done('ok');
    const b = await admitted(pacer);
    expect(b.sentAt - t0).toBe(1_015);
    b.done('throttled', 5_000);
    const c = await admitted(pacer);
    expect(c.sentAt - t0).toBe(6_015); // the server's Retry-After holds the next start, early or regular
    c.done('ok');
  });

  it('refuses a call still waiting for a concurrency slot at its deadline, with the expected wait', async () => {
    const pacer = new Pacer({ now: () => Date.now(), ceiling: 2, maxConcurrency: 2 });
    const a = await pacer.acquire(FAR());
    const b = await admitted(pacer); // the second token, 500 ms later
    expect(pacer.expectedWaitMs()).toBe(500); // the next token is one interval away
    const waiting = pacer.acquire(Date.now() + 100).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    const refused = await waiting;
    expect(refused).toBeInstanceOf(PacingDeferred);
    expect((refused as PacingDeferred).retryAfterMs).toBe(400 + 500); // the token still 400 ms away, plus its own
    a.done('ok');
    b.done('ok');
  });

  it('never exceeds the ceiling', async () => {
    const pacer = new Pacer({ now: () => Date.now(), ceiling: 3 });
    await run(pacer, 40, () => 'ok', 10);
    expect(pacer.rate).toBeLessThanOrEqual(3);
  });

  it('keeps at most `concurrency` calls in flight, following the rate', async () => {
    const pacer = new Pacer({ now: () => Date.now(), initialRate: 20 });
    await run(pacer, 10, () => 'ok', 50);
    await run(pacer, 1, () => 'throttled', 50);
    const cap = pacer.concurrency;
    expect(cap).toBeGreaterThanOrEqual(2);
    expect(cap).toBeLessThan(32);
    const inFlight: Array<{ done(r: 'ok'): void }> = [];
    for (let i = 0; i < cap + 3; i++) void pacer.acquire(FAR()).then((c) => inFlight.push(c));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(inFlight).toHaveLength(cap);
    for (let i = 0; i < cap + 3; i++) {
      inFlight[i]?.done('ok');
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(inFlight).toHaveLength(cap + 3);
  });
});
