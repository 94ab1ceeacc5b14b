import type { EventEnvelope } from './envelope.ts';
import { isWellFormed, LIMITS, REJECTION_LIMITS, truncate } from './limits.ts';
import type { FieldError } from './validation.ts';

/** The detail of `Event Rejected`. */
export interface EventRejectedDetail {
  eventId: string;
  source: string;
  detailType: string;
  errors: FieldError[];
  /** How many errors were found beyond those listed; absent when none were left out. */
  omittedErrors?: number;
}

/**
 * `Event Rejected` for an event, cut to size (REJECTION_LIMITS): at most 20 errors, each
 * message and path cut, the echoed `source` and `detailType` cut. It echoes the sender's
 * own strings, so without bounds one bad event could make an answer too large to send.
 */
export function eventRejected(envelope: EventEnvelope, errors: readonly FieldError[]): EventRejectedDetail {
  const listed = errors.slice(0, REJECTION_LIMITS.errors).map((e) => ({
    path: truncate(e.path, REJECTION_LIMITS.path),
    message: truncate(e.message, REJECTION_LIMITS.message),
  }));
  const omitted = errors.length - listed.length;
  return {
    eventId: truncate(envelope.id, REJECTION_LIMITS.eventId),
    source: truncate(envelope.source, REJECTION_LIMITS.source),
    detailType: truncate(envelope['detail-type'], REJECTION_LIMITS.detailType),
    errors: listed,
    ...(omitted > 0 ? { omittedErrors: omitted } : {}),
  };
}

/**
 * What is wrong with the envelope's `source` and `detail-type` as strings: EventBridge
 * bounds them (256 and 128 characters), and TwinGuard checks again, so that an event
 * handed over by another way (a replay, a test, the local runtime) is bounded too.
 */
export function envelopeErrors(envelope: EventEnvelope): FieldError[] {
  const errors: FieldError[] = [];
  for (const [path, value, max] of [
    ['source', envelope.source, LIMITS.source],
    ['detail-type', envelope['detail-type'], LIMITS.detailType],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) errors.push({ path, message: 'must be a non-empty string' });
    else if (value.length > max) errors.push({ path, message: `must be at most ${max} characters` });
    else if (!isWellFormed(value)) errors.push({ path, message: 'must be valid Unicode (it holds a lone surrogate)' });
  }
  return errors;
}
