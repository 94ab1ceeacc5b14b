import type { Deps } from '../../shared/ports/deps.ts';
import { reevaluatePlacements, type Checkpoint } from '../../shared/use-cases/reevaluate-placements.ts';
import type { ReevaluationRequest } from '../../shared/use-cases/reevaluation-requested.ts';
import type { RecordingPublisher } from './harness.ts';

/**
 * Plays the bus for `Reevaluation Requested`: runs every request published so far (and
 * the continuations they publish) until none is left. Returns how many invocations ran.
 */
export async function runReevaluations(deps: Deps, publisher: RecordingPublisher, checkpoint?: Checkpoint): Promise<number> {
  let handled = 0;
  let invocations = 0;
  for (;;) {
    const requests = publisher.events.filter((e) => e.detailType === 'Reevaluation Requested');
    if (handled >= requests.length) return invocations;
    const request = requests[handled++]!.detail as unknown as ReevaluationRequest;
    await reevaluatePlacements(deps, request, checkpoint);
    invocations++;
  }
}
