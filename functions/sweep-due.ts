import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Deps } from '../shared/ports/deps.ts';
import { sweepDue } from '../shared/use-cases/sweep-due.ts';
import { adaptersFromEnv } from './commons/adapters-from-env.ts';
import { lambdaHandler } from './commons/lambda-handler.ts';
import { logger, metrics } from './commons/powertools.ts';

/** Leaves room to finish the item at hand before Lambda's timeout. */
const SAFETY_MARGIN_MS = 15_000;

/** The metrics the construct's alarms watch (namespace TwinGuard, service twinguard-sweep-due). */
export const SWEEP_METRICS = {
  overdue: 'TakedownsOverdue',
  failed: 'DueItemsFailed',
  jobsResumed: 'FanoutJobsStalled',
} as const;

let deps: Deps | undefined;

/**
 * Runs on a schedule: fires everything due (expiries, deadlines, retries, redeliveries,
 * fan-out watchdogs) until none is left or time runs short. An item whose work fails is set
 * aside by the use case and logged here with its error; the invocation still succeeds, so
 * the schedule's next run is never held up by one item.
 */
export const handler = lambdaHandler(async (_event: unknown, context: Context) => {
  deps ??= adaptersFromEnv().deps;
  let fired = 0;
  let overdue = 0;
  let failed = 0;
  let jobsResumed = 0;
  for (;;) {
    const result = await sweepDue(deps);
    fired += result.fired;
    overdue += result.overdue;
    jobsResumed += result.jobsResumed;
    failed += result.failed.length;
    for (const f of result.failed) {
      logger.error('due item failed', { kind: f.kind, id: f.id, failures: f.failures, retryAt: f.retryAt ?? 'next sweep', error: f.error });
    }
    // Stop when nothing moved: what is left failed and could not even be set aside.
    const stuck = result.failed.filter((f) => f.retryAt === undefined).length;
    if (result.fired === stuck || context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS) break;
  }
  metrics.addMetric(SWEEP_METRICS.overdue, MetricUnit.Count, overdue);
  metrics.addMetric(SWEEP_METRICS.failed, MetricUnit.Count, failed);
  metrics.addMetric(SWEEP_METRICS.jobsResumed, MetricUnit.Count, jobsResumed);
  if (fired > 0) logger.info('swept', { fired, overdue, failed, jobsResumed });
  return { fired, overdue, failed, jobsResumed };
});
