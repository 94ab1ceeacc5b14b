import type { FieldError } from './events/validation.ts';

/** An event that is well-formed but cannot be accepted; answered by `Event Rejected`. */
export class RejectedEventError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    this.name = 'RejectedEventError';
  }
}
