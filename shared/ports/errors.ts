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
