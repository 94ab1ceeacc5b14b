import { decide, unique } from '../../model/consent/decide.ts';
import type { GrantRef } from '../../model/consent/grant.ts';
import type { Reason } from '../../model/consent/reason-codes.ts';
import type { IntendedUse } from '../../model/consent/use.ts';
import type { QueryDeps } from './query-deps.ts';

/** A use someone is considering: a render when no channel is given, a publication otherwise. */
export interface CheckRequest {
  twinIds: string[];
  licensee: string;
  medium: string;
  modifications: string[];
  channel?: string;
  territories?: string[];
  /** Whether the asset will carry an AI label; assumed when not said. */
  aiLabelled?: boolean;
}

export interface CheckAnswer {
  approved: boolean;
  at: string;
  /** The grant each twin would rest on, at its version now. */
  grants: GrantRef[];
  /** Every reason, for every uncovered twin (as a denial would list them). */
  reasons: Reason[];
}

/** A check names at most this many twins (a render or publication request names at most 20). */
export const MAX_CHECK_TWINS = 20;

/**
 * Would this use be approved now? The decision rule of the handlers (`decide`), on the same
 * reads; nothing is recorded and nothing emitted, so asking changes nothing.
 */
export async function checkUse(deps: QueryDeps, request: CheckRequest): Promise<CheckAnswer> {
  const twinIds = unique(request.twinIds);
  if (twinIds.length === 0 || twinIds.length > MAX_CHECK_TWINS) throw new RangeError(`name 1 to ${MAX_CHECK_TWINS} twins`);
  const now = deps.clock.now();
  const grants = new Map(await Promise.all(twinIds.map(async (id) => [id, await deps.queries.grantsOfTwin(id)] as const)));
  const use: IntendedUse = {
    licensee: request.licensee,
    medium: request.medium,
    modifications: request.modifications,
    ...(request.channel === undefined
      ? {}
      : { distribution: { channel: request.channel, territories: request.territories ?? [], aiLabelled: request.aiLabelled ?? true } }),
  };
  const decision = decide(twinIds, grants, use, now);
  return decision.approved
    ? { approved: true, at: now.toISOString(), grants: decision.grants, reasons: [] }
    : { approved: false, at: now.toISOString(), grants: [], reasons: decision.reasons };
}
