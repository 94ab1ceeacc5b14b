import type { WebhookOutcome } from '../model/delivery/webhook-outcome.ts';
import type { WebhookChannel } from './channel-directory.ts';

/** POSTs one signed takedown body to a channel's webhook; never rejects for network or HTTP failures. */
export interface WebhookSender {
  send(body: string, channel: WebhookChannel, opts: { deliveryId: string; timeoutMs: number }): Promise<WebhookOutcome>;
}

/** Runs a task under the per-channel concurrency bound (a `KeyedLimiter`). */
export interface ChannelLimiter {
  run<T>(channel: string, task: () => Promise<T>): Promise<T>;
}
