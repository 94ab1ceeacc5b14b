import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Deps } from '../shared/ports/deps.ts';
import { sweepDue } from '../shared/use-cases/sweep-due.ts';
import { adaptersFromEnv } from './commons/adapters-from-env.ts';
import { lambdaHandler } from './commons/lambda-handler.ts';
import { logger, metrics } from './commons/powertools.ts';

/** Leaves room to finish the item at hand before Lambda's timeout. */
const SAFETY_MARGIN_MS = 15_000;

let deps: Deps | undefined;

/** Runs on a schedule: fires everything due (expiries, deadlines, retries) until none is left or time runs short. */
export const handler = lambdaHandler(async (_event: unknown, context: Context) => {
  deps ??= adaptersFromEnv().deps;
  let fired = 0;
  let overdue = 0;
  for (;;) {
    const result = await sweepDue(deps);
    fired += result.fired;
    overdue += result.overdue;
    if (result.fired === 0 || context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS) break;
  }
  metrics.addMetric('TakedownsOverdue', MetricUnit.Count, overdue);
  if (fired > 0) logger.info('swept', { fired, overdue });
  return { fired, overdue };
});
