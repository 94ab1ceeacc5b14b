import type { Grant } from '../model/consent/grant.ts';
import type { OutboundEvent } from '../model/events/envelope.ts';
import type { UsageRecord } from '../model/records.ts';

/** ISO 4217's code for "no currency": a grant without compensation meters uses at 0. */
export const NO_CURRENCY = 'XXX';

/** One paid use per twin: each talent is paid for their own twin, under the grant that covered it. */
export function usageOf(covering: Grant[], kind: UsageRecord['kind'], refId: string, at: string): UsageRecord[] {
  return covering.map((grant) => ({
    talentId: grant.talentId,
    twinId: grant.twinId,
    grantId: grant.grantId,
    kind,
    amount: (kind === 'render' ? grant.compensation?.perRender : grant.compensation?.perPlacement) ?? 0,
    currency: grant.compensation?.currency ?? NO_CURRENCY,
    refId,
    at,
  }));
}

export function usageEvents(usage: UsageRecord[]): OutboundEvent[] {
  return usage.map(({ talentId, twinId, grantId, kind, amount, currency, refId }) => ({
    detailType: 'Usage Recorded',
    detail: { talentId, twinId, grantId, kind, amount, currency, refId },
  }));
}
