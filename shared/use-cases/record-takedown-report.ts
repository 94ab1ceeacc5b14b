import type { Deps } from '../ports/deps.ts';
import type { PlacementRecord } from '../model/records.ts';
import type { TakedownReport } from '../model/takedown-report.ts';

export type { TakedownReport };
import { takedownLines } from './audit-lines.ts';
import { commit, noChange, once, type Outcome } from './once.ts';
import { RejectedEventError } from '../model/errors.ts';
import { maySpeakForChannel } from '../model/events/roles.ts';
import { placementByTakedown } from './takedown.ts';
import { firstRemovalCheck } from './verify-removal.ts';
import { certificateChecksOf } from './removal-certificate.ts';

/** Who sent a report over the bus: the account EventBridge stamped on it. */
export interface ReportSender {
  account: string;
}

/**
 * `Takedown Completed` / `Takedown Failed` from a channel connector (`sender`) or from
 * TwinGuard's own webhook connector (no `sender`): record the outcome on the placement. A
 * connector speaks only for its own channel: the sender's account must be one that may
 * report on the channel named (`Settings.channelSenders`), and the takedown must be that
 * channel's. A completion is final; a report for a takedown already completed changes nothing.
 */
export async function recordTakedownReport(deps: Deps, report: TakedownReport, eventId: string, sender?: ReportSender): Promise<Outcome> {
  if (sender !== undefined && !maySpeakForChannel(deps.settings.accounts, deps.settings.channelSenders, report.channel, sender.account)) {
    // Checked before any read, so that a stranger learns nothing about the takedown it names.
    throw new RejectedEventError([
      { path: 'account', message: `account ${sender.account} may not report takedowns for channel "${report.channel}"` },
    ]);
  }
  // Every failed attempt is its own fact; a completion happens once.
  const businessId = report.kind === 'completed' ? `${report.takedownId}#completed` : `${report.takedownId}#failed#${eventId}`;
  const { outcome } = await once(deps, { kind: 'takedown-report', businessId, eventId }, async () => {
    const placement = await placementOf(deps, report);
    const takedown = placement.takedown!;
    if (placement.status === 'taken-down') return noChange();
    const at = deps.clock.now().toISOString();
    const next: PlacementRecord =
      report.kind === 'completed'
        ? { ...placement, status: 'taken-down', takedown: { ...takedown, completedAt: report.completedAt } }
        : {
            ...placement,
            status: report.final ? 'takedown-failed' : placement.status,
            takedown: { ...takedown, lastError: report.error, final: report.final, attempts: report.attempts ?? takedown.attempts + 1 },
          };
    // A completion of a placement with a URL is not taken on trust: TwinGuard looks itself (verify-removal.ts).
    const due = report.kind === 'completed' && placement.url ? [firstRemovalCheck(report.takedownId, deps.clock.now())] : [];
    // Closed without a look to wait for (no URL, or failed for good): its job's certificate of removal may be due.
    if ((report.kind === 'completed' && !placement.url) || (report.kind === 'failed' && report.final))
      due.push(...certificateChecksOf(takedown.jobId, deps.clock.now()));
    return commit([], (receipt) =>
      deps.store.commitPlacementUpdate({
        placement: next,
        receipt,
        due,
        audit: takedownLines(report.takedownId, placement.twinIds, { step: 'reported', report }, { at, eventId, request: report }),
      }),
    );
  });
  return outcome;
}

async function placementOf(deps: Deps, report: TakedownReport): Promise<PlacementRecord> {
  const placement = await placementByTakedown(deps, report.takedownId);
  if (!placement || placement.takedown?.takedownId !== report.takedownId) {
    throw new RejectedEventError([{ path: 'detail.takedownId', message: `no open takedown ${report.takedownId} is known` }]);
  }
  if (placement.channel !== report.channel || placement.placementId !== report.placementId) {
    throw new RejectedEventError([
      {
        path: 'detail.placementId',
        // Names only what the sender sent: whose takedown it really is is not the sender's to learn.
        message: `takedown ${report.takedownId} is not for ${report.channel} placement ${report.placementId}`,
      },
    ]);
  }
  return placement;
}
