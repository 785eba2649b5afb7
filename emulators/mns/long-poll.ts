/**
 * Long polling for ReceiveMessage / BatchReceiveMessage (`waitseconds`, at most 30 s): a receive that finds nothing
 * waits, and is answered as soon as a message becomes visible, or with nothing when its wait ends — never later.
 *
 * No busy polling: waiters are woken by the store's `onAvailable` (a send without delay, a dead-letter move) and by
 * one timer per queue armed for the queue's next NextVisibleTime (a delayed or invisible message coming back).
 * Waiters are served in arrival order. Timers use the real clock; the store may use another (tests), in which case
 * the armed delay is computed from the store's clock.
 */
import type { QueueStore, StoredMessage } from './queue-store.js';

interface Waiter {
  n: number;
  resolve: (messages: StoredMessage[]) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

export class LongPoll {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly pending = new Set<string>();
  private flushQueued = false;

  constructor(private readonly store: QueueStore) {}

  /** Waiters currently held (all queues). */
  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Receives up to `n` messages from `queue`, waiting up to `waitMs` for some. Resolves with what it got (possibly
   * nothing). `onGone` registers a callback for a client that leaves: its wait then ends without receiving.
   * Throws QueueNotExist if the queue does not exist now.
   */
  receive(queue: string, n: number, waitMs: number, onGone?: (cb: () => void) => void): Promise<StoredMessage[]> {
    const got = this.store.receive(queue, n);
    if (got.length > 0 || waitMs <= 0) return Promise.resolve(got);
    return new Promise((resolve) => {
      let set = this.waiters.get(queue);
      if (!set) {
        set = new Set();
        this.waiters.set(queue, set);
      }
      const waiters = set;
      const w: Waiter = {
        n,
        resolve,
        done: false,
        timer: setTimeout(() => {
          if (!this.finish(queue, w)) return;
          // A last look: a message may have become visible in the same millisecond.
          resolve(this.store.has(queue) ? this.store.receive(queue, n) : []);
        }, waitMs),
      };
      waiters.add(w);
      onGone?.(() => {
        if (this.finish(queue, w)) {
          clearTimeout(w.timer);
          resolve([]);
        }
      });
      this.arm(queue);
    });
  }

  /** Schedules a wake-up of `queue`'s waiters (coalesced, after the current synchronous work). */
  notify(queue: string): void {
    if (!this.waiters.get(queue)?.size) return;
    this.pending.add(queue);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      const queues = [...this.pending];
      this.pending.clear();
      for (const q of queues) this.wake(q);
    });
  }

  /** Hands visible messages to `queue`'s waiters in arrival order, then re-arms the visibility timer. */
  wake(queue: string): void {
    const set = this.waiters.get(queue);
    if (!set || set.size === 0) return;
    if (!this.store.has(queue)) return;
    for (const w of set) {
      const got = this.store.receive(queue, w.n);
      if (got.length === 0) break;
      this.finish(queue, w);
      clearTimeout(w.timer);
      w.resolve(got);
    }
    this.arm(queue);
  }

  /** Ends the waits on one queue at once with nothing (the queue was deleted). */
  endQueue(queue: string): void {
    const set = this.waiters.get(queue);
    if (!set) return;
    for (const w of [...set]) {
      if (this.finish(queue, w)) {
        clearTimeout(w.timer);
        w.resolve([]);
      }
    }
  }

  /** Ends every wait at once with nothing (emulator reset/close). */
  cancelAll(): void {
    for (const [queue, set] of this.waiters) {
      for (const w of [...set]) {
        if (this.finish(queue, w)) {
          clearTimeout(w.timer);
          w.resolve([]);
        }
      }
    }
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.waiters.clear();
    this.pending.clear();
  }

  /** Marks a waiter done and forgets it; false if it already was. */
  private finish(queue: string, w: Waiter): boolean {
    if (w.done) return false;
    w.done = true;
    const set = this.waiters.get(queue);
    set?.delete(w);
    if (set && set.size === 0) {
      this.waiters.delete(queue);
      const t = this.timers.get(queue);
      if (t) clearTimeout(t.timer);
      this.timers.delete(queue);
    }
    return true;
  }

  /** Keeps one timer per queue with waiters, due when the next delayed/invisible message becomes visible. */
  private arm(queue: string): void {
    const current = this.timers.get(queue);
    const at = this.waiters.get(queue)?.size ? this.store.find(queue)?.nextVisibleAt() : undefined;
    if (at === undefined) {
      if (current) clearTimeout(current.timer);
      this.timers.delete(queue);
      return;
    }
    if (current && current.at === at) return;
    if (current) clearTimeout(current.timer);
    const delay = Math.max(0, at - this.store.now()) + 1;
    const timer = setTimeout(
      () => {
        this.timers.delete(queue);
        this.wake(queue);
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    timer.unref();
    this.timers.set(queue, { at, timer });
  }
}
