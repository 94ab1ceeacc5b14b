import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { LogDeps } from '../shared/ports/log-deps.ts';
import { sealLog } from '../shared/use-cases/seal-log.ts';
import { lambdaHandler } from './commons/lambda-handler.ts';
import { logFromEnv } from './commons/log-from-env.ts';
import { logger, metrics } from './commons/powertools.ts';

/** Leaves room to sign and commit the seal at hand before Lambda's timeout. */
const SAFETY_MARGIN_MS = 30_000;

let deps: Promise<LogDeps> | undefined;

/** Runs on a schedule: seals what was written since the last seal into the transparency log, one signed head per batch. */
export const handler = lambdaHandler(async (_event: unknown, context: Context) => {
  deps ??= logFromEnv().catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  const result = await sealLog(await deps, { keepGoing: () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS });
  metrics.addMetric('RecordsSealed', MetricUnit.Count, result.sealed);
  if (result.sealed > 0) logger.info('sealed', { ...result });
  return result;
});
