import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { TWINGUARD_SOURCE, type OutboundEvent } from '../../model/events/envelope.ts';
import type { EventPublisher } from '../../ports/ports.ts';
import { EventTooLargeError, PublishError } from './errors.ts';

export { EventTooLargeError, PublishError };

/** PutEvents takes at most 10 entries per call... */
export const MAX_ENTRIES_PER_CALL = 10;
/** ...and at most 256 KB of entries per call, an entry counted as `entrySize` does. */
export const MAX_BYTES_PER_CALL = 256 * 1024;
const MAX_ATTEMPTS = 5;

/**
 * The size EventBridge counts for an entry ("Calculating PutEvents event entry size"):
 * the UTF-8 bytes of Source, DetailType, Detail and each resource, plus 14 for a Time.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  const strings = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])];
  const bytes = strings.reduce((sum, s) => sum + (s === undefined ? 0 : Buffer.byteLength(s, 'utf8')), 0);
  return bytes + (entry.Time === undefined ? 0 : 14);
}

/**
 * Publishes TwinGuard's events with PutEvents, in order, in calls of at most 10 entries
 * and 256 KB. An event over 256 KB on its own fails the whole publish before anything is
 * sent (EventTooLargeError). PutEvents can accept a call partly: the failed entries
 * (FailedEntryCount) are sent again with backoff, and if any still fail the call throws,
 * so the caller's invocation is retried instead of an event being lost.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    for (const batch of packEntries(events.map((e) => this.entry(e)))) await this.putBatch(batch);
  }

  private async putBatch(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      const out = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!out.FailedEntryCount) return;
      const results = out.Entries ?? [];
      const failed = pending.filter((_, i) => results[i]?.EventId === undefined);
      if (attempt >= MAX_ATTEMPTS) {
        const codes = results.flatMap((r) => (r.ErrorCode ? [`${r.ErrorCode}: ${r.ErrorMessage ?? ''}`] : []));
        throw new PublishError(`${failed.length} of ${entries.length} events not accepted after ${attempt} attempts (${codes.join('; ')})`);
      }
      pending = failed;
      await this.sleep(50 * 2 ** attempt);
    }
  }

  private entry(event: OutboundEvent): PutEventsRequestEntry {
    return { EventBusName: this.busName, Source: TWINGUARD_SOURCE, DetailType: event.detailType, Detail: JSON.stringify(event.detail) };
  }
}

/** Splits entries, in order, into calls that PutEvents accepts: by count and by bytes. */
export function packEntries(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (size > MAX_BYTES_PER_CALL) throw new EventTooLargeError(entry.DetailType ?? '', size, MAX_BYTES_PER_CALL);
    if (current.length === MAX_ENTRIES_PER_CALL || bytes + size > MAX_BYTES_PER_CALL) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
