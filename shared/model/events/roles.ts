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
