// Names are literals, not `new.target.name`: the Lambda bundles are minified.

/** Base class of the storage errors the domain reacts to. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The inbound event was already processed: its receipt exists. */
export class DuplicateReceiptError extends StoreError {
  override name = 'DuplicateReceiptError';
}

/**
 * Something read for the decision changed before the write (a grant was amended or
 * revoked, or a concurrent writer won): read again and decide again.
 */
export class StaleReadError extends StoreError {
  override name = 'StaleReadError';
}

/**
 * A write is over DynamoDB's limits (100 items or 4 MB per transaction, 400 KB per item),
 * found before it was sent. The bounds of the contract keep every write within them, so
 * this names a bug to fix, and no retry can cure it.
 */
export class TransactionTooLargeError extends StoreError {
  override name = 'TransactionTooLargeError';
}

/**
 * An append-only audit line or usage record already exists under the key of a new one:
 * two facts were given the same key (see use-cases/audit-lines.ts). Not a stale read, so
 * it is not retried.
 */
export class AuditKeyConflictError extends StoreError {
  override name = 'AuditKeyConflictError';
}

/**
 * The outbox of a receipt is not published yet and another run holds its publishing lease
 * (the run that committed it, still publishing or dead before it could; or a redelivery
 * that took the lease over). Nothing is emitted now: thrown so that the platform delivers
 * the event again later, when the outbox is published or the lease has expired.
 */
export class ReceiptLeasedError extends StoreError {
  override name = 'ReceiptLeasedError';
}
