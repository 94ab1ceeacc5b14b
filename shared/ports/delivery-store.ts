import type { DueItem } from '../model/due-item.ts';
import type { Receipt } from '../model/records.ts';

/**
 * `pending`: attempts are still to come (or under way); `delivered`: a 2xx came back;
 * `failed`: final failure (budget spent or the partner refused), redelivered slowly until
 * it is settled; `cancelled`: nothing was sent because the placement was already taken down
 * or its takedown was replaced or closed; `closed`: an operator closed it.
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled' | 'closed';

/**
 * One webhook takedown delivery, kept at `dueKeys.delivery(takedownId)` in the consent table
 * so that every retry POSTs the byte-identical body (the signatures cover the raw bytes and
 * partners may compare bodies when they deduplicate on `webhook-id`); only the timestamp
 * and signatures are new on each attempt.
 */
export interface DeliveryRecord {
  takedownId: string;
  /** The channel name; its URL and secret are looked up at every attempt, so a rotated secret applies at once. */
  channel: string;
  assetId: string;
  placementId: string;
  /** The `Takedown Requested` envelope as JSON, exactly the bytes that are signed and sent. */
  body: string;
  /** Attempts made so far (1 = the first delivery). */
  attempts: number;
  status: DeliveryStatus;
  lastError?: string;
  /** Why an operator closed it (status `closed`). */
  closedReason?: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryAttempt {
  /** The record after the attempt, `attempts` already counting it (unless nothing was sent). */
  delivery: DeliveryRecord;
  /** The record as read before the attempt; `undefined` when there was none (the first attempt). */
  previous: DeliveryRecord | undefined;
  /** The receipt of this attempt (kind `delivery`, business id `<takedownId>#<attempt>`). */
  receipt: Receipt;
  /** The retry or redelivery, when one is scheduled. */
  due?: DueItem;
}

/** Storage of webhook deliveries. */
export interface DeliveryStore {
  get(takedownId: string): Promise<DeliveryRecord | undefined>;
  /**
   * Records one attempt with its receipt (and retry, if any) in one transaction. The first
   * attempt creates the record; a later one applies only if the stored record is still as
   * `previous` was read (same `attempts`, same `status`). Throws `DuplicateReceiptError`
   * when the receipt exists and `StaleReadError` when another worker got there first.
   */
  commitAttempt(attempt: DeliveryAttempt): Promise<void>;
  /** The takedowns of a channel whose delivery failed finally and is not settled since. */
  failedOfChannel(channel: string): Promise<string[]>;
  /**
   * An operator closes a delivery that is `failed` or `pending`: status `closed`, with the
   * reason; no more redeliveries. Returns false when it is not open (or unknown).
   */
  close(takedownId: string, reason: string, at: string): Promise<boolean>;
}
