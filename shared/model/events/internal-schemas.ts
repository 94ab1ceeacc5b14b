import { z } from 'zod/mini';

/** Internal events are ours, but a schema still stops a bug from running with half a request. */
export const reevaluationRequestedSchema = z.object({
  jobId: z.string().check(z.minLength(1)),
  grantId: z.string().check(z.minLength(1)),
  twinId: z.string().check(z.minLength(1)),
  cause: z.enum(['CONSENT_REVOKED', 'SCOPE_NARROWED', 'CONSENT_EXPIRED']),
  /** Only from the job's watchdog: the `seq` the job was stalled at. */
  resumeSeq: z.optional(z.int().check(z.gte(0))),
});
