/** A consent grant as signed by the consent authority; one version of it. */
export interface Grant {
  grantId: string;
  version: number;
  twinId: string;
  talentId: string;
  licensee: string;
  validFrom: string;
  validUntil?: string;
  scope: GrantScope;
  aiDisclosureRequired: boolean;
  compensation?: Compensation;
  evidence: { documentId: string; signedAt: string };
  /** Set once the grant is revoked; a revoked grant never covers anything again. */
  revokedAt?: string;
  revocationReason?: string;
}

export interface GrantScope {
  media: string[];
  /** `["*"]` means any channel. */
  channels: string[];
  /** `["*"]` means any territory. */
  territories: string[];
  modifications: string[];
}

export interface Compensation {
  currency: string;
  perRender: number;
  perPlacement: number;
}

/** The grant a decision relied on, pinned to the version that was in force. */
export interface GrantRef {
  twinId: string;
  grantId: string;
  version: number;
}

export const WILDCARD = '*';

export function refOf(grant: Grant): GrantRef {
  return { twinId: grant.twinId, grantId: grant.grantId, version: grant.version };
}
