import type { EventEnvelope } from '../model/events/envelope.ts';
import type { Deps } from '../ports/deps.ts';
import type { DeliveryStatus, DeliveryStore } from '../ports/delivery-store.ts';
import type { ChannelLimiter, WebhookSender } from '../ports/webhook-sender.ts';

/** The use case needs the delivery records besides the usual ports. */
export type WebhookDeps = Deps & { deliveries: DeliveryStore };

export interface DeliveryInput {
  /** The `Takedown Requested` envelope: required for the first attempt, whose body it is. */
  envelope?: EventEnvelope;
  takedownId: string;
  /** 1 = the first delivery; n = retry n - 1 (the `Takedown Delivery Due` event's `attempt`). */
  attempt: number;
  /** A redelivery of a finally failed delivery (`Takedown Delivery Due` with `redelivery: true`). */
  redelivery?: boolean;
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
