import { reevaluationRequestedSchema } from '../shared/model/events/internal-schemas.ts';
import { reevaluatePlacements } from '../shared/use-cases/reevaluate-placements.ts';
import { internalHandler } from './commons/internal-handler.ts';

/** Re-evaluates a lost grant's placements, a bounded slice per invocation. */
export const handler = internalHandler(
  'Reevaluation Requested',
  (d) => reevaluationRequestedSchema.parse(d),
  (deps, request) => reevaluatePlacements(deps, request),
);
