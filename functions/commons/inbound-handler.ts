import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import type { InboundDetailType } from '../../shared/model/events/roles.ts';
import { handleInbound } from '../../shared/use-cases/handle-inbound.ts';
import type { Deps } from '../../shared/ports/deps.ts';
import type { Outcome } from '../../shared/use-cases/once.ts';
import { adaptersFromEnv } from './adapters-from-env.ts';
import { lambdaHandler } from './lambda-handler.ts';
import { logger, metrics } from './powertools.ts';
import { MisroutedEventError } from './errors.ts';

/**
 * The Lambda handler for the detail-types routed to one function. Whatever arrives goes
 * through `handleInbound`, which answers bad input with `Event Rejected`; only
 * infrastructure failures throw, so that Lambda retries and then the DLQ keeps the event.
 * `deps` is built lazily on the first event so that importing the module has no effects.
 */
export function inboundHandler(accepts: readonly InboundDetailType[] | 'any', deps?: () => Deps) {
  let wired: Deps | undefined;
  const base = async (event: EventEnvelope): Promise<{ outcome: Outcome }> => {
    wired ??= deps ? deps() : adaptersFromEnv().deps;
    const detailType = event['detail-type'];
    if (accepts !== 'any' && !(accepts as readonly string[]).includes(detailType)) {
      // A rule routed something here that this function does not own: a deployment bug, not bad input.
      throw new MisroutedEventError(`this function handles ${accepts.join(', ')}, not "${detailType}"`);
    }
    logger.appendKeys({ eventId: event.id, detailType, source: event.source });
    const outcome = await handleInbound(wired, event);
    logger.info('event handled', { outcome });
    metrics.addMetric(
      `${outcome === 'processed' ? 'Processed' : outcome === 'duplicate' ? 'Duplicate' : 'Ignored'}Events`,
      MetricUnit.Count,
      1,
    );
    return { outcome };
  };
  return lambdaHandler(base);
}
