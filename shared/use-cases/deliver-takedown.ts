import type { RetryPolicy } from '../model/delivery/retry-policy.ts';
import type { ChannelDirectory } from '../ports/channel-directory.ts';
import type { DeliverOptions, DeliveryInput, DeliveryResult, WebhookDeps } from './delivery-types.ts';
import { recordOnPlacement, reportOfEvent } from './attempt-report.ts';
import { decideAttempt, type RequestedFacts } from './delivery-attempt.ts';
import { InvalidInternalEventError } from '../model/errors.ts';
import { once } from './once.ts';

export type { DeliverOptions, DeliveryInput, DeliveryResult, WebhookDeps };

/** The receipt kind of one delivery attempt; its business id is `<takedownId>#<attempt>`. */
export const DELIVERY_RECEIPT_KIND = 'delivery';

/**
 * The webhook connector (EVENTS.md "Channels"): one delivery attempt of a takedown.
 *
 * Attempt 1 comes from `Takedown Requested`. If the channel has no webhook, nothing happens
 * (an event channel answers on the bus). Otherwise the envelope's JSON is kept in a delivery
 * record, so every retry POSTs the byte-identical, identically signed body. The outcome:
 * - 2xx: `Takedown Completed`, and the placement is recorded taken down;
 * - 408/429/5xx/timeout/refused with budget left: `Takedown Failed` (`final: false`,
 *   `attempts`) and a `webhook-retry` due item at now + backoff, which the sweeper turns into
 *   `Takedown Delivery Due` for attempt n + 1;
 * - budget spent, or any other 4xx: `Takedown Failed` (`final: true`), recorded on the placement,
 *   and a `webhook-redelivery` due item at now + `policy.redeliveryIntervalMs` (6 h deployed):
 *   the takedown is delivered again, one attempt at a time (`redelivery: true`), until a 2xx,
 *   a confirmation from the channel on the bus, or an operator's close; each failed
 *   redelivery is another `Takedown Failed` (`final: true`) and schedules the next.
 * Every attempt's outcome is recorded on the placement (attempts, last error, audit line).
 *
 * Exactly once per attempt: the attempt's receipt (`delivery`, `<takedownId>#<attempt>`) is
 * committed with the delivery record, its retry and its outbox, so a redelivered event for
 * an attempt already made sends nothing. The POST necessarily comes before that commit: a
 * crash (or timeout) between the two sends the same attempt once more when the event is
 * redelivered. Partners deduplicate on `webhook-id` (the takedownId), as the contract
 * tells them to, so a second POST of the same attempt is harmless.
 *
 * The events are emitted with source `twinguard`; the bus rules route only the channel
 * role's `Takedown Completed`/`Failed` to the report handler, so they do not come back here.
 */
export async function deliverTakedown(
  deps: WebhookDeps,
  channels: ChannelDirectory,
  input: DeliveryInput,
  policy: RetryPolicy,
  opts: DeliverOptions,
): Promise<DeliveryResult> {
  const { takedownId, attempt, redelivery } = input;
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  const requested = attempt === 1 ? requestedFacts(input) : undefined;
  // An event channel is not ours to deliver: no record, no receipt.
  if (requested !== undefined && (await channels.webhook(requested.channel)) === undefined) return { kind: 'not-webhook' };

  const eventId = attemptEventId(takedownId, attempt);
  const key = { kind: DELIVERY_RECEIPT_KIND, businessId: `${takedownId}#${attempt}`, eventId };
  const a = { takedownId, attempt, eventId, requested, ...(redelivery === true ? { redelivery } : {}) };
  const ran = await once(deps, key, () => decideAttempt(deps, channels, a, policy, opts));
  if (ran.outcome !== 'duplicate') return ran.result;
  // A redelivery, maybe after a crash between the commit and the placement update: the
  // stored outbox was emitted by `once` just now (or before); finish the placement update
  // from it. Idempotent.
  const event = ran.receipt.outbox[0];
  if (event !== undefined) await recordOnPlacement(deps, reportOfEvent(event), eventId);
  return { kind: 'duplicate' };
}

/** The synthetic event id of an attempt: its receipt's and its audit lines' `eventId`. */
export function attemptEventId(takedownId: string, attempt: number): string {
  return `webhook#${takedownId}#${attempt}`;
}

/** What the first attempt needs from the `Takedown Requested` envelope; its JSON is the body. */
function requestedFacts(input: DeliveryInput): RequestedFacts {
  const envelope = input.envelope;
  if (envelope === undefined)
    throw new InvalidInternalEventError(`takedown ${input.takedownId}: the first attempt needs the Takedown Requested envelope`);
  const detail = (envelope.detail ?? {}) as Record<string, unknown>;
  const text = (field: string): string => {
    const value = detail[field];
    if (typeof value !== 'string' || value === '')
      throw new InvalidInternalEventError(`Takedown Requested ${envelope.id}: detail.${field} must be a non-empty string`);
    return value;
  };
  if (text('takedownId') !== input.takedownId) {
    throw new InvalidInternalEventError(
      `Takedown Requested ${envelope.id} is for takedown ${String(detail.takedownId)}, not ${input.takedownId}`,
    );
  }
  return {
    takedownId: input.takedownId,
    channel: text('channel'),
    assetId: text('assetId'),
    placementId: text('placementId'),
    body: JSON.stringify(envelope),
  };
}
