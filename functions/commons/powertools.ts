import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One logger and one metrics per function, named by POWERTOOLS_SERVICE_NAME.
 *
 * No Powertools Tracer: it imports `aws-xray-sdk-core`, which enables an async hook at import
 * even with tracing off (10-14% of the one thread's CPU under load, issue 12) and adds ~110 KiB
 * to every bundle. X-Ray stays on at the Lambda level (`Tracing.ACTIVE` in infra): the service
 * records each invocation's segment, its init (cold start) and its duration, with no code in
 * the function. Per-call SDK subsegments are what is given up; docs/performance.md says how to
 * get them back if ever needed.
 */
export const logger = new Logger();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'TwinGuard' });
