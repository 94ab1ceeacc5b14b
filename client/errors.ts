// Names are literals, not `new.target.name`, like every area's errors.
import type { FieldError } from '../shared/model/events/validation.ts';

/** Base class of every error the TwinGuard client throws. */
export class TwinGuardClientError extends Error {
  override name = 'TwinGuardClientError';
}

/**
 * An event that does not match the contract: refused before anything is sent, or (for a
 * consumer) refused as not TwinGuard's. `errors` names each field by its path
 * (`detail.scope.media.0`, `source`); the message lists them all.
 */
export class InvalidEventError extends TwinGuardClientError {
  override name = 'InvalidEventError';
  constructor(
    readonly detailType: string,
    readonly errors: readonly FieldError[],
    /** Position in the batch given to `send`, when there was one. */
    readonly index?: number,
  ) {
    const where = index === undefined ? detailType : `${detailType} (event ${index})`;
    super(`${where}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  }
}

/** One entry PutEvents still refused after the retries, as the service answered it. */
export interface FailedEntry {
  /** Position of the event in what was given to `send`. */
  index: number;
  detailType: string;
  errorCode: string;
  errorMessage: string;
  /** How many PutEvents calls carried this entry. */
  attempts: number;
}

/** Thrown by the one-event functions (`consentGranted`, ...) when their event was not accepted. */
export class PutEventsError extends TwinGuardClientError {
  override name = 'PutEventsError';
  constructor(
    readonly failed: FailedEntry,
    options?: ErrorOptions,
  ) {
    super(`${failed.detailType} was not accepted after ${failed.attempts} attempts: ${failed.errorCode}: ${failed.errorMessage}`, options);
  }
}

/** Why a webhook delivery failed verification; answer such a request with 401. */
export class WebhookVerificationError extends TwinGuardClientError {
  override name = 'WebhookVerificationError';
}
