/** Base class of the storage errors the domain reacts to. */
export class StoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The inbound event was already processed: its receipt exists. */
export class DuplicateReceiptError extends StoreError {}

/**
 * Something read for the decision changed before the write (a grant was amended or
 * revoked, or a concurrent writer won): read again and decide again.
 */
export class StaleReadError extends StoreError {}
