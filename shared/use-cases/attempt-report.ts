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
  if (event.detailType === 'Takedown Completed') {
    const { takedownId, assetId, channel, placementId, completedAt } = event.detail;
    return { kind: 'completed', takedownId, assetId, channel, placementId, completedAt };
  }
  if (event.detailType === 'Takedown Failed') {
    const { takedownId, assetId, channel, placementId, error, final, attempts } = event.detail;
    return { kind: 'failed', takedownId, assetId, channel, placementId, error, final, attempts };
  }
  throw new Error(`a webhook attempt's receipt holds ${event.detailType}, not a takedown report`);
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
