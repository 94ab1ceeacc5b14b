import type { ChannelDirectory } from '../ports/channel-directory.ts';
import { nextStep, type RetryPolicy } from '../model/delivery/retry-policy.ts';
import type { WebhookOutcome } from '../model/delivery/webhook-outcome.ts';
import type { ChannelLimiter, WebhookSender } from '../ports/webhook-sender.ts';
import type { EventEnvelope, OutboundEvent } from '../model/events/envelope.ts';
import type { Deps } from '../ports/deps.ts';
import type { DeliveryRecord, DeliveryStatus, DeliveryStore } from '../ports/delivery-store.ts';
import type { DueItem } from '../model/due-item.ts';
import { once } from './once.ts';
import { recordTakedownReport, type TakedownReport } from './record-takedown-report.ts';
import { InvalidInternalEventError, RejectedEventError } from '../model/errors.ts';
import { placementByTakedown } from './takedown.ts';

/** The use case needs the delivery records besides the usual ports. */
export type WebhookDeps = Deps & { deliveries: DeliveryStore };

export interface DeliveryInput {
  /** The `Takedown Requested` envelope: required for the first attempt, whose body it is. */
  envelope?: EventEnvelope;
  takedownId: string;
  /** 1 = the first delivery; n = retry n - 1 (the `Takedown Delivery Due` event's `attempt`). */
  attempt: number;
}

export interface DeliverOptions {
  /** Makes the POST (the HTTP adapter deployed and locally). */
  sender: WebhookSender;
  /** Budget of one POST until the response headers arrive. */
  timeoutMs: number;
  /** Jitter source of the retry delay. @default Math.random */
  random?: () => number;
  /** Bounds the POSTs in flight per channel; only the POST waits for a slot, not the reads. */
  limiter?: ChannelLimiter;
}

export type DeliveryResult =
  /** An event channel: its connector answers `Takedown Requested` on the bus itself. */
  | { kind: 'not-webhook' }
  /** A retry of a delivery that was never recorded: nothing to do. */
  | { kind: 'unknown' }
  /** This attempt was made before (a redelivered event): nothing was sent again. */
  | { kind: 'duplicate' }
  /** The delivery is no longer pending, or this is not its next attempt (a stale retry). */
  | { kind: 'settled'; status: DeliveryStatus; attempts: number }
  /** Not sent: the placement was already taken down, or its takedown was replaced or finally failed. */
  | { kind: 'cancelled'; reason: string }
  | { kind: 'delivered'; httpStatus: number }
  | { kind: 'retry'; error: string; dueAt: string }
  | { kind: 'failed'; error: string };

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
 * - budget spent, or any other 4xx: `Takedown Failed` (`final: true`), recorded on the placement.
 * Every attempt's outcome is recorded on the placement (attempts, last error, audit line).
 *
 * Exactly once per attempt: the attempt's receipt (`delivery`, `<takedownId>#<attempt>`) is
 * committed with the delivery record, its retry and its outbox, so a redelivered event for
 * an attempt already made sends nothing. The POST necessarily comes before that commit: a
 * crash (or timeout) between the two sends the same attempt once more when the event is
 * redelivered. Partners deduplicate on `x-twinguard-delivery` (the takedownId), as the
 * contract tells them to, so a second identical POST is harmless.
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
  const { takedownId, attempt } = input;
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  const requested = attempt === 1 ? requestedFacts(input) : undefined;
  // An event channel is not ours to deliver: no record, no receipt.
  if (requested !== undefined && (await channels.webhook(requested.channel)) === undefined) return { kind: 'not-webhook' };

  const eventId = attemptEventId(takedownId, attempt);
  let result: DeliveryResult = { kind: 'duplicate' };
  const outcome = await once(deps, { kind: DELIVERY_RECEIPT_KIND, businessId: `${takedownId}#${attempt}`, eventId }, async (receipt) => {
    const previous = await deps.deliveries.get(takedownId);
    if (previous === undefined && requested === undefined) {
      result = { kind: 'unknown' };
      return undefined;
    }
    if (previous !== undefined && (previous.status !== 'pending' || previous.attempts !== attempt - 1)) {
      result = { kind: 'settled', status: previous.status, attempts: previous.attempts };
      return undefined;
    }
    const now = deps.clock.now().toISOString();
    const base: DeliveryRecord = previous ?? { ...requested!, attempts: 0, status: 'pending', createdAt: now, updatedAt: now };
    const facts = { takedownId, assetId: base.assetId, channel: base.channel, placementId: base.placementId };

    const cancelled = await whyNotSend(deps, base);
    if (cancelled !== undefined) {
      result = { kind: 'cancelled', reason: cancelled };
      const r = receipt([]);
      await deps.deliveries.commitAttempt({ delivery: { ...base, status: 'cancelled', lastError: cancelled, updatedAt: now }, previous, receipt: r });
      return r.outbox;
    }

    const webhook = await channels.webhook(base.channel);
    const sent: WebhookOutcome =
      webhook === undefined
        ? // Removed from the configuration since the first attempt: sending again cannot help.
          { kind: 'rejected', status: 0, error: `channel "${base.channel}" is no longer configured as a webhook` }
        : await limited(opts.limiter, base.channel, () =>
            opts.sender.send(base.body, webhook, { deliveryId: takedownId, timeoutMs: opts.timeoutMs }),
          );
    const step = nextStep(attempt, sent, policy, opts.random);
    const at = deps.clock.now();
    const updatedAt = at.toISOString();
    let event: OutboundEvent;
    let due: DueItem | undefined;
    let delivery: DeliveryRecord;
    if (step.action === 'complete') {
      event = { detailType: 'Takedown Completed', detail: { ...facts, completedAt: updatedAt } };
      delivery = { ...base, attempts: attempt, status: 'delivered', updatedAt };
      result = { kind: 'delivered', httpStatus: sent.kind === 'delivered' ? sent.status : 0 };
    } else {
      const error = sent.kind === 'delivered' ? 'delivered' : sent.error;
      const final = step.action === 'fail';
      event = { detailType: 'Takedown Failed', detail: { ...facts, error, final, attempts: attempt } };
      delivery = { ...base, attempts: attempt, status: final ? 'failed' : 'pending', lastError: error, updatedAt };
      if (step.action === 'retry') {
        const dueAt = new Date(at.getTime() + step.delayMs).toISOString();
        due = { dueAt, kind: 'webhook-retry', id: `${takedownId}#${attempt + 1}`, payload: { takedownId, attempt: attempt + 1 } };
        result = { kind: 'retry', error, dueAt };
      } else {
        result = { kind: 'failed', error };
      }
    }
    const r = receipt([event]);
    await deps.deliveries.commitAttempt({ delivery, previous, receipt: r, ...(due === undefined ? {} : { due }) });
    // Recorded on the placement before the event goes out, so whoever reacts to the event
    // reads a placement that already says so.
    try {
      await recordOnPlacement(deps, event, eventId);
    } catch (error) {
      // Not a StaleReadError or DuplicateReceiptError for `once` to act on: this attempt is
      // committed, and the redelivery heals what is missing (below).
      throw new Error(`takedown ${takedownId}: recording attempt ${attempt} on the placement failed`, { cause: error });
    }
    return r.outbox;
  });

  // A redelivery after a crash between the commit and the placement update: the receipt's
  // outbox was emitted by `once` just now (or before); finish the placement update. Idempotent.
  if (outcome === 'duplicate') {
    result = { kind: 'duplicate' };
    const stored = await deps.store.getReceipt(DELIVERY_RECEIPT_KIND, `${takedownId}#${attempt}`);
    const event = stored?.outbox[0];
    if (event !== undefined) await recordOnPlacement(deps, event, eventId);
  }
  return result;
}

