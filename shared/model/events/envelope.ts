/** An EventBridge event as delivered to a target (the "envelope"). */
export interface EventEnvelope<D = unknown> {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}

/** An event TwinGuard is about to put on the bus; EventBridge adds id, time and the rest. */
export interface OutboundEvent {
  detailType: OutboundDetailType;
  detail: Record<string, unknown>;
}

export const TWINGUARD_SOURCE = 'twinguard';

export type OutboundDetailType =
  | 'Render Approved'
  | 'Render Denied'
  | 'Publication Approved'
  | 'Publication Denied'
  | 'Takedown Requested'
  | 'Takedown Completed'
  | 'Takedown Failed'
  | 'Takedown Overdue'
  | 'Usage Recorded'
  | 'Event Rejected'
  | InternalDetailType;

/** Events TwinGuard sends to itself to continue long work in bounded steps. */
export type InternalDetailType = 'Reevaluation Requested' | 'Takedown Delivery Due';
