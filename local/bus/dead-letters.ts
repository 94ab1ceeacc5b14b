import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { DeadLetterRecord, DeadLetterStore } from './dead-letter-store.ts';
import { ReplayFailedError } from './errors.ts';
import { messageOf } from './put-events.ts';

export type ReplayOutcome = { id: string; eventId: string } | { id: string; error: string };

export function listDeadLetters(store: DeadLetterStore): Promise<DeadLetterRecord[]> {
  return store.list();
}

/**
 * The dead-lettered event as a PutEvents entry. EventBridge gives it a new id; handlers
 * still see it once only, because they also deduplicate on business ids.
 */
export function toPutEventsEntry(record: DeadLetterRecord): PutEventsRequestEntry {
  const { envelope } = record;
  return {
    EventBusName: record.eventBusName,
    Source: envelope.source,
    DetailType: envelope['detail-type'],
    Detail: JSON.stringify(envelope.detail),
    Resources: envelope.resources,
    Time: new Date(envelope.time),
  };
}

/**
 * Re-publishes through the running runtime (so it is tapped and routed like any event) and
 * removes the record only once the runtime accepted the event.
 */
export async function replayDeadLetter(store: DeadLetterStore, client: EventBridgeClient, id: string): Promise<string> {
  const record = await store.get(id);
  let result;
  try {
    result = await client.send(new PutEventsCommand({ Entries: [toPutEventsEntry(record)] }));
  } catch (error) {
    const code = error instanceof Error ? error.name : 'Error';
    throw new ReplayFailedError(id, code, messageOf(error), { cause: error });
  }
  const entry = result.Entries?.[0];
  if (!entry?.EventId) {
    throw new ReplayFailedError(id, entry?.ErrorCode ?? 'NoResult', entry?.ErrorMessage ?? 'PutEvents returned no entry');
  }
  await store.remove(id);
  return entry.EventId;
}

/** Replays each record in turn; one that fails stays in the store and does not stop the rest. */
export async function replayAllDeadLetters(store: DeadLetterStore, client: EventBridgeClient): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for (const record of await store.list()) {
    try {
      outcomes.push({ id: record.id, eventId: await replayDeadLetter(store, client, record.id) });
    } catch (error) {
      if (!(error instanceof ReplayFailedError)) throw error;
      outcomes.push({ id: record.id, error: error.message });
    }
  }
  return outcomes;
}
