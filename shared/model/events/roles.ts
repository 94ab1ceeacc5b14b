/** The four roles that may put events on the bus (EVENTS.md "The bus"). */
export type Role = 'consent' | 'studio' | 'publisher' | 'channel';

/** The `source` each role uses; configurable per deployment. */
export type RoleSources = Record<Role, string>;

export const DEFAULT_SOURCES: RoleSources = {
  consent: 'twinguard.consent',
  studio: 'twinguard.studio',
  publisher: 'twinguard.publisher',
  channel: 'twinguard.channel',
};

/** Which role may send each inbound detail-type: only the consent authority grants or revokes. */
export const INBOUND_ROLES = {
  'Consent Granted': 'consent',
  'Consent Revoked': 'consent',
  'Render Requested': 'studio',
  'Publication Requested': 'publisher',
  'Asset Published': 'channel',
  'Takedown Completed': 'channel',
  'Takedown Failed': 'channel',
} as const satisfies Record<string, Role>;

export type InboundDetailType = keyof typeof INBOUND_ROLES;

export const INBOUND_DETAIL_TYPES = Object.keys(INBOUND_ROLES) as InboundDetailType[];

export function isInboundDetailType(value: string): value is InboundDetailType {
  return Object.hasOwn(INBOUND_ROLES, value);
}

/**
 * The AWS accounts allowed to act in each role: an event's envelope `account` must be one of
 * its role's. EventBridge sets `account` from the caller's credentials, so unlike `source` it
 * cannot be chosen by the sender.
 */
export type RoleAccounts = Record<Role, readonly string[]>;

/**
 * Who may report on each channel's takedowns (`Takedown Completed` / `Takedown Failed`):
 * channel name to the channel-role accounts that speak for it. A channel not named takes
 * reports from any channel-role account; a channel named with no account takes none from the
 * bus (a webhook channel: TwinGuard's own connector confirms its takedowns).
 */
export type ChannelSenders = Readonly<Record<string, readonly string[]>>;

/** An AWS account id: twelve digits. */
export const ACCOUNT_ID = /^\d{12}$/;

export function isAllowedAccount(accounts: RoleAccounts, role: Role, account: string): boolean {
  return accounts[role].includes(account);
}

/** Whether `account` may report on `channel`'s takedowns; it must also hold the channel role. */
export function maySpeakForChannel(accounts: RoleAccounts, senders: ChannelSenders, channel: string, account: string): boolean {
  if (!isAllowedAccount(accounts, 'channel', account)) return false;
  return Object.hasOwn(senders, channel) ? (senders[channel] ?? []).includes(account) : true;
}
