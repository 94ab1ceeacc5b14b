import type { OutboundEvent } from '../model/events/envelope.ts';
import type { ReevaluationJob } from '../model/records.ts';

export type ReevaluationCause = ReevaluationJob['cause'];

export interface ReevaluationRequest {
  jobId: string;
  grantId: string;
  twinId: string;
  cause: ReevaluationCause;
  /**
   * Set by the job's watchdog: the job's `seq` when it was found stalled. A run that finds
   * another `seq` does nothing, since the job moved on meanwhile (its driver was only slow).
   */
  resumeSeq?: number;
}

/**
 * The internal event that starts, or continues, the re-evaluation of every placement that
 * relies on a grant. Its job id names the loss (one per revocation, amendment or expiry),
 * so a redelivered or repeated request resumes the same job instead of starting another.
 */
export function reevaluationRequested(request: ReevaluationRequest): OutboundEvent {
  return { detailType: 'Reevaluation Requested', detail: { ...request } };
}

export const jobIds = {
  revoked: (grantId: string) => `revoked#${grantId}`,
  narrowed: (grantId: string, version: number) => `narrowed#${grantId}#${version}`,
  expired: (grantId: string, version: number) => `expired#${grantId}#${version}`,
};
