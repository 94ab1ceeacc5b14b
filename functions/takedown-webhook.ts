import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { channelDirectoryFromEnv, type ChannelDirectory } from '../shared/adapters/webhook/channel-directory.ts';
import { KeyedLimiter } from '../shared/adapters/webhook/concurrency-limiter.ts';
import { httpWebhookSender } from '../shared/adapters/webhook/webhook-delivery.ts';
import { InvalidInternalEventError } from '../shared/model/errors.ts';
import { TWINGUARD_SOURCE, type EventEnvelope } from '../shared/model/events/envelope.ts';
import { deliverTakedown, type DeliveryInput, type DeliveryResult, type WebhookDeps } from '../shared/use-cases/deliver-takedown.ts';
import { adaptersFromEnv } from './commons/adapters-from-env.ts';
import { lambdaHandler } from './commons/lambda-handler.ts';
import { logger, metrics } from './commons/powertools.ts';
import { MisroutedEventError } from './commons/errors.ts';
import { webhookConfigFromEnv, type WebhookConfig } from './commons/webhook-config.ts';

/** TwinGuard's own events this function delivers: the first attempt, and each retry. */
export const WEBHOOK_DETAIL_TYPES = ['Takedown Requested', 'Takedown Delivery Due'] as const;

export interface WebhookWiring {
  deps: WebhookDeps;
  channels: ChannelDirectory;
  config: WebhookConfig;
}

/**
 * One per process (per Lambda instance; in the local runtime, shared by every invocation),
 * so that a big revocation does not flood a partner's API.
 */
let limiter: KeyedLimiter | undefined;

function wireFromEnv(): WebhookWiring {
  const { deps, deliveries } = adaptersFromEnv();
  return {
    deps: { ...deps, deliveries },
    channels: channelDirectoryFromEnv(),
    config: webhookConfigFromEnv(),
  };
}

/**
 * The webhook connector as a Lambda handler. Not `handleInbound`: these are TwinGuard's
 * own events (source `twinguard`), so anything else arriving here is a routing bug and
 * throws (retried, then dead-lettered) rather than answered with `Event Rejected`.
 * A partner's failure is not an error here: it is recorded and retried through the due
 * queue, and the invocation succeeds. Logs hold ids and short error words, never a URL or
 * secret. Wired lazily at the first event so that importing the module has no effects.
 */
export function takedownWebhookHandler(wire: () => WebhookWiring = wireFromEnv) {
  let wired: WebhookWiring | undefined;
  const base = async (event: EventEnvelope): Promise<{ result: DeliveryResult['kind'] }> => {
    wired ??= wire();
    limiter ??= new KeyedLimiter(wired.config.concurrencyPerChannel);
    const detailType = event['detail-type'];
    if (event.source !== TWINGUARD_SOURCE || !(WEBHOOK_DETAIL_TYPES as readonly string[]).includes(detailType)) {
      throw new MisroutedEventError(
        `this function handles ${WEBHOOK_DETAIL_TYPES.join(', ')} from ${TWINGUARD_SOURCE}, not "${detailType}" from ${event.source}`,
      );
    }
    const input = inputOf(event);
    logger.appendKeys({
      eventId: event.id,
      detailType,
      takedownId: input.takedownId,
      attempt: input.attempt,
      redelivery: input.redelivery === true,
    });
    const result = await deliverTakedown(wired.deps, wired.channels, input, wired.config.policy, {
      timeoutMs: wired.config.timeoutMs,
      limiter,
      sender: httpWebhookSender,
    });
    logger.info('takedown delivery', { ...result });
    metrics.addMetric(METRIC[result.kind], MetricUnit.Count, 1);
    return { result: result.kind };
  };
  return lambdaHandler(base);
}

export const handler = takedownWebhookHandler();

const METRIC: Record<DeliveryResult['kind'], string> = {
  'not-webhook': 'TakedownsForEventChannels',
  unknown: 'WebhookRetriesUnknown',
  duplicate: 'WebhookDuplicateEvents',
  settled: 'WebhookStaleRetries',
  cancelled: 'WebhookDeliveriesCancelled',
  delivered: 'WebhookDeliveriesCompleted',
  retry: 'WebhookDeliveriesRetried',
  failed: 'WebhookDeliveriesFailed',
};

function inputOf(event: EventEnvelope): DeliveryInput {
  const detail = (typeof event.detail === 'object' && event.detail !== null ? event.detail : {}) as Record<string, unknown>;
  const { takedownId, attempt, redelivery } = detail;
  if (typeof takedownId !== 'string' || takedownId === '')
    throw new InvalidInternalEventError(`${event['detail-type']} ${event.id}: detail.takedownId is missing`);
  if (event['detail-type'] === 'Takedown Requested') return { envelope: event, takedownId, attempt: 1 };
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 2) {
    throw new InvalidInternalEventError(`Takedown Delivery Due ${event.id}: detail.attempt must be an integer >= 2`);
  }
  if (redelivery !== undefined && typeof redelivery !== 'boolean') {
    throw new InvalidInternalEventError(`Takedown Delivery Due ${event.id}: detail.redelivery must be a boolean`);
  }
  return { takedownId, attempt, ...(redelivery === true ? { redelivery } : {}) };
}