/** The synthetic event id of an attempt: its receipt's and its audit lines' `eventId`. */
export function attemptEventId(takedownId: string, attempt: number): string {
  return `webhook#${takedownId}#${attempt}`;
}

type RequestedFacts = Pick<DeliveryRecord, 'takedownId' | 'channel' | 'assetId' | 'placementId' | 'body'>;

/** What the first attempt needs from the `Takedown Requested` envelope; its JSON is the body. */
function requestedFacts(input: DeliveryInput): RequestedFacts {
  const envelope = input.envelope;
  if (envelope === undefined) throw new InvalidInternalEventError(`takedown ${input.takedownId}: the first attempt needs the Takedown Requested envelope`);
  const detail = (envelope.detail ?? {}) as Record<string, unknown>;
  const text = (field: string): string => {
    const value = detail[field];
    if (typeof value !== 'string' || value === '') throw new InvalidInternalEventError(`Takedown Requested ${envelope.id}: detail.${field} must be a non-empty string`);
    return value;
  };
  if (text('takedownId') !== input.takedownId) {
    throw new InvalidInternalEventError(`Takedown Requested ${envelope.id} is for takedown ${String(detail.takedownId)}, not ${input.takedownId}`);
  }
  return { takedownId: input.takedownId, channel: text('channel'), assetId: text('assetId'), placementId: text('placementId'), body: JSON.stringify(envelope) };
}

/** Why this takedown must not be sent (anymore), or `undefined` to send it. */
async function whyNotSend(deps: Deps, delivery: DeliveryRecord): Promise<string | undefined> {
  const placement = await placementByTakedown(deps, delivery.takedownId);
  if (placement === undefined) return 'no placement is known for this takedown';
  if (placement.takedown?.takedownId !== delivery.takedownId) return 'the placement has another takedown';
  if (placement.status === 'taken-down') return 'the placement is already taken down';
  if (placement.takedown.final === true) return 'the takedown already failed finally';
  return undefined;
}

/** The attempt's `Takedown Completed` / `Takedown Failed`, recorded on the placement as a channel's report would be. */
async function recordOnPlacement(deps: Deps, event: OutboundEvent, eventId: string): Promise<void> {
  const d = event.detail as Record<string, any>;
  const facts = { takedownId: d.takedownId, assetId: d.assetId, channel: d.channel, placementId: d.placementId };
  const report: TakedownReport =
    event.detailType === 'Takedown Completed'
      ? { kind: 'completed', ...facts, completedAt: d.completedAt }
      : { kind: 'failed', ...facts, error: d.error, final: d.final, attempts: d.attempts };
  try {
    await recordTakedownReport(deps, report, eventId);
  } catch (error) {
    // The placement's takedown changed meanwhile (replaced): nothing of this one to record.
    if (!(error instanceof RejectedEventError)) throw error;
  }
}

function limited<T>(limiter: ChannelLimiter | undefined, channel: string, task: () => Promise<T>): Promise<T> {
  return limiter === undefined ? task() : limiter.run(channel, task);
}
