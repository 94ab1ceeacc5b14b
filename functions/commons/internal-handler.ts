import type { Context } from 'aws-lambda';
import { TWINGUARD_SOURCE, type EventEnvelope, type InternalDetailType } from '../../shared/model/events/envelope.ts';
import type { Deps } from '../../shared/ports/deps.ts';
import { adaptersFromEnv } from './adapters-from-env.ts';
import { lambdaHandler } from './lambda-handler.ts';
import { logger } from './powertools.ts';
import { MisroutedEventError } from './errors.ts';

/**
 * A handler for TwinGuard's own internal events (source `twinguard`). They are not part of
 * the public contract, so anything unexpected is a bug: it throws, and the event goes to
 * the dead-letter queue instead of being dropped.
 */
export function internalHandler<T>(
  detailType: InternalDetailType,
  parse: (detail: unknown) => T,
  run: (deps: Deps, detail: T, context: Context) => Promise<unknown>,
  deps?: () => Deps,
) {
  let wired: Deps | undefined;
  const base = async (event: EventEnvelope, context: Context) => {
    wired ??= deps ? deps() : adaptersFromEnv().deps;
    if (event.source !== TWINGUARD_SOURCE || event['detail-type'] !== detailType) {
      throw new MisroutedEventError(
        `expected "${detailType}" from ${TWINGUARD_SOURCE}, got "${event['detail-type']}" from ${event.source}`,
      );
    }
    logger.appendKeys({ eventId: event.id, detailType });
    const outcome = await run(wired, parse(event.detail), context);
    logger.info('event handled', { outcome });
    return { outcome };
  };
  return lambdaHandler(base);
}
