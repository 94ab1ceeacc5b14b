/** A webhook channel's endpoint and signing secret. */
export interface WebhookChannel {
  url: string;
  secret: string;
}

/** Where the webhook connector finds a channel's URL and secret; unlisted channels are `event` channels. */
export interface ChannelDirectory {
  /** The channel's webhook, or `undefined` when it is an event channel. */
  webhook(channel: string): Promise<WebhookChannel | undefined>;
}
