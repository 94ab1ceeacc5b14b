import { describe, expect, it } from 'vitest';
import type { OutboundEvent } from '../../shared/model/events/envelope.ts';
import { OUTBOUND_SCHEMAS, PUBLIC_DETAIL_TYPES } from '../../shared/model/events/outbound-schemas.ts';

// Compile-time checks: `npx tsc --noEmit` fails if any `@ts-expect-error` below stops being an error,
// i.e. if an emitter could put a detail on the bus that its detail-type's schema does not describe.
const overdue = {
  takedownId: 'td-1',
  assetId: 'asset-1',
  channel: 'web',
  placementId: 'p-1',
  deadline: '2026-05-01T13:00:00Z',
};

const refs = { takedownId: 'td-1', assetId: 'asset-1', channel: 'web', placementId: 'p-1' };
const { deadline: _, ...withoutDeadline } = overdue;
const decision = { requestId: 'r', twinIds: ['t'], licensee: 'l', decisionId: 'd' };
const unknownCode = { ...decision, reasons: [{ twinId: 't', code: 'NOPE', message: '' }] };
const failedWithoutAttempts = { ...refs, error: 'x', final: false };
const photoUsage = { talentId: 't', twinId: 't', grantId: 'g', kind: 'photo', amount: 1, currency: 'EUR', refId: 'r' };

const typed: OutboundEvent[] = [
  { detailType: 'Takedown Overdue', detail: overdue },
  { detailType: 'Reevaluation Requested', detail: { jobId: 'j', grantId: 'g', twinId: 't', cause: 'CONSENT_REVOKED' } },
  // @ts-expect-error a detail-type that is not in the contract
  { detailType: 'Takedown Overdued', detail: overdue },
  // @ts-expect-error a required field missing (deadline)
  { detailType: 'Takedown Overdue', detail: withoutDeadline },
  // @ts-expect-error another detail-type's detail
  { detailType: 'Render Approved', detail: overdue },
  // @ts-expect-error a reason code the contract does not have
  { detailType: 'Render Denied', detail: unknownCode },
  // @ts-expect-error TwinGuard's Takedown Failed says which attempt it was
  { detailType: 'Takedown Failed', detail: failedWithoutAttempts },
  // @ts-expect-error usage is of a render or a placement, nothing else
  { detailType: 'Usage Recorded', detail: photoUsage },
];

describe('the outbound schemas', () => {
  it('cover exactly the public detail-types of EVENTS.md, internal ones excluded', () => {
    expect(PUBLIC_DETAIL_TYPES).toEqual([
      'Render Approved',
      'Render Denied',
      'Publication Approved',
      'Publication Denied',
      'Takedown Requested',
      'Takedown Completed',
      'Takedown Failed',
      'Takedown Overdue',
      // Issue 10 (verified removal) adds these two to the contract.
      'Removal Verified',
      'Removal Unverified',
      // Issue 10 (certificate of removal).
      'Removal Certificate Issued',
      'Usage Recorded',
      'Event Rejected',
    ]);
  });

  it('refuse at run time what the types refuse at compile time', () => {
    const [, , ...wrong] = typed;
    for (const event of wrong) {
      const schema = OUTBOUND_SCHEMAS[event.detailType as keyof typeof OUTBOUND_SCHEMAS];
      expect(schema?.safeParse(event.detail).success ?? false).toBe(false);
    }
    expect(OUTBOUND_SCHEMAS['Takedown Overdue'].safeParse(overdue).success).toBe(true);
  });
});
