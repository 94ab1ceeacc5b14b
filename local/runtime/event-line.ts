import type { EventEnvelope } from '../../shared/model/events/envelope.ts';

/** The ids worth showing, in the order shown. */
const ID_FIELDS = ['requestId', 'publicationId', 'grantId', 'takedownId', 'assetId', 'channel', 'placementId', 'twinId', 'refId'] as const;

/**
 * One readable line for an event that crossed the bus, like `stripe listen`:
 * `→` inbound (from an integrator), `←` emitted by TwinGuard, then the detail-type, the main
 * ids and the outcome (reasons, reason, errors).
 * E.g. `← Render Denied render-77 twin-a: NO_CONSENT`.
 */
export function formatEventLine(busName: string, envelope: EventEnvelope, matchedRules: number): string {
  const detail = (typeof envelope.detail === 'object' && envelope.detail !== null ? envelope.detail : {}) as Record<string, unknown>;
  const arrow = envelope.source === 'twinguard' ? '←' : '→';
  const parts: string[] = [arrow, String(envelope['detail-type'])];
  for (const field of ID_FIELDS) {
    const value = detail[field];
    if (typeof value === 'string' && value !== '') parts.push(value);
  }
  const twinIds = detail['twinIds'];
  if (Array.isArray(twinIds) && typeof detail['twinId'] !== 'string' && !Array.isArray(detail['reasons'])) {
    parts.push(twinIds.filter((t) => typeof t === 'string').join(','));
  }
  const outcome = outcomeOf(detail);
  // Reasons name their twin (`twin-a: NO_CONSENT`): they follow the ids without another colon.
  const separator = Array.isArray(detail['reasons']) && detail['reasons'].length > 0 ? ' ' : ': ';
  let line = parts.join(' ') + (outcome === undefined ? '' : `${separator}${outcome}`);
  if (envelope.source !== 'twinguard' && matchedRules === 0) {
    line +=
      busName === 'default'
        ? '  (no rule matches: sent to the "default" bus; TwinGuard listens on its own bus)'
        : `  (no rule matches: not delivered; source "${envelope.source}" on bus "${busName}")`;
  }
  return line;
}

function outcomeOf(detail: Record<string, unknown>): string | undefined {
  const reasons = detail['reasons'];
  if (Array.isArray(reasons) && reasons.length > 0) {
    return reasons
      .map((r: { twinId?: unknown; code?: unknown }) => (typeof r.twinId === 'string' ? `${r.twinId}: ${String(r.code)}` : String(r.code)))
      .join(', ');
  }
  const errors = detail['errors'];
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((e: { path?: unknown; message?: unknown }) => `${String(e.path ?? '')} ${String(e.message ?? '')}`.trim()).join('; ');
  }
  if (typeof detail['reason'] === 'string') return detail['reason'];
  if (typeof detail['error'] === 'string') return `${detail['error']}${detail['final'] === true ? ' (final)' : ''}`;
  if (typeof detail['amount'] === 'number') return `${detail['amount']} ${String(detail['currency'] ?? '')}`.trim();
  return undefined;
}
