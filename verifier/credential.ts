import { type Checked, fail, message, type SignedDocumentKind, verifySignedDocument } from './signed-document.ts';

/** The `typ` of a consent credential's JWS; a tree head signed by the same key is refused here. */
export const CREDENTIAL_TYP = 'twinguard-consent-credential+jws';

/** Longer is refused unread: a credential is a few KiB even for 20 twins. */
export const MAX_CREDENTIAL_LENGTH = 16_384;

const CREDENTIAL: SignedDocumentKind = {
  typ: CREDENTIAL_TYP,
  label: 'the credential',
  name: 'a consent credential',
  maxLength: MAX_CREDENTIAL_LENGTH,
};

/** A grant the decision relied on, at the version in force when it was made. */
export interface CredentialGrant {
  twinId: string;
  grantId: string;
  version: number;
}

/** What a credential whose signature, shape and expiry were checked states: only these values are trusted. */
export interface VerifiedCredential {
  kind: 'render' | 'publication';
  decisionId: string;
  requestId?: string;
  publicationId?: string;
  assetId?: string;
  twinIds: string[];
  licensee: string;
  medium: string;
  modifications: string[];
  channel?: string;
  territories?: string[];
  grants: CredentialGrant[];
  /** Issued and expiring, as ISO-8601 times. */
  issuedAt: string;
  expiresAt: string;
  /** The key that signed it. */
  kid: string;
}

/** What the credential must be about: a credential for another decision, request or publication is refused. */
export interface CredentialExpectation {
  decisionId?: string;
  requestId?: string;
  publicationId?: string;
  /** The credential must cover this twin. */
  twinId?: string;
}

/**
 * Checks a consent credential offline, with the log's public keys (a JWKS) alone: a compact
 * JWS, ES256, signed by a key of `jwks`, typed as a credential, a payload of the right shape,
 * not expired at `now`, and about the record `expect` names. Never throws: whatever is wrong
 * comes back as the reason.
 */
export async function verifyCredential(
  jws: unknown,
  jwks: unknown,
  options: { now?: Date; expect?: CredentialExpectation } = {},
): Promise<Checked<VerifiedCredential>> {
  const signed = await verifySignedDocument(jws, jwks, CREDENTIAL);
  if (!signed.ok) return signed;
  const { kid } = signed.value;
  const claims = signed.value.payload as Record<string, unknown>;
  const shaped = shape(claims);
  if (typeof shaped === 'string') return fail(`the signed credential ${shaped}`);
  // Only the fields a credential states are passed on, whatever else was signed.
  const { iat, exp } = shaped;
  const rest: Omit<Claims, 'iat' | 'exp'> = {
    kind: shaped.kind,
    decisionId: shaped.decisionId,
    ...(shaped.requestId !== undefined && { requestId: shaped.requestId }),
    ...(shaped.publicationId !== undefined && { publicationId: shaped.publicationId }),
    ...(shaped.assetId !== undefined && { assetId: shaped.assetId }),
    twinIds: shaped.twinIds,
    licensee: shaped.licensee,
    medium: shaped.medium,
    modifications: shaped.modifications,
    ...(shaped.channel !== undefined && { channel: shaped.channel }),
    ...(shaped.territories !== undefined && { territories: shaped.territories }),
    grants: shaped.grants.map((g) => ({ twinId: g.twinId, grantId: g.grantId, version: g.version })),
  };
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (exp <= now) return fail(`the credential expired at ${iso(exp)}`);
  if (iat > now + CLOCK_SKEW_SECONDS) return fail(`the credential is issued in the future (${iso(iat)})`);
  const wrong = mismatch(rest, options.expect ?? {});
  if (wrong !== undefined) return fail(wrong);
  return { ok: true, value: { ...rest, issuedAt: iso(iat), expiresAt: iso(exp), kid } };
}

/** What the grant-state reader answers for one grant: unknown, or its version and revocation. */
export type GrantStateReader = (grantId: string) => Promise<{ version?: number; revokedAt?: string } | undefined>;

/**
 * The online half of a credential check: whether any grant it relies on was since revoked
 * (or is unknown to the reader). `read` is TwinGuard's grant state, or an agency's own
 * record of revocations. Never throws: a reader that fails is a reason too.
 */
export async function checkCredentialGrants(
  credential: Pick<VerifiedCredential, 'grants'>,
  read: GrantStateReader,
): Promise<Checked<true>> {
  for (const grant of credential.grants) {
    let state: Awaited<ReturnType<GrantStateReader>>;
    try {
      state = await read(grant.grantId);
    } catch (error) {
      return fail(`the state of grant ${grant.grantId} cannot be read: ${message(error)}`);
    }
    if (state === undefined) return fail(`grant ${grant.grantId} is unknown`);
    if (state.revokedAt !== undefined) return fail(`grant ${grant.grantId} (twin ${grant.twinId}) was revoked at ${state.revokedAt}`);
  }
  return { ok: true, value: true };
}

/** Clocks of issuer and verifier may differ this much. */
const CLOCK_SKEW_SECONDS = 300;

type Claims = Omit<VerifiedCredential, 'issuedAt' | 'expiresAt' | 'kid'> & { iat: number; exp: number };

/** The claims, or what is wrong with them. */
function shape(c: Record<string, unknown>): Claims | string {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return 'is not an object';
  if (c['iss'] !== 'twinguard') return 'was not issued by twinguard';
  if (c['kind'] !== 'render' && c['kind'] !== 'publication') return 'names no kind of decision (render or publication)';
  for (const key of ['decisionId', 'licensee', 'medium'] as const) if (!isText(c[key])) return `has no ${key}`;
  for (const key of ['requestId', 'publicationId', 'assetId', 'channel'] as const)
    if (c[key] !== undefined && !isText(c[key])) return `has a ${key} that is not text`;
  if (c['kind'] === 'render' && c['requestId'] === undefined) return 'is for a render but names no requestId';
  if (c['kind'] === 'publication' && c['publicationId'] === undefined) return 'is for a publication but names no publicationId';
  if (!isTextList(c['twinIds']) || c['twinIds'].length === 0) return 'names no twins';
  if (!isTextList(c['modifications'])) return 'has no list of modifications';
  if (c['territories'] !== undefined && !isTextList(c['territories'])) return 'has territories that are not a list of text';
  const grants = c['grants'];
  if (!Array.isArray(grants) || grants.length === 0) return 'names no grants';
  for (const g of grants) {
    if (g === null || typeof g !== 'object' || !isText(g.twinId) || !isText(g.grantId) || !Number.isSafeInteger(g.version) || g.version < 1)
      return 'has a grant that is not { twinId, grantId, version }';
  }
  if (!isSeconds(c['iat']) || !isSeconds(c['exp'])) return 'has no issue or expiry time (iat, exp in seconds)';
  return c as unknown as Claims;
}

function mismatch(claims: Omit<Claims, 'iat' | 'exp'>, expect: CredentialExpectation): string | undefined {
  for (const key of ['decisionId', 'requestId', 'publicationId'] as const) {
    if (expect[key] !== undefined && claims[key] !== expect[key])
      return `the credential is for ${key} ${String(claims[key] ?? '(none)')}, not ${expect[key]}`;
  }
  if (expect.twinId !== undefined && !claims.twinIds.includes(expect.twinId))
    return `the credential does not cover twin ${expect.twinId} (it covers ${claims.twinIds.join(', ')})`;
  return undefined;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isTextList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
