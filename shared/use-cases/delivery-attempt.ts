import type { WebhookOutcome } from '../model/delivery/webhook-outcome.ts';
import { nextStep, redeliveryDelayMs, type NextStep, type RetryPolicy } from '../model/delivery/retry-policy.ts';
import type { DueItem } from '../model/due-item.ts';
import type { ChannelDirectory } from '../ports/channel-directory.ts';
import type { Deps } from '../ports/deps.ts';
import type { DeliveryRecord } from '../ports/delivery-store.ts';
import type { ChannelLimiter } from '../ports/webhook-sender.ts';
import { recordOnPlacement, reportEvent, type AttemptReport } from './attempt-report.ts';
import type { DeliverOptions, DeliveryResult, WebhookDeps } from './delivery-types.ts';
import { noChange, type Decided } from './once.ts';
import { placementByTakedown } from './takedown.ts';

export interface Attempt {
  takedownId: string;
  attempt: number;
  /** The audit lines' event id of this attempt. */
  eventId: string;
  /** The first attempt's facts from `Takedown Requested`; absent for a retry. */
  requested?: RequestedFacts;
  /** A redelivery of a delivery that failed finally: one attempt, then the next redelivery if it fails. */
  redelivery?: boolean;
}

export type RequestedFacts = Pick<DeliveryRecord, 'takedownId' | 'channel' | 'assetId' | 'placementId' | 'body'>;

/**
 * Decides one attempt and makes its POST: nothing (unknown or settled), a cancellation, or
 * what the partner's answer leads to. The POST necessarily comes before the commit.
 */
export async function decideAttempt(
  deps: WebhookDeps,
  channels: ChannelDirectory,
  a: Attempt,
  policy: RetryPolicy,
  opts: DeliverOptions,
): Promise<Decided<DeliveryResult>> {
  const previous = await deps.deliveries.get(a.takedownId);
  if (previous === undefined && a.requested === undefined) return noChange({ kind: 'unknown' });
  // A retry follows a pending delivery, a redelivery a finally failed one; both follow the attempt before.
  const expected = a.redelivery === true ? 'failed' : 'pending';
  if (previous !== undefined && (previous.status !== expected || previous.attempts !== a.attempt - 1)) {
    return noChange({ kind: 'settled', status: previous.status, attempts: previous.attempts });
  }
  const now = deps.clock.now().toISOString();
  const base: DeliveryRecord = previous ?? { ...a.requested!, attempts: 0, status: 'pending', createdAt: now, updatedAt: now };

  const cancelled = await whyNotSend(deps, base, a.redelivery === true);
  if (cancelled !== undefined) {
    const delivery: DeliveryRecord = { ...base, status: 'cancelled', lastError: cancelled, updatedAt: now };
    return {
      outbox: [],
      write: (receipt) => deps.deliveries.commitAttempt({ delivery, previous, receipt }),
      result: { kind: 'cancelled', reason: cancelled },
    };
  }

  const sent = await send(channels, base, opts);
  // A redelivery is one attempt: it succeeds, or it fails finally again (and is redelivered later).
  const step: NextStep =
    a.redelivery === true
      ? sent.kind === 'delivered'
        ? { action: 'complete' }
        : { action: 'fail', final: true }
      : nextStep(a.attempt, sent, policy, opts.random);
  const settled = settle(base, a.attempt, sent, step, deps.clock.now(), redeliveryDelayMs(policy));
  return {
    outbox: [reportEvent(settled.report)],
    write: (receipt) =>
      deps.deliveries.commitAttempt({
        delivery: settled.delivery,
        previous,
        receipt,
        ...(settled.due === undefined ? {} : { due: settled.due }),
      }),
    // Recorded on the placement before the event goes out, so whoever reacts to the event
    // reads a placement that already says so.
    afterCommit: async () => {
      try {
        await recordOnPlacement(deps, settled.report, a.eventId);
      } catch (error) {
        throw new Error(`takedown ${a.takedownId}: recording attempt ${a.attempt} on the placement failed`, { cause: error });
      }
    },
    result: settled.result,
  };
}

/** Why this takedown must not be sent (anymore), or `undefined` to send it. */
async function whyNotSend(deps: Deps, delivery: DeliveryRecord, redelivery: boolean): Promise<string | undefined> {
  const placement = await placementByTakedown(deps, delivery.takedownId);
  if (placement === undefined) return 'no placement is known for this takedown';
  if (placement.takedown?.takedownId !== delivery.takedownId) return 'the placement has another takedown';
  if (placement.status === 'taken-down') return 'the placement is already taken down';
  if (placement.takedown.closedAt !== undefined) return 'an operator closed the takedown';
  // A final failure reported by the channel itself ends the fast retries; only a redelivery goes on.
  if (placement.takedown.final === true && !redelivery) return 'the takedown already failed finally';
  return undefined;
}

async function send(channels: ChannelDirectory, delivery: DeliveryRecord, opts: DeliverOptions): Promise<WebhookOutcome> {
  const webhook = await channels.webhook(delivery.channel);
  // Removed from the configuration since the first attempt: sending again cannot help.
  if (webhook === undefined)
    return { kind: 'rejected', status: 0, error: `channel "${delivery.channel}" is no longer configured as a webhook` };
  return limited(opts.limiter, delivery.channel, () =>
    opts.sender.send(delivery.body, webhook, { deliveryId: delivery.takedownId, timeoutMs: opts.timeoutMs }),
  );
}

interface Settled {
  report: AttemptReport;
  delivery: DeliveryRecord;
  due?: DueItem;
  result: DeliveryResult;
}

/** What the partner's answer and the retry policy make of the attempt. */
function settle(base: DeliveryRecord, attempt: number, sent: WebhookOutcome, step: NextStep, at: Date, redeliveryMs: number): Settled {
  const updatedAt = at.toISOString();
  const facts = { takedownId: base.takedownId, assetId: base.assetId, channel: base.channel, placementId: base.placementId };
  if (step.action === 'complete') {
    return {
      report: { kind: 'completed', ...facts, completedAt: updatedAt },
      delivery: { ...base, attempts: attempt, status: 'delivered', updatedAt },
      result: { kind: 'delivered', httpStatus: sent.kind === 'delivered' ? sent.status : 0 },
    };
  }
  const error = sent.kind === 'delivered' ? 'delivered' : sent.error;
  const final = step.action === 'fail';
  const report: AttemptReport = { kind: 'failed', ...facts, error, final, attempts: attempt };
  const delivery: DeliveryRecord = { ...base, attempts: attempt, status: final ? 'failed' : 'pending', lastError: error, updatedAt };
  const next = attempt + 1;
  const payload = { takedownId: base.takedownId, attempt: next };
  if (step.action === 'fail') {
    // Final for this round of retries, not for ever: delivered again, slowly, until settled.
    const redeliverAt = new Date(at.getTime() + redeliveryMs).toISOString();
    const due: DueItem = { dueAt: redeliverAt, kind: 'webhook-redelivery', id: `${base.takedownId}#${next}`, payload };
    return { report, delivery, due, result: { kind: 'failed', error } };
  }
  const dueAt = new Date(at.getTime() + step.delayMs).toISOString();
  return {
    report,
    delivery,
    due: { dueAt, kind: 'webhook-retry', id: `${base.takedownId}#${next}`, payload },
    result: { kind: 'retry', error, dueAt },
  };
}

function limited<T>(limiter: ChannelLimiter | undefined, channel: string, task: () => Promise<T>): Promise<T> {
  return limiter === undefined ? task() : limiter.run(channel, task);
}
