import type { OutboundEvent } from '../model/events/envelope.ts';

/** Time, passed in so that tests and the local runtime can fix or move it. */
export interface Clock {
  now(): Date;
}

/** Puts TwinGuard's own events on the bus; resolves only once every event was accepted. */
export interface EventPublisher {
  publish(events: readonly OutboundEvent[]): Promise<void>;
}

/** Makes unique ids such as decision and takedown ids. */
export interface IdGenerator {
  next(prefix: string): string;
}
