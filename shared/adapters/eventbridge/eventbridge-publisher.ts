import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { TWINGUARD_SOURCE, type OutboundEvent } from '../../model/events/envelope.ts';
import type { EventPublisher } from '../../ports/ports.ts';

/** PutEvents takes at most 10 entries per call. */
const BATCH_SIZE = 10;
const MAX_ATTEMPTS = 5;

export class PublishError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/**
 * Publishes TwinGuard's events with PutEvents, in batches of 10. PutEvents can accept a
 * batch partly: the failed entries (FailedEntryCount) are sent again with backoff, and if
 * any still fail the call throws, so the caller's invocation is retried instead of an
 * event being lost.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH_SIZE) {
      await this.putBatch(events.slice(i, i + BATCH_SIZE).map((e) => this.entry(e)));
    }
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
