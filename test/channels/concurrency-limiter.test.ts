import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedLimiter } from '../../shared/adapters/webhook/concurrency-limiter.ts';

/** Lets every pending promise callback run; no clock is involved. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A task that finishes when the test says so. */
function gate(): { open: () => void; done: Promise<void> } {
  let open = () => {};
  const done = new Promise<void>((resolve) => (open = resolve));
  return { open, done };
}

const channels = fc.constantFrom('instagram', 'web', 'ads');

describe('KeyedLimiter', () => {
  it('never runs more than limit per key, keeps slots busy, and starts tasks in FIFO order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(channels, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 31, maxLength: 31 }),
        async (limit, keys, picks) => {
          const limiter = new KeyedLimiter(limit);
          const inFlight = new Map<string, number>();
          const peak = new Map<string, number>();
          const started: number[] = [];
          const running: { open: () => void }[] = [];
          const results = keys.map((key, index) =>
            limiter.run(key, async () => {
              const now = (inFlight.get(key) ?? 0) + 1;
              inFlight.set(key, now);
              peak.set(key, Math.max(peak.get(key) ?? 0, now));
              started.push(index);
              const g = gate();
              running.push(g);
              await g.done;
              inFlight.set(key, (inFlight.get(key) ?? 0) - 1);
              return index;
            }),
          );

          // Finish running tasks one at a time in an order fast-check picks.
          for (const pick of picks) {
            await settle();
            for (const key of new Set(keys)) {
              const active = limiter.active(key);
              expect(inFlight.get(key) ?? 0).toBe(active);
              expect(active).toBeLessThanOrEqual(limit);
              // Nobody waits while a slot is free.
              if (limiter.waiting(key) > 0) expect(active).toBe(limit);
            }
            const [next] = running.splice(pick % Math.max(running.length, 1), 1);
            if (next === undefined) break;
            next.open();
          }

          await expect(Promise.all(results)).resolves.toEqual(keys.map((_, i) => i));
          for (const key of new Set(keys)) {
            const submitted = keys.filter((k) => k === key).length;
            expect(peak.get(key)).toBe(Math.min(limit, submitted));
            const order = started.filter((i) => keys[i] === key);
            expect(order).toEqual([...order].sort((a, b) => a - b));
            expect(limiter.active(key) + limiter.waiting(key)).toBe(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps keys independent: a full channel does not hold up another', async () => {
    const limiter = new KeyedLimiter(1);
    const blocker = gate();
    const first = limiter.run('instagram', () => blocker.done);
    const queued = limiter.run('instagram', () => 'instagram-2');
    await expect(limiter.run('web', () => 'web-1')).resolves.toBe('web-1');
    expect(limiter.waiting('instagram')).toBe(1);
    blocker.open();
    await first;
    await expect(queued).resolves.toBe('instagram-2');
  });

  it('frees the slot when a task throws or rejects, and passes the error on', async () => {
    const limiter = new KeyedLimiter(1);
    const boom = new Error('partner exploded');
    const sync = limiter.run('web', () => {
      throw boom;
    });
    const rejecting = limiter.run('web', () => Promise.reject(boom));
    const after = limiter.run('web', () => 'still served');
    await expect(sync).rejects.toBe(boom);
    await expect(rejecting).rejects.toBe(boom);
    await expect(after).resolves.toBe('still served');
    expect(limiter.active('web')).toBe(0);
  });

  it('drains a long queue on one key in order', async () => {
    const limiter = new KeyedLimiter(2);
    const order: number[] = [];
    const all = Array.from({ length: 5000 }, (_, i) => limiter.run('ads', async () => void order.push(i)));
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new KeyedLimiter(0)).toThrow(RangeError);
    expect(() => new KeyedLimiter(1.5)).toThrow(RangeError);
  });
});
