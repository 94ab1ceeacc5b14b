import * as z from 'zod/mini';

/** Internal events are ours, but a schema still stops a bug from running with half a request. */
export const reevaluationRequestedSchema = z.object({
  jobId: z.string().check(z.minLength(1)),
  grantId: z.string().check(z.minLength(1)),
  twinId: z.string().check(z.minLength(1)),
  cause: z.enum(['CONSENT_REVOKED', 'SCOPE_NARROWED', 'CONSENT_EXPIRED']),
  /** Only from the job's watchdog: the `seq` the job was stalled at. */
  resumeSeq: z.optional(z.int().check(z.gte(0))),
});

/** A webhook retry fell due: attempt n (n >= 2) of the takedown's delivery. */
export const takedownDeliveryDueSchema = z.object({
  takedownId: z.string().check(z.minLength(1)),
  attempt: z.int().check(z.gte(2)),
  /** Set when a final failure is delivered again on the slower schedule. */
  redelivery: z.optional(z.boolean()),
});

/** TwinGuard's events to itself, by detail-type: not in the published contract. */
export const INTERNAL_SCHEMAS = {
  'Reevaluation Requested': reevaluationRequestedSchema,
  'Takedown Delivery Due': takedownDeliveryDueSchema,
} as const;
