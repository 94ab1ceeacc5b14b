import type { Clock, IdGenerator } from '../ports/ports.ts';

/** The wall clock and random UUIDs: what runs outside tests. */
export const systemClock: Clock = { now: () => new Date() };

export const randomIds: IdGenerator = { next: (prefix) => `${prefix}-${crypto.randomUUID()}` };
