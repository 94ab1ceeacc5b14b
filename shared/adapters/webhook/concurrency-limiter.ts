/**
 * At most `limit` tasks in flight per key (per channel), the rest wait their turn in FIFO
 * order, so one revocation that takes down a thousand placements cannot flood a partner.
 *
 * It limits one process only. Deployed, each Lambda instance has its own limiter, so the
 * bound across the fleet is `limit` x instances; cap that with the function's concurrency.
 */
export class KeyedLimiter {
  readonly #limit: number;
  readonly #lanes = new Map<string, Lane>();

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
    }
    this.#limit = limit;
  }

  /** Runs `fn` once a slot for `key` is free; settles as `fn` does. */
  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    await this.#acquire(key);
    try {
      return await fn();
    } finally {
      this.#release(key);
    }
  }

  /** Tasks of `key` running now. */
  active(key: string): number {
    return this.#lanes.get(key)?.active ?? 0;
  }

  /** Tasks of `key` waiting for a slot. */
  waiting(key: string): number {
    return this.#lanes.get(key)?.queue.size ?? 0;
  }

  #acquire(key: string): Promise<void> {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { active: 0, queue: new Queue() };
      this.#lanes.set(key, lane);
    }
    if (lane.active < this.#limit) {
      lane.active += 1;
      return Promise.resolve();
    }
    const { queue } = lane;
    return new Promise((resolve) => queue.push(resolve));
  }

  #release(key: string): void {
    const lane = this.#lanes.get(key);
    if (lane === undefined) return;
    const next = lane.queue.shift();
    // Hand the slot straight to the next waiter, so no newcomer can jump the queue.
    if (next !== undefined) next();
    else if (--lane.active === 0) this.#lanes.delete(key); // idle keys must not pile up
  }
}

interface Lane {
  active: number;
  queue: Queue<() => void>;
}

// Array.shift is O(n); a revocation can queue thousands of deliveries on one channel.
class Queue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let the resolver be collected
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
