import type { Grant } from '../consent/grant.ts';
import { canonicalJsonBytes } from '../log/canonical-json.ts';

/** The `typ` of a consent credential's JWS header; the log's tree heads have another, so neither passes for the other. */
export const CREDENTIAL_TYP = 'twinguard-consent-credential+jws';

/** The label under which a credential goes into a C2PA manifest, as a custom assertion (docs/proofs.md). */
export const C2PA_ASSERTION_LABEL = 'com.twinguard.consent-credential';

/**
 * A credential never outlives this, even on grants without an end: a holder checks again
 * online (revocation) or asks for a new decision. 90 days.
 */
export const MAX_CREDENTIAL_LIFETIME_SECONDS = 90 * 24 * 3600;

/** A grant the decision relied on, pinned to its version. */
export interface CredentialGrant {
  twinId: string;
  grantId: string;
  version: number;
}

/**
 * What a consent credential states: one approved decision, the use it approved and the grant
 * versions it relied on. `iat` and `exp` are seconds since the epoch, as in JWT.
 */
export interface ConsentCredentialClaims {
  iss: 'twinguard';
  kind: 'render' | 'publication';
  decisionId: string;
  /** The render's request id; absent for a publication. */
  requestId?: string;
  /** The publication id and its asset; absent for a render. */
  publicationId?: string;
  assetId?: string;
  twinIds: string[];
  licensee: string;
  medium: string;
  modifications: string[];
  channel?: string;
  territories?: string[];
  grants: CredentialGrant[];
  iat: number;
  exp: number;
}

/** The decision as the use cases hold it when it was approved. */
export interface ApprovedUse {
  kind: 'render' | 'publication';
  decisionId: string;
  requestId?: string;
  publicationId?: string;
  assetId?: string;
  twinIds: string[];
  licensee: string;
  medium: string;
  modifications: readonly string[];
  channel?: string;
  territories?: readonly string[];
}

/**
 * The claims of an approved decision: issued `now`, expiring at the earliest `validUntil` of
 * the grants it relied on, and never later than MAX_CREDENTIAL_LIFETIME_SECONDS after issue.
 */
export function credentialClaims(use: ApprovedUse, covering: readonly Grant[], now: Date): ConsentCredentialClaims {
  const iat = Math.floor(now.getTime() / 1000);
  const ends = covering.flatMap((g) => (g.validUntil === undefined ? [] : [Math.floor(Date.parse(g.validUntil) / 1000)]));
  const exp = Math.min(iat + MAX_CREDENTIAL_LIFETIME_SECONDS, ...ends);
  return {
    iss: 'twinguard',
    kind: use.kind,
    decisionId: use.decisionId,
    ...(use.requestId !== undefined && { requestId: use.requestId }),
    ...(use.publicationId !== undefined && { publicationId: use.publicationId }),
    ...(use.assetId !== undefined && { assetId: use.assetId }),
    twinIds: [...use.twinIds],
    licensee: use.licensee,
    medium: use.medium,
    modifications: [...use.modifications],
    ...(use.channel !== undefined && { channel: use.channel }),
    ...(use.territories !== undefined && { territories: [...use.territories] }),
    grants: covering.map((g) => ({ twinId: g.twinId, grantId: g.grantId, version: g.version })),
    iat,
    exp,
  };
}

/** The bytes signed: RFC 8785 canonical JSON, so the same claims always give the same payload. */
export function credentialPayload(claims: ConsentCredentialClaims): Uint8Array {
  return canonicalJsonBytes(claims);
}
