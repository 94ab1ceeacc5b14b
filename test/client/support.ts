import { OUTBOUND_EXAMPLES } from '../../shared/model/events/examples.ts';
import type { PublicDetailType } from '../../shared/model/events/outbound-schemas.ts';

/** An outbound example as a rule's Lambda target receives it. */
export function envelopeOf<K extends PublicDetailType>(detailType: K, detail: object = OUTBOUND_EXAMPLES[detailType], extra = {}) {
  return {
    version: '0',
    id: '0d4f2a1e-7c3b-4e5a-9f60-1b2c3d4e5f60',
    'detail-type': detailType,
    source: 'twinguard',
    account: '123456789012',
    time: '2026-05-01T12:00:00Z',
    region: 'eu-north-1',
    resources: [],
    detail,
    ...extra,
  };
}
