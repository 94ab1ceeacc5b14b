import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { wireQueries } from '../../shared/adapters/wire.ts';
import { systemClock } from '../../shared/adapters/system.ts';
import type { StateCounts } from '../../shared/use-cases/queries/placement-tally.ts';
import { grantStatus, twinStatus } from '../../shared/use-cases/queries/status.ts';

/** Where the counts are read: the tables of a world or of a running runtime. */
export interface CountSource {
  db: DynamoDBDocumentClient;
  tables: { consent: string; audit: string };
}

/** The placement counts `twinguard status --twin` shows. */
export async function countsOfTwin(source: CountSource, twinId: string): Promise<StateCounts> {
  return (await twinStatus({ queries: wireQueries(source), clock: systemClock }, twinId)).placements.totals;
}

/** The placement counts `twinguard status --grant` shows: the placements relying on the grant now. */
export async function countsOfGrant(source: CountSource, grantId: string): Promise<StateCounts> {
  return (await grantStatus({ queries: wireQueries(source), clock: systemClock }, grantId)).placements.totals;
}
