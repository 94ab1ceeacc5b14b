import type { OutboundEvent } from '../model/events/envelope.ts';
import type { Deps } from '../ports/deps.ts';
import { DuplicateReceiptError, StaleReadError } from '../ports/errors.ts';
import type { Receipt } from '../model/records.ts';

export interface ReceiptKey {
  kind: string;
  businessId: string;
  eventId: string;
}

export type Outcome = 'processed' | 'duplicate' | 'ignored';

/** Work that decides, commits its effects with `receipt(outbox)` and returns that outbox; or `undefined` to change nothing. */
export type OnceWork = (receipt: (outbox: OutboundEvent[]) => Receipt) => Promise<OutboundEvent[] | undefined>;

const MAX_STALE_RETRIES = 8;

/**
 * Exactly-once effect under at-least-once delivery. The receipt is committed with the
 * effects, so a redelivery (same event id or business id, a minute or a month later) finds
 * it and emits nothing new, unless the earlier run died before emitting: then the stored
 * outbox is emitted now. A stale read (a grant changed under us) is decided again.
 */
export async function once(deps: Deps, key: ReceiptKey, work: OnceWork): Promise<Outcome> {
  const existing = await deps.store.getReceipt(key.kind, key.businessId);
  if (existing !== undefined) {
    await flush(deps, existing);
    return 'duplicate';
  }
  const receipt = (outbox: OutboundEvent[]): Receipt => ({
    kind: key.kind,
    businessId: key.businessId,
    eventId: key.eventId,
    outbox,
    published: false,
    createdAt: deps.clock.now().toISOString(),
  });
  for (let attempt = 1; attempt <= MAX_STALE_RETRIES; attempt++) {
    let outbox: OutboundEvent[] | undefined;
    try {
      outbox = await work(receipt);
    } catch (error) {
      if (error instanceof DuplicateReceiptError) return once(deps, key, work);
      if (error instanceof StaleReadError) continue;
      throw error;
    }
    if (outbox === undefined) return 'ignored';
    await flush(deps, receipt(outbox));
    return 'processed';
  }
  throw new StaleReadError(`${key.kind} ${key.businessId}: state kept changing during ${MAX_STALE_RETRIES} attempts`);
}

async function flush(deps: Deps, receipt: Receipt): Promise<void> {
  if (receipt.published) return;
  await deps.publisher.publish(receipt.outbox);
  await deps.store.markPublished(receipt.kind, receipt.businessId);
}
