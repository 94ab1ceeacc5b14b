import type { ReevaluationJob } from '../../model/records.ts';
import { jobIds } from '../reevaluation-requested.ts';
import { eachPlacement } from './placement-tally.ts';
import type { QueryDeps } from './query-deps.ts';

export interface FanoutProgress {
  grantId: string;
  twinId?: string;
  /** Which loss started it; absent when no re-evaluation of the grant has started. */
  cause?: ReevaluationJob['cause'];
  jobId?: string;
  startedAt?: string;
  /** Seconds from the start to now, or to the last confirmation once finished. */
  elapsedSeconds?: number;
  /** The fan-out has read every placement of the grant. */
  scanDone: boolean;
  /** Placements that relied on the grant (its whole index). */
  placements: number;
  scanned: number;
  takedownsRequested: number;
  completed: number;
  failed: number;
  overdue: number;
  /** Requested and neither completed nor failed. */
  open: number;
  /** The scan is done and every takedown it opened is completed or failed. */
  finished: boolean;
  at: string;
  /** The grant has more placements than one answer reads (MAX_PLACEMENTS_READ): counts are of the first ones. */
  cut: boolean;
}

/**
 * How a revocation, expiry or narrowing of a grant is going: from its re-evaluation job
 * (its job id names the loss) and the takedowns that job opened on the grant's placements.
 * A revocation wins over an expiry or narrowing of the current version (it is final).
 */
export async function fanoutProgress(deps: QueryDeps, grantId: string): Promise<FanoutProgress> {
  const now = deps.clock.now();
  const state = await deps.queries.grantState(grantId);
  const candidates = [jobIds.revoked(grantId)];
  if (state?.version !== undefined) candidates.push(jobIds.expired(grantId, state.version), jobIds.narrowed(grantId, state.version));
  let job: ReevaluationJob | undefined;
  for (const id of candidates) {
    job = await deps.queries.job(id);
    if (job !== undefined) break;
  }
  const counts = { placements: 0, takedownsRequested: 0, completed: 0, failed: 0, overdue: 0 };
  let last = '';
  const { cut } = await eachPlacement(deps, { grantId }, (p) => {
    counts.placements++;
    const t = p.takedown;
    if (job === undefined || t?.jobId !== job.jobId) return;
    counts.takedownsRequested++;
    if (p.status === 'taken-down') {
      counts.completed++;
      const done = t.completedAt ?? '';
      if (done > last) last = done;
    } else if (p.status === 'takedown-failed') counts.failed++;
    if (t.overdue === true && p.status !== 'taken-down') counts.overdue++;
  });
  const open = counts.takedownsRequested - counts.completed - counts.failed;
  const scanDone = job?.status === 'done';
  const finished = scanDone && open === 0;
  const end = finished && last !== '' ? Date.parse(last) : now.getTime();
  return {
    grantId,
    ...(state?.twinId === undefined ? {} : { twinId: state.twinId }),
    ...(job === undefined
      ? {}
      : {
          cause: job.cause,
          jobId: job.jobId,
          startedAt: job.startedAt,
          elapsedSeconds: Math.max(0, Math.round((end - Date.parse(job.startedAt)) / 1000)),
        }),
    scanDone,
    ...counts,
    scanned: job?.scanned ?? 0,
    open,
    finished,
    at: now.toISOString(),
    cut,
  };
}
