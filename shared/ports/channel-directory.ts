/** A webhook channel's endpoint and signing secrets. */
export interface WebhookChannel {
  url: string;
  /**
   * The active signing secrets, newest first: one, or two during a rotation (new, old).
   * Each signs `webhook-signature`; the first also signs the deprecated `x-twinguard-signature`.
   */
  secrets: readonly string[];
}

/** Where the webhook connector finds a channel's URL and secret; unlisted channels are `event` channels. */
export interface ChannelDirectory {
  /** The channel's webhook, or `undefined` when it is an event channel. */
  webhook(channel: string): Promise<WebhookChannel | undefined>;
}
