import type { DueItem } from '../model/due-item.ts';
import { InvalidInternalEventError } from '../model/errors.ts';
import type { Deps } from '../ports/deps.ts';
import { certificateCheck } from './removal-certificate.ts';
import { reevaluationRequested, type ReevaluationCause, type ReevaluationRequest } from './reevaluation-requested.ts';

const CAUSES: readonly ReevaluationCause[] = ['CONSENT_REVOKED', 'SCOPE_NARROWED', 'CONSENT_EXPIRED'];

/**
 * The watchdog of a fan-out job: written in the same transaction as the loss that starts
 * the job (revocation, narrowing amendment, expiry), so it exists even if the job's
 * `Reevaluation Requested` is lost before the job record is ever written.
 */
export function watchdogOf(deps: Deps, request: ReevaluationRequest): DueItem {
  const { jobId, grantId, twinId, cause } = request;
  const dueAt = new Date(deps.clock.now().getTime() + stallMs(deps)).toISOString();
  return { dueAt, kind: 'job-watchdog', id: jobId, payload: { jobId, grantId, twinId, cause } };
}

export interface Watched {
  /** True when the job had stalled and was resumed. */
  resumed: boolean;
  /** When to look again; absent once the job is done. */
  again?: string;
}

/**
 * Primary course, when the watchdog fires: 1. read the job; 2. done: nothing to watch any
 * more; 3. it saved a page (or started) within the bound: look again one bound after that
 * save; 4. otherwise it has no driver (a crash, an event in a dead-letter queue, a lost
 * hand-over): put its `Reevaluation Requested` on the bus again, naming the `seq` it is
 * stuck at, and look again one bound later. The job resumes from its saved cursor; a resume
 * that finds the job moved on since (its driver was only slow) does nothing.
 */
export async function watchJob(deps: Deps, item: DueItem): Promise<Watched> {
  const request = requestOf(item);
  const job = await deps.fanout.getJob(request.jobId);
  if (job?.status === 'done') {
    // The last closure of its takedowns may have come before the job was done: check its certificate once now.
    if (job.takedowns > 0) await deps.due.schedule(certificateCheck(job.jobId, deps.clock.now()));
    return { resumed: false };
  }
  const bound = stallMs(deps);
  const now = deps.clock.now().getTime();
  // Without a job record, its first request never ran: watched since the item was written.
  const lastProgress = job === undefined ? Date.parse(item.dueAt) - bound : Date.parse(job.updatedAt);
  if (now - lastProgress < bound) return { resumed: false, again: new Date(lastProgress + bound).toISOString() };
  await deps.publisher.publish([reevaluationRequested({ ...request, ...(job === undefined ? {} : { resumeSeq: job.seq }) })]);
  return { resumed: true, again: new Date(now + bound).toISOString() };
}

/** Deployed: a fan-out job with no saved page for 5 minutes is resumed by its watchdog. */
export const DEFAULT_JOB_STALL_SECONDS = 300;

function stallMs(deps: Deps): number {
  return (deps.settings.jobStallSeconds ?? DEFAULT_JOB_STALL_SECONDS) * 1000;
}

function requestOf(item: DueItem): ReevaluationRequest {
  const p = item.payload;
  const text = (name: string): string => {
    const value = p[name];
    if (typeof value !== 'string' || value === '')
      throw new InvalidInternalEventError(`job-watchdog ${item.id}: payload.${name} is missing`);
    return value;
  };
  const cause = text('cause') as ReevaluationCause;
  if (!CAUSES.includes(cause)) throw new InvalidInternalEventError(`job-watchdog ${item.id}: payload.cause "${cause}" is unknown`);
  return { jobId: text('jobId'), grantId: text('grantId'), twinId: text('twinId'), cause };
}
