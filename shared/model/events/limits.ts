/**
 * The bounds of every free-text field and list of the contract (docs/events.md, "Limits").
 * Lengths count characters as JavaScript does (UTF-16 code units). They keep every event
 * TwinGuard stores or emits within DynamoDB's item (400 KB) and transaction (4 MB) limits
 * and EventBridge's entry limit (256 KB), whatever a sender puts in: a field over its bound
 * is answered by `Event Rejected`, never by a dead-lettered event.
 */
export const LIMITS = {
  /** Ids (`grantId`, `twinId`, `placementId`, ...): the contract's "at most 256 characters". */
  id: 256,
  /** A name: a medium, channel, territory or modification. */
  name: 64,
  /** Entries of each list of names (scope lists, `modifications`, `territories`). */
  names: 100,
  /** Twins one request, publication or placement event may name. */
  twins: 20,
  /** `url` of `Asset Published`: an absolute http(s) URL. */
  url: 2048,
  /** `error` of `Takedown Failed`. */
  error: 1024,
  /** `reason` of `Consent Revoked`. */
  reason: 1024,
  /** `campaignId` of `Render Requested`, `aiDisclosure.c2paManifestId` of `Publication Requested`. */
  reference: 256,
  /** The envelope's `source`, as EventBridge bounds it. */
  source: 256,
  /** The envelope's `detail-type`, as EventBridge bounds it. */
  detailType: 128,
} as const;

/**
 * The bounds of `Event Rejected` itself: it echoes what it rejects, so it is cut to size.
 * A cut string ends in `…`.
 */
export const REJECTION_LIMITS = {
  /** Errors listed; `omittedErrors` counts the rest. */
  errors: 20,
  /** Characters of each error's `message`. */
  message: 512,
  /** Characters of each error's `path`. */
  path: 256,
  /** Characters of the echoed `source` and `detailType` (EventBridge's own bounds). */
  source: LIMITS.source,
  detailType: LIMITS.detailType,
  /** Characters of the echoed `eventId`. */
  eventId: LIMITS.id,
} as const;

/** A lone surrogate: half of a UTF-16 pair, which no UTF-8 encoder (nor `encodeURIComponent`) accepts. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Whether a string is well-formed Unicode (no lone surrogates). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Cuts `text` to at most `max` characters, ending in `…` when cut, without splitting a
 * surrogate pair; lone surrogates become U+FFFD, so the result is always well-formed.
 */
export function truncate(text: string, max: number): string {
  const clean = text.replace(/\p{Surrogate}/gu, '\uFFFD');
  if (clean.length <= max) return clean;
  let end = Math.max(0, max - 1);
  const last = clean.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${clean.slice(0, end)}…`;
}
