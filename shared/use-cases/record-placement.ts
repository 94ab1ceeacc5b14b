import { unique } from '../model/consent/decide.ts';
import { refOf } from '../model/consent/grant.ts';
import { judgePlacement } from '../model/consent/placement-coverage.ts';
import type { AssetPublished } from '../model/events/inbound-schemas.ts';
import type { Deps } from '../ports/deps.ts';
import type { DueItem } from '../model/due-item.ts';
import type { PlacementRecord, PublicationRecord } from '../model/records.ts';
import { placementLines } from './audit-lines.ts';
import { commit, once, type Outcome } from './once.ts';
import { openTakedown } from './takedown.ts';
import { usageEvents, usageOf } from './usage.ts';

/**
 * `Asset Published`: an asset went live on a channel.
 * Primary course: 1. find the approved publication(s) of the asset on the channel;
 * 2. keep those whose territories hold every territory the placement is live in, and check
 * the consent of every twin again, now, for the placement's territories; 3. covered: record the placement with
 * the grants it relies on and meter one use per twin; not covered: record it and request
 * its takedown at once. The write fails if a grant it relies on changed meanwhile, and
 * the placement is judged again, so a revocation racing it always wins.
 */
export async function recordPlacement(deps: Deps, detail: AssetPublished, eventId: string): Promise<Outcome> {
  const businessId = `${detail.channel}#${detail.placementId}`;
  const ran = await once(deps, { kind: 'placement', businessId, eventId }, async () => {
    const publications = await approvedPublicationsFor(deps, detail);
    const grants = await deps.store.grantsOfTwins(unique([...detail.twinIds, ...publications.flatMap((p) => p.twinIds)]));
    const now = deps.clock.now();
    const at = now.toISOString();
    const verdict = judgePlacement(detail, publications, grants, now);
    // The asset's twins: those it names and those of the publication it is judged by; not
    // those of every other approval of the asset, so a placement has at most 2 x 20 twins.
    const twinIds = unique([...detail.twinIds, ...(verdict.publication?.twinIds ?? [])]);
    const placement: PlacementRecord = {
      channel: detail.channel,
      placementId: detail.placementId,
      assetId: detail.assetId,
      url: detail.url,
      publicationId: verdict.covered ? verdict.publication.publicationId : detail.publicationId,
      twinIds,
      licensee: detail.licensee,
      territories: unique(detail.territories),
      publishedAt: detail.publishedAt,
      recordedAt: at,
      status: 'live',
      reliesOn: verdict.covered ? verdict.covering.map(refOf) : [],
      revision: 0,
    };
    const usage = verdict.covered ? usageOf(verdict.covering, 'placement', detail.placementId, at) : [];
    const outbox = usageEvents(usage);
    const due: DueItem[] = [];
    if (!verdict.covered) {
      const opened = openTakedown(deps, placement, verdict.reason, verdict.grantIds);
      placement.status = 'takedown-requested';
      placement.takedown = opened.takedown;
      outbox.push(opened.event);
      due.push(opened.due);
    }
    return commit(outbox, (receipt) =>
      deps.store.commitPlacement({
        placement,
        receipt,
        usage,
        due,
        audit: placementLines(placement, verdict, { at, eventId, request: detail }),
      }),
    );
  });
  // A placement with many twins is written in steps; if the run that recorded it stopped
  // between them, this delivery finishes the audit lines and usage it left.
  if (ran.outcome === 'duplicate') await deps.store.completeCommit('placement', businessId);
  return ran.outcome;
}

/** The publication named by the event, if it approved this very asset and channel; else any approval of them. */
async function approvedPublicationsFor(deps: Deps, detail: AssetPublished): Promise<PublicationRecord[]> {
  if (detail.publicationId === undefined) return deps.store.approvedPublications(detail.assetId, detail.channel);
  const named = await deps.store.getPublication(detail.publicationId);
  const matches = named?.approved && named.assetId === detail.assetId && named.channel === detail.channel;
  return matches ? [named] : [];
}
