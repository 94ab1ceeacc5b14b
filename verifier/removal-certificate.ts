import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { type Checked, fail, type SignedDocumentKind, verifySignedDocument } from './signed-document.ts';

/** The `typ` of a certificate of removal's manifest; a tree head or a credential signed by the same key is refused here. */
export const REMOVAL_CERTIFICATE_TYP = 'twinguard-removal-certificate+jws';
/** The format of the document `twinguard certificate --json` writes: the manifest and its pages. */
export const REMOVAL_CERTIFICATE_FORMAT = 'twinguard.removal-certificate/v1';
/** Longer is refused unread: a manifest is under 2 KiB whatever the number of placements (they are in the pages). */
export const MAX_CERTIFICATE_LENGTH = 16_384;
/** More pages are refused unread: 200 placements a page, so 2 million placements. */
export const MAX_CERTIFICATE_PAGES = 10_000;

const CERTIFICATE: SignedDocumentKind = {
  typ: REMOVAL_CERTIFICATE_TYP,
  label: 'the certificate',
  name: 'a certificate of removal',
  maxLength: MAX_CERTIFICATE_LENGTH,
};

const OUTCOMES = ['verified', 'unverified', 'unverifiable', 'failed', 'closed'] as const;
export type RemovalOutcome = (typeof OUTCOMES)[number];

/** One placement of a certificate, as its page lists it (docs/proofs.md). */
export interface RemovalCertificateEntry {
  channel: string;
  placementId: string;
  assetId: string;
  url?: string;
  takedownId: string;
  requestedAt: string;
  completedAt?: string;
  outcome: RemovalOutcome;
  verifiedAt?: string;
  checks?: number;
  finding?: string;
  error?: string;
  closedAt?: string;
  /** Its takedown's records in the transparency log. */
  records: string[];
}

/** What a certificate whose signature, shape and (when given) pages were checked states. */
export interface VerifiedRemovalCertificate {
  certificateId: string;
  jobId: string;
  cause: string;
  grantId: string;
  version?: number;
  twinIds: string[];
  revokedAt?: string;
  jobStartedAt: string;
  issuedAt: string;
  placements: number;
  outcomes: Record<RemovalOutcome, number>;
  pageCount: number;
  /** The key that signed it. */
  kid: string;
  /** The placements, when the pages were given: each page matched the signed digest, and the counts add up. */
  entries?: RemovalCertificateEntry[];
}

/**
 * Checks a certificate of removal offline, with the log's public keys (a JWKS) alone. Give
 * either the manifest JWS alone (as `Removal Certificate Issued` carries it: signature, `typ`
 * and shape are checked, the placements are not there to check), or the whole document
 * `{ format, certificate, pages }` (`twinguard certificate --grant ID --json`): then every
 * page is hashed (SHA-256 of its RFC 8785 JSON) and the pages' digest must be the signed
 * one, and the placements and outcomes must add up to the signed counts. `expect` names the
 * grant or job it must be about. Never throws: whatever is wrong comes back as the reason.
 */
export async function verifyRemovalCertificate(
  certificate: unknown,
  jwks: unknown,
  options: { expect?: { grantId?: string; jobId?: string } } = {},
): Promise<Checked<VerifiedRemovalCertificate>> {
  const whole = typeof certificate === 'object' && certificate !== null && !Array.isArray(certificate);
  if (whole && (certificate as Record<string, unknown>)['format'] !== REMOVAL_CERTIFICATE_FORMAT)
    return fail(`not a certificate of removal (format ${REMOVAL_CERTIFICATE_FORMAT})`);
  const jws = whole ? (certificate as Record<string, unknown>)['certificate'] : certificate;
  const signed = await verifySignedDocument(jws, jwks, CERTIFICATE);
  if (!signed.ok) return signed;
  const claims = shape(signed.value.payload);
  if (typeof claims === 'string') return fail(`the signed certificate ${claims}`);
  for (const key of ['grantId', 'jobId'] as const) {
    const expected = options.expect?.[key];
    if (expected !== undefined && claims[key] !== expected) return fail(`the certificate is for ${key} ${claims[key]}, not ${expected}`);
  }
  const value: VerifiedRemovalCertificate = { ...claims, kid: signed.value.kid };
  if (!whole) return { ok: true, value };
  const entries = checkPages((certificate as Record<string, unknown>)['pages'], value, claims.digest);
  if (typeof entries === 'string') return fail(entries);
  return { ok: true, value: { ...value, entries } };
}

type Claims = Omit<VerifiedRemovalCertificate, 'kid' | 'entries'> & { digest: string };

