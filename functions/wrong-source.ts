import { inboundHandler } from './commons/inbound-handler.ts';

/** Receives known detail-types sent from a source that does not hold the role; answers `Event Rejected`. */
export const handler = inboundHandler('any');
