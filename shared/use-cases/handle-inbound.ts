import type { z } from 'zod/mini';
import type { EventEnvelope } from '../model/events/envelope.ts';
import * as schemas from '../model/events/inbound-schemas.ts';
import { INBOUND_ROLES, isAllowedAccount, isInboundDetailType, type InboundDetailType } from '../model/events/roles.ts';
import { envelopeErrors } from '../model/events/rejection.ts';
import { parseDetail } from '../model/events/validation.ts';
import type { Deps } from '../ports/deps.ts';
import { grantConsent } from './grant-consent.ts';
import type { Outcome } from './once.ts';
import { recordPlacement } from './record-placement.ts';
import { rejectEvent } from './reject-event.ts';
import { RejectedEventError } from '../model/errors.ts';
import { requestPublication } from './request-publication.ts';
import { requestRender } from './request-render.ts';
import { revokeConsent } from './revoke-consent.ts';
import { recordTakedownReport } from './record-takedown-report.ts';

interface Route<S extends z.ZodMiniType> {
  schema: S;
  /** `envelope` is the event as delivered: its `account` says who sent it. */
  run: (deps: Deps, detail: z.infer<S>, eventId: string, envelope: EventEnvelope) => Promise<Outcome>;
}

function route<S extends z.ZodMiniType>(schema: S, run: Route<S>['run']): Route<z.ZodMiniType> {
  return { schema, run } as Route<z.ZodMiniType>;
}

/** Each inbound detail-type of the contract, with its schema and use case. */
export const ROUTES: Record<InboundDetailType, Route<z.ZodMiniType>> = {
  'Consent Granted': route(schemas.consentGranted, grantConsent),
  'Consent Revoked': route(schemas.consentRevoked, revokeConsent),
  'Render Requested': route(schemas.renderRequested, requestRender),
  'Publication Requested': route(schemas.publicationRequested, requestPublication),
  'Asset Published': route(schemas.assetPublished, recordPlacement),
  'Takedown Completed': route(schemas.takedownCompleted, (deps, detail, eventId, envelope) =>
    recordTakedownReport(deps, { kind: 'completed', ...detail }, eventId, { account: envelope.account }),
  ),
  'Takedown Failed': route(schemas.takedownFailed, (deps, detail, eventId, envelope) =>
    recordTakedownReport(deps, { kind: 'failed', ...detail }, eventId, { account: envelope.account }),
  ),
};

/**
 * The one entry of every inbound event: check the sender's role (its `source`, and the
 * `account` EventBridge stamped from its credentials), validate the detail, run the use case. Bad input ends in `Event Rejected` and a normal return (no retry
 * loop); infrastructure failures throw, so the platform retries and then dead-letters.
 */
export async function handleInbound(deps: Deps, envelope: EventEnvelope): Promise<Outcome> {
  const unfit = envelopeErrors(envelope);
  if (unfit.length > 0) return rejectEvent(deps, envelope, unfit);
  const detailType = envelope['detail-type'];
  if (!isInboundDetailType(detailType)) {
    return rejectEvent(deps, envelope, [{ path: 'detail-type', message: `unknown detail-type "${detailType}"` }]);
  }
  const role = INBOUND_ROLES[detailType];
  const expected = deps.settings.sources[role];
  if (envelope.source !== expected) {
    return rejectEvent(deps, envelope, [
      {
        path: 'source',
        message: `"${detailType}" is accepted only from the ${role} role (source "${expected}"), not "${envelope.source}"`,
      },
    ]);
  }
  if (!isAllowedAccount(deps.settings.accounts, role, envelope.account)) {
    // The bus's rules already route by account; this holds if a rule or the bus policy is changed by hand.
    // The allowed accounts are not named: they are other parties' account ids.
    return rejectEvent(deps, envelope, [
      {
        path: 'account',
        message: `"${detailType}" is accepted only from the ${role} role's accounts; ${envelope.account} is not one of them`,
      },
    ]);
  }
  const { schema, run } = ROUTES[detailType];
  const parsed = parseDetail(schema, envelope.detail);
  if (!parsed.ok) return rejectEvent(deps, envelope, parsed.errors);
  try {
    return await run(deps, parsed.value, envelope.id, envelope);
  } catch (error) {
    if (error instanceof RejectedEventError) return rejectEvent(deps, envelope, error.errors);
    throw error;
  }
}
