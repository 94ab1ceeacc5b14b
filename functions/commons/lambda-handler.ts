import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './powertools.ts';

/**
 * Every function's handler goes through this one Powertools chain: logged with the
 * Lambda context (keys appended for one event do not leak into the next), and its metrics
 * flushed at the end of each invocation.
 */
export function lambdaHandler<TEvent, TResult>(base: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy(base)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
