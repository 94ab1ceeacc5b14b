import { decide, unique } from '../model/consent/decide.ts';
import type { PublicationRequested } from '../model/events/inbound-schemas.ts';
import type { Deps } from '../ports/deps.ts';
import type { PublicationRecord } from '../model/records.ts';
import { decisionLines } from './audit-lines.ts';
import { useOfPublication } from '../model/consent/use.ts';
import { commit, once, type Outcome } from './once.ts';
import { issueCredential } from './issue-credential.ts';

/**
 * `Publication Requested`: may the publisher put this asset on this channel in these
 * territories? Primary course: as for a render, plus channel, territories and the AI label;
 * an approval is stored so that the placement reported later can be matched to it.
 * Publishing is not a paid use yet: the placement, once live, is.
 */
export async function requestPublication(deps: Deps, detail: PublicationRequested, eventId: string): Promise<Outcome> {
  const { outcome } = await once(deps, { kind: 'publication', businessId: detail.publicationId, eventId }, async () => {
    const grants = await deps.store.grantsOfTwins(detail.twinIds);
    const now = deps.clock.now();
    const at = now.toISOString();
    const twinIds = unique(detail.twinIds);
    const publication: Omit<PublicationRecord, 'approved' | 'grants'> = {
      publicationId: detail.publicationId,
      assetId: detail.assetId,
      channel: detail.channel,
      twinIds,
      licensee: detail.licensee,
      medium: detail.medium,
      modifications: detail.modifications ?? [],
      territories: unique(detail.territories),
      aiLabelled: detail.aiDisclosure.labelled,
      decisionId: deps.ids.next('dec'),
      decidedAt: at,
    };
    const decision = decide(twinIds, grants, useOfPublication(publication), now);
    const common = {
      publicationId: detail.publicationId,
      assetId: detail.assetId,
      channel: detail.channel,
      twinIds,
      decisionId: publication.decisionId,
    };
    const credential = decision.approved
      ? await issueCredential(
          deps,
          {
            kind: 'publication',
            decisionId: publication.decisionId,
            publicationId: publication.publicationId,
            assetId: publication.assetId,
            twinIds,
            licensee: publication.licensee,
            medium: publication.medium,
            modifications: publication.modifications,
            channel: publication.channel,
            territories: publication.territories,
          },
          decision.covering,
          now,
        )
      : undefined;
    const outbox = decision.approved
      ? [{ detailType: 'Publication Approved' as const, detail: { ...common, grants: decision.grants, ...(credential && { credential }) } }]
      : [{ detailType: 'Publication Denied' as const, detail: { ...common, reasons: decision.reasons } }];
    const audit = decisionLines('publication-decision', publication.decisionId, twinIds, decision, { at, eventId, request: detail });
    return commit(outbox, (receipt) =>
      deps.store.commitDecision({
        receipt,
        audit,
        usage: [],
        publication: { ...publication, approved: decision.approved, grants: decision.approved ? decision.grants : [] },
      }),
    );
  });
  return outcome;
}
