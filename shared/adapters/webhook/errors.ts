// Names are literals, not `new.target.name`: the Lambda bundles are minified.

/** Base class of the errors of the webhook adapter (channels and their configuration). */
export class WebhookAdapterError extends Error {
  override name = 'WebhookAdapterError';
}

export interface ChannelConfigIssue {
  /** Absent when the problem is the file as a whole. */
  channel?: string;
  /** `url`, `secret`, or absent for the channel's name or entry as a whole. */
  field?: string;
  message: string;
}

/** The channels JSON is invalid; the message names channels and fields, never values (they hold secrets). */
export class ChannelConfigError extends WebhookAdapterError {
  override name = 'ChannelConfigError';
  constructor(
    readonly issues: readonly ChannelConfigIssue[],
    options?: ErrorOptions,
  ) {
    super(`invalid channels file:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`, options);
  }
}

/** Where the channels come from is unusable: the file or secret cannot be read or is invalid, or both are set. */
export class ChannelSourceError extends WebhookAdapterError {
  override name = 'ChannelSourceError';
}

function formatIssue({ channel, field, message }: ChannelConfigIssue): string {
  if (channel === undefined) return `the file ${message}`;
  if (field === undefined) return `channel "${channel}": ${message}`;
  return `channel "${channel}": ${field} ${message}`;
}
