import type { FieldError } from './events/validation.ts';

// Names are literals, not `new.target.name`: the Lambda bundles are minified, and a log line
// saying `e: ...` tells an operator nothing.

/** Base class of the errors the domain model defines, so a caller can catch the area at once. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** An event that is well-formed but cannot be accepted; answered by `Event Rejected`. */
export class RejectedEventError extends ModelError {
  override name = 'RejectedEventError';
  constructor(
    readonly errors: FieldError[],
    options?: ErrorOptions,
  ) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '), options);
  }
}

/**
 * One of TwinGuard's own events breaks its contract (a field missing, the wrong takedown):
 * a bug upstream, not a partner's bad input, so it is thrown for Lambda to retry and the DLQ
 * to keep, never answered with `Event Rejected`.
 */
export class InvalidInternalEventError extends ModelError {
  override name = 'InvalidInternalEventError';
}

/** A value RFC 8785 canonical JSON cannot encode (a lone surrogate, NaN, undefined, a Date...); the message names where. */
export class UnencodableJsonError extends ModelError {
  override name = 'UnencodableJsonError';
}

/** A proof cannot be made as asked (no head of that size, sizes the wrong way round); the message says why. */
export class LogProofError extends ModelError {
  override name = 'LogProofError';
}
