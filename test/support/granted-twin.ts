import type { PlacementRecord, PublicationRecord } from '../../shared/model/records.ts';
import type { Outcome } from '../../shared/use-cases/once.ts';
import { grantDetail, ids } from './fixtures.ts';
import { db, tables } from './harness.ts';
import { approvedPublication, seedPlacements, seedPublication } from './seed.ts';

/**
 * A twin granted through the world's front door, with `count` live placements of one approved
 * publication seeded straight into the table: large fan-outs without replaying thousands of events.
 */
export async function grantedTwinWithPlacements(
  w: { send(detailType: string, detail: unknown): Promise<Outcome> },
  spec: { count: number; channels?: string[]; url?: string },
): Promise<{ id: ReturnType<typeof ids>; publication: PublicationRecord; placements: PlacementRecord[] }> {
  const id = ids();
  await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent }));
  const publication = approvedPublication(id.u, id.twin, id.grant);
  await seedPublication(db, tables.consent, publication);
  const placements = await seedPlacements(db, tables.consent, {
    count: spec.count,
    prefix: `p-${id.u}`,
    publication,
    reliesOn: publication.grants,
    ...(spec.channels !== undefined && { channels: spec.channels }),
    ...(spec.url !== undefined && { url: spec.url }),
  });
  return { id, publication, placements };
}
