import type { OutboundEvent } from '../model/events/envelope.ts';
import type { Receipt } from '../model/records.ts';
import type { Deps } from '../ports/deps.ts';
import { DuplicateReceiptError, StaleReadError } from '../ports/errors.ts';

export interface ReceiptKey {
  kind: string;
  businessId: string;
  eventId: string;
}

export type Outcome = 'processed' | 'duplicate' | 'ignored';

/** Nothing to change: no receipt is written, so a later delivery of the event decides afresh. */
export interface NoChange<R> {
  write?: undefined;
  result: R;
}

/** What a decision commits: its effects, and the events they announce. */
export interface Commit<R> {
  /** The events to emit; the receipt keeps them until they are on the bus. */
  outbox: OutboundEvent[];
  /** Writes the effects and `receipt` in one transaction (a `commit…` of a store port). */
  write: (receipt: Receipt) => Promise<void>;
  /**
   * Runs after the commit and before the outbox is emitted. The commit stands whatever
   * happens here, so a failure is not decided again: it propagates, and the redelivery,
   * which finds the receipt, must heal it.
   */
  afterCommit?: () => Promise<void>;
  result: R;
}

export type Decided<R> = NoChange<R> | Commit<R>;

/** How a run ended; a duplicate returns the receipt found, the earlier run's record of what it emitted. */
export type Ran<R> = { outcome: 'processed' | 'ignored'; result: R } | { outcome: 'duplicate'; receipt: Receipt };

export function noChange(): NoChange<undefined>;
export function noChange<R>(result: R): NoChange<R>;
export function noChange<R>(result?: R): NoChange<R | undefined> {
  return { result };
}

export function commit(outbox: OutboundEvent[], write: (receipt: Receipt) => Promise<void>): Commit<undefined> {
  return { outbox, write, result: undefined };
}

const MAX_STALE_RETRIES = 8;

/**
 * Exactly-once effect under at-least-once delivery. The receipt is committed with the
 * effects, so a redelivery (same event id or business id, a minute or a month later) finds
 * it and emits nothing new, unless the earlier run died before emitting: then the stored
 * outbox is emitted now. A stale read (a grant changed under us) is decided again; a
 * receipt written meanwhile by a concurrent run makes this run a duplicate.
 */
export async function once<R>(deps: Deps, key: ReceiptKey, decide: () => Promise<Decided<R>>): Promise<Ran<R>> {
  const existing = await deps.store.getReceipt(key.kind, key.businessId);
  if (existing !== undefined) {
    await emit(deps, existing);
    return { outcome: 'duplicate', receipt: existing };
  }
  for (let attempt = 1; attempt <= MAX_STALE_RETRIES; attempt++) {
    let decided: Decided<R>;
    let receipt: Receipt;
    try {
      decided = await decide();
      if (decided.write === undefined) return { outcome: 'ignored', result: decided.result };
      receipt = receiptOf(deps, key, decided.outbox);
      await decided.write(receipt);
    } catch (error) {
      if (error instanceof DuplicateReceiptError) return once(deps, key, decide);
      if (error instanceof StaleReadError) continue;
      throw error;
    }
    await decided.afterCommit?.();
    await emit(deps, receipt);
    return { outcome: 'processed', result: decided.result };
  }
  throw new StaleReadError(`${key.kind} ${key.businessId}: state kept changing during ${MAX_STALE_RETRIES} attempts`);
}

function receiptOf(deps: Deps, key: ReceiptKey, outbox: OutboundEvent[]): Receipt {
  return {
    kind: key.kind,
    businessId: key.businessId,
    eventId: key.eventId,
    outbox,
    published: false,
    createdAt: deps.clock.now().toISOString(),
  };
}

async function emit(deps: Deps, receipt: Receipt): Promise<void> {
  if (receipt.published) return;
  await deps.publisher.publish(receipt.outbox);
  await deps.store.markPublished(receipt.kind, receipt.businessId);
}
