import type * as z from 'zod/mini';
import type { INTERNAL_SCHEMAS } from './internal-schemas.ts';
import type { OutboundDetails, PublicDetailType } from './outbound-schemas.ts';

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

export const TWINGUARD_SOURCE = 'twinguard';

/** Events TwinGuard sends to itself to continue long work in bounded steps. */
export type InternalDetailType = keyof typeof INTERNAL_SCHEMAS;

export type OutboundDetailType = PublicDetailType | InternalDetailType;

/** The detail of every event TwinGuard puts on the bus, public or internal, by detail-type. */
export type EmittedDetails = OutboundDetails & { [K in InternalDetailType]: z.infer<(typeof INTERNAL_SCHEMAS)[K]> };

/**
 * An event TwinGuard is about to put on the bus; EventBridge adds id, time and the rest.
 * A union keyed by `detailType`: the detail must match that detail-type's schema.
 */
export type OutboundEvent = { [K in OutboundDetailType]: { detailType: K; detail: EmittedDetails[K] } }[OutboundDetailType];
