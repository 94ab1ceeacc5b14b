import type { OutboundEvent } from '../model/events/envelope.ts';
import { RejectedEventError } from '../model/errors.ts';
import type { Deps } from '../ports/deps.ts';
import type { TakedownReport } from '../model/takedown-report.ts';
import { recordTakedownReport } from './record-takedown-report.ts';

/** A report of TwinGuard's own webhook connector: a failure says which attempt it was. */
export type AttemptReport =
  | Extract<TakedownReport, { kind: 'completed' }>
  | (Extract<TakedownReport, { kind: 'failed' }> & { attempts: number });

/**
 * What a webhook attempt reports: the same `Takedown Completed` / `Takedown Failed` a
 * channel connector would send (plus `attempts`), so the placement records it the same way.
 */
export function reportEvent(report: AttemptReport): OutboundEvent {
  if (report.kind === 'completed') {
    const { kind: _, ...detail } = report;
    return { detailType: 'Takedown Completed', detail };
  }
  const { kind: _, ...detail } = report;
  return { detailType: 'Takedown Failed', detail };
}

/** Back from the event a receipt kept: only a redelivery after a crash needs this. */
export function reportOfEvent(event: OutboundEvent): TakedownReport {
  const d = event.detail as Record<string, any>;
  const facts = { takedownId: d.takedownId, assetId: d.assetId, channel: d.channel, placementId: d.placementId };
  return event.detailType === 'Takedown Completed'
    ? { kind: 'completed', ...facts, completedAt: d.completedAt }
    : { kind: 'failed', ...facts, error: d.error, final: d.final, attempts: d.attempts };
}

/** Records the attempt on the placement as a channel's report would be; idempotent per attempt. */
export async function recordOnPlacement(deps: Deps, report: TakedownReport, eventId: string): Promise<void> {
  try {
    await recordTakedownReport(deps, report, eventId);
  } catch (error) {
    // The placement's takedown changed meanwhile (replaced): nothing of this one to record.
    if (!(error instanceof RejectedEventError)) throw error;
  }
}
