/** Reason codes of the public contract (EVENTS.md), used by denials and takedowns. */
export const REASON_CODES = [
  'NO_CONSENT',
  'CONSENT_REVOKED',
  'CONSENT_EXPIRED',
  'CONSENT_NOT_YET_VALID',
  'SCOPE_NARROWED',
  'LICENSEE_MISMATCH',
  'MEDIUM_NOT_ALLOWED',
  'MODIFICATION_NOT_ALLOWED',
  'CHANNEL_NOT_ALLOWED',
  'TERRITORY_NOT_ALLOWED',
  'AI_DISCLOSURE_MISSING',
  'UNAPPROVED_PUBLICATION',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** Why one twin is not covered; `grantId` names the grant that fell short, when there was one. */
export interface Reason {
  twinId: string;
  code: ReasonCode;
  message: string;
  grantId?: string;
}
