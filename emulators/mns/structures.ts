/**
 * The two containers behind a queue: a binary min-heap of timed events (delayed/invisible messages becoming visible,
 * retention expiry) and a FIFO with O(1) shift. Entries carry a generation number so that an entry made stale by a
 * later state change is recognised and skipped instead of being searched for and removed.
 */

/** One heap entry: `at` is the ordering key (ms epoch), `gen` the generation the entry was made for. */
export interface TimedEntry<T> {
  at: number;
  item: T;
  gen: number;
}

/** A binary min-heap keyed by `at`. */
export class MinHeap<T> {
  private readonly a: Array<TimedEntry<T>> = [];

  get size(): number {
    return this.a.length;
  }

  /** The entry with the smallest `at`, left in place. */
  peek(): TimedEntry<T> | undefined {
    return this.a[0];
  }

  push(at: number, item: T, gen: number): void {
    const a = this.a;
    const x: TimedEntry<T> = { at, item, gen };
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p] as TimedEntry<T>;
      if (parent.at <= at) break;
      a[i] = parent;
      i = p;
    }
    a[i] = x;
  }

  /** Removes and returns the entry with the smallest `at`. */
  pop(): TimedEntry<T> | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && (a[r] as TimedEntry<T>).at < (a[l] as TimedEntry<T>).at) m = r;
      const child = a[m] as TimedEntry<T>;
      if (child.at >= last.at) break;
      a[i] = child;
      i = m;
    }
    a[i] = last;
    return top;
  }

  clear(): void {
    this.a.length = 0;
  }
}

/** A FIFO of (item, generation) pairs with amortised O(1) push/shift and in-order iteration from the head. */
export class Fifo<T> {
  private items: T[] = [];
  private gens: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T, gen: number): void {
    this.items.push(item);
    this.gens.push(gen);
  }

  /** Calls `visit(item, gen)` from the head until it returns true (stop) or the FIFO ends; nothing is removed. */
  scan(visit: (item: T, gen: number) => boolean): void {
    for (let i = this.head; i < this.items.length; i++) {
      if (visit(this.items[i] as T, this.gens[i] as number)) return;
    }
  }

  /** Removes the head; `undefined` when empty. The generation of the removed item is in {@link lastGen}. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const i = this.head++;
    const item = this.items[i] as T;
    this.lastGen = this.gens[i] as number;
    (this.items as Array<T | undefined>)[i] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.gens = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.gens = this.gens.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The generation that went with the item last returned by {@link shift}. */
  lastGen = 0;

  clear(): void {
    this.items = [];
    this.gens = [];
    this.head = 0;
  }
}
