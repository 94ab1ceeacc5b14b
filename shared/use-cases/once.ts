import type { OutboundEvent } from '../model/events/envelope.ts';
import type { Receipt } from '../model/records.ts';
import type { Deps } from '../ports/deps.ts';
import { DuplicateReceiptError, ReceiptLeasedError, StaleReadError } from '../ports/errors.ts';

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
 * How long the run that commits a receipt alone may emit its outbox. It must outlast the
 * longest a run can take from its commit to the end of its PutEvents (the functions that
 * decide time out after 30 to 60 s; their platform retries a failed run after a minute or
 * more), so that a live run is never doubled, and a crashed run's redelivery finds it expired.
 */
export const RECEIPT_LEASE_MS = 60_000;

/**
 * Exactly-once effect under at-least-once delivery, also for duplicates that run at the same
 * moment.
 *
 * Primary course: 1. decide (read what the decision needs, no receipt); 2. commit the effects
 * and the receipt in one transaction, the receipt only if none exists, holding the outbox and
 * a publishing lease; 3. emit the outbox; 4. mark the receipt published. That is the
 * decision's own reads, one transaction, one PutEvents and one small write.
 *
 * A duplicate is found by the transaction's own receipt condition (or, when the decision
 * finds nothing to write or fails, by reading the receipt then): it changes nothing, and
 * - if the outbox was published, it emits nothing;
 * - if another run holds the lease (the first run, still publishing), it emits nothing and
 *   throws `ReceiptLeasedError`, so that the platform delivers it again later;
 * - if the lease expired (the first run died between commit and emission), it takes the
 *   lease with a conditional write (one of several late duplicates wins) and emits the
 *   stored outbox, then marks it published.
 * A run that fails to publish gives its lease back, so its redelivery need not wait.
 * A stale read (a grant changed under us) is decided again.
 */
export async function once<R>(deps: Deps, key: ReceiptKey, decide: () => Promise<Decided<R>>): Promise<Ran<R>> {
  for (let attempt = 1; attempt <= MAX_STALE_RETRIES; attempt++) {
    let decided: Decided<R>;
    try {
      decided = await decide();
    } catch (error) {
      // A duplicate may fail to decide against its own effects (a report for a takedown it closed).
      return duplicateOr(deps, key, error);
    }
    if (decided.write === undefined) {
      // Nothing to write may mean that this event's own effects are there already.
      const existing = await deps.store.getReceipt(key.kind, key.businessId);
      if (existing !== undefined) return duplicate(deps, existing);
      return { outcome: 'ignored', result: decided.result };
    }
    const receipt = receiptOf(deps, key, decided.outbox);
    try {
      await decided.write(receipt);
    } catch (error) {
      if (error instanceof DuplicateReceiptError) return duplicateOr(deps, key, error);
      if (error instanceof StaleReadError) continue;
      // The receipt may be committed with part of the work still to do (a write made in
      // steps): give its lease back so that the redelivery finishes it at once. A receipt
      // never committed has no lease to give back, and the store says so by doing nothing.
      await deps.store.releaseLease(receipt).catch(() => undefined);
      throw error;
    }
    await emitHolding(deps, receipt, decided.afterCommit);
    return { outcome: 'processed', result: decided.result };
  }
  throw new StaleReadError(`${key.kind} ${key.businessId}: state kept changing during ${MAX_STALE_RETRIES} attempts`);
}

function receiptOf(deps: Deps, key: ReceiptKey, outbox: OutboundEvent[]): Receipt {
  const now = deps.clock.now();
  const receipt: Receipt = {
    kind: key.kind,
    businessId: key.businessId,
    eventId: key.eventId,
    outbox,
    published: outbox.length === 0,
    createdAt: now.toISOString(),
  };
  // Nothing to emit, nothing to lease.
  if (outbox.length > 0) receipt.leaseUntil = leaseEnd(now);
  return receipt;
}

function leaseEnd(now: Date): string {
  return new Date(now.getTime() + RECEIPT_LEASE_MS).toISOString();
}

/** The event's receipt exists: a duplicate. Otherwise `error` stands. */
async function duplicateOr<R>(deps: Deps, key: ReceiptKey, error: unknown): Promise<Ran<R>> {
  // A failed read here is most likely the same outage: the original error is the one to report.
  const existing = await deps.store.getReceipt(key.kind, key.businessId).catch(() => undefined);
  if (existing === undefined) throw error;
  return duplicate(deps, existing);
}

/** A duplicate emits nothing, unless the run that committed the receipt died before emitting. */
async function duplicate<R>(deps: Deps, receipt: Receipt): Promise<Ran<R>> {
  if (!receipt.published) {
    const now = deps.clock.now();
    if (receipt.leaseUntil !== undefined && Date.parse(receipt.leaseUntil) > now.getTime()) {
      throw new ReceiptLeasedError(
        `${receipt.kind} ${receipt.businessId}: its outbox is being published by another run (lease until ${receipt.leaseUntil})`,
      );
    }
    const until = leaseEnd(now);
    await deps.store.takeLease(receipt, until);
    await emitHolding(deps, { ...receipt, leaseUntil: until });
  }
  return { outcome: 'duplicate', receipt };
}

/** Emits the outbox of a receipt whose lease this run holds, then marks it published. */
async function emitHolding(deps: Deps, receipt: Receipt, afterCommit?: () => Promise<void>): Promise<void> {
  try {
    await afterCommit?.();
    if (receipt.published) return;
    await deps.publisher.publish(receipt.outbox);
  } catch (error) {
    // The original error is what the platform must see and retry; if giving the lease back
    // fails too, the lease simply runs out and a later delivery publishes.
    await deps.store.releaseLease(receipt).catch(() => undefined);
    throw error;
  }
  await deps.store.markPublished(receipt.kind, receipt.businessId);
}
