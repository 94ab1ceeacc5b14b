import { inboundHandler } from './commons/inbound-handler.ts';

export const handler = inboundHandler(['Takedown Completed', 'Takedown Failed']);