function shape(c: unknown): Claims | string {
  if (!isObject(c)) return 'is not an object';
  if (c['iss'] !== 'twinguard' || c['kind'] !== 'removal-certificate') return 'is not a twinguard certificate of removal';
  for (const key of ['certificateId', 'jobId', 'cause', 'grantId'] as const) if (!isText(c[key])) return `has no ${key}`;
  if (c['version'] !== undefined && !isCount(c['version'])) return 'has a version that is not a whole number';
  if (!Array.isArray(c['twinIds']) || c['twinIds'].length === 0 || !c['twinIds'].every(isText)) return 'names no twins';
  for (const key of ['jobStartedAt', 'issuedAt'] as const) if (!isTime(c[key])) return `has no ${key} time`;
  if (c['revokedAt'] !== undefined && !isTime(c['revokedAt'])) return 'has a revokedAt that is not a time';
  if (!isCount(c['placements'])) return 'has no count of placements';
  const outcomes = c['outcomes'];
  if (!isObject(outcomes) || !OUTCOMES.every((o) => isCount(outcomes[o]))) return 'has no count of each outcome';
  const sum = OUTCOMES.reduce((s, o) => s + (outcomes[o] as number), 0);
  if (sum !== c['placements']) return `counts ${sum} outcomes for ${c['placements']} placements`;
  const pages = c['pages'];
  if (!isObject(pages) || !isCount(pages['count']) || typeof pages['digest'] !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(pages['digest']))
    return 'has no page count and digest';
  return {
    certificateId: c['certificateId'] as string,
    jobId: c['jobId'] as string,
    cause: c['cause'] as string,
    grantId: c['grantId'] as string,
    ...(c['version'] === undefined ? {} : { version: c['version'] as number }),
    twinIds: c['twinIds'] as string[],
    ...(c['revokedAt'] === undefined ? {} : { revokedAt: c['revokedAt'] as string }),
    jobStartedAt: c['jobStartedAt'] as string,
    issuedAt: c['issuedAt'] as string,
    placements: c['placements'] as number,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, outcomes[o]])) as Record<RemovalOutcome, number>,
    pageCount: pages['count'] as number,
    digest: pages['digest'] as string,
  };
}

/** The pages' entries, or what is wrong with them. */
function checkPages(pages: unknown, signed: VerifiedRemovalCertificate, digest: string): RemovalCertificateEntry[] | string {
  if (!Array.isArray(pages)) return 'the certificate has no list of pages';
  if (pages.length > MAX_CERTIFICATE_PAGES) return `the certificate has more than ${MAX_CERTIFICATE_PAGES} pages`;
  if (pages.length !== signed.pageCount) return `the certificate has ${pages.length} page(s), but ${signed.pageCount} were signed`;
  const hash = createHash('sha256');
  const entries: RemovalCertificateEntry[] = [];
  const counted: Record<string, number> = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  for (const [i, page] of pages.entries()) {
    if (!isObject(page) || page['index'] !== i || !Array.isArray(page['entries']))
      return `page ${i} is not { index: ${i}, entries: [...] }`;
    for (const [j, entry] of page['entries'].entries()) {
      const problem = entryProblem(entry);
      if (problem !== undefined) return `page ${i}, placement ${j}: ${problem}`;
      counted[(entry as RemovalCertificateEntry).outcome]!++;
      entries.push(entry as RemovalCertificateEntry);
    }
    let json: string;
    try {
      // Exactly what was hashed when issued: the page's index and entries, nothing else it may carry.
      json = canonicalJson({ index: page['index'], entries: page['entries'] });
    } catch {
      return `page ${i} is not JSON that can be hashed`;
    }
    hash.update(createHash('sha256').update(json, 'utf8').digest());
  }
  if (hash.digest('base64') !== digest)
    return 'the pages differ from the signed ones (a placement altered, added, removed or moved, or pages of another certificate)';
  if (entries.length !== signed.placements) return `the pages list ${entries.length} placements, but ${signed.placements} were signed`;
  for (const o of OUTCOMES)
    if (counted[o] !== signed.outcomes[o]) return `the pages list ${counted[o]} ${o} placement(s), but ${signed.outcomes[o]} were signed`;
  return entries;
}

function entryProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'is not an object';
  for (const key of ['channel', 'placementId', 'assetId', 'takedownId'] as const) if (!isText(e[key])) return `has no ${key}`;
  if (!isTime(e['requestedAt'])) return 'has no requestedAt time';
  if (!OUTCOMES.includes(e['outcome'] as RemovalOutcome)) return `has an unknown outcome ${String(e['outcome'])}`;
  if (!Array.isArray(e['records']) || !e['records'].every(isText)) return 'has no list of log records';
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is string => typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
