import type { EventEnvelope } from '../model/events/envelope.ts';
import { eventRejected } from '../model/events/rejection.ts';
import type { FieldError } from '../model/events/validation.ts';
import type { Deps } from '../ports/deps.ts';
import { commit, once, type Outcome } from './once.ts';

/**
 * Answers a malformed event, or one from the wrong role, with `Event Rejected`, once per
 * event id, changing no state. It returns normally: a bad event must not be retried.
 * The answer is bounded (model/events/rejection.ts), so it always fits one bus entry and
 * one receipt, whatever the sender put in the event.
 */
export async function rejectEvent(deps: Deps, envelope: EventEnvelope, errors: FieldError[]): Promise<Outcome> {
  const { outcome } = await once(deps, { kind: 'rejection', businessId: envelope.id, eventId: envelope.id }, async () => {
    const rejected = eventRejected(envelope, errors);
    return commit([{ detailType: 'Event Rejected', detail: { ...rejected } }], (receipt) =>
      deps.store.commitDecision({ receipt, audit: [], usage: [] }),
    );
  });
  return outcome;
}
