import * as z from 'zod/mini';
import { isWellFormed, LIMITS } from './limits.ts';

/**
 * Schemas of the inbound `detail` payloads (EVENTS.md). zod/mini, imported as a namespace (`import * as z`,
 * which lets esbuild drop what is unused; `import { z }` pulls in all of it), keeps each Lambda bundle
 * small; unknown extra fields are stripped, as the contract allows.
 */
const wellFormed = z.refine((text) => typeof text !== 'string' || isWellFormed(text), 'must be valid Unicode (it holds a lone surrogate)');
/** A string of at most `max` characters, well-formed Unicode. */
const text = (max: number) => z.string().check(z.maxLength(max, `must be at most ${max} characters`), wellFormed);
const id = z
  .string()
  .check(z.minLength(1, 'must be a non-empty id'), z.maxLength(LIMITS.id, `must be at most ${LIMITS.id} characters`), wellFormed);
const time = z.iso.datetime({ message: 'must be an ISO-8601 UTC time such as 2026-01-01T00:00:00Z' });
const name = z
  .string()
  .check(z.minLength(1, 'must be a non-empty string'), z.maxLength(LIMITS.name, `must be at most ${LIMITS.name} characters`), wellFormed);
const atMostNames = z.maxLength(LIMITS.names, `must list at most ${LIMITS.names} values`);
const names = z.array(name).check(atMostNames);
const nonEmptyNames = z.array(name).check(z.minLength(1, 'must list at least one value'), atMostNames);
const amount = z.number().check(z.nonnegative('must be zero or more'));
/** `http(s)://` and a host, in either case: no flags, so that JSON Schema validators read it alike. */
const HTTP_URL_SHAPE = /^[Hh][Tt][Tt][Pp][Ss]?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/;
const url = z
  .string()
  .check(z.maxLength(LIMITS.url, `must be at most ${LIMITS.url} characters`), wellFormed)
  // The pattern is what the JSON Schemas can say of a URL; the refinement, the full parse of
  // what passes it (one error per bad URL, not two).
  .check(z.regex(HTTP_URL_SHAPE, 'must be an absolute http or https URL'))
  .check(
    z.refine(
      (value) => typeof value !== 'string' || !HTTP_URL_SHAPE.test(value) || isHttpUrl(value),
      'must be an absolute http or https URL',
    ),
  );
/** A bound, so that one request always fits one DynamoDB transaction. */
export const MAX_TWINS_PER_REQUEST = LIMITS.twins;
const twinIds = z
  .array(id)
  .check(
    z.minLength(1, 'must list at least one twin'),
    z.maxLength(MAX_TWINS_PER_REQUEST, `must list at most ${MAX_TWINS_PER_REQUEST} twins`),
  );

export const consentGranted = z
  .object({
    grantId: id,
    version: z.int().check(z.positive('must be a positive integer')),
    twinId: id,
    talentId: id,
    licensee: id,
    validFrom: time,
    validUntil: z.optional(time),
    scope: z.object({
      media: nonEmptyNames,
      channels: nonEmptyNames,
      territories: nonEmptyNames,
      modifications: names,
    }),
    aiDisclosureRequired: z.boolean(),
    compensation: z.optional(
      z.object({
        currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as EUR')),
        perRender: amount,
        perPlacement: amount,
      }),
    ),
    evidence: z.object({ documentId: id, signedAt: time }),
  })
  .check(
    z.refine((g) => g.validUntil === undefined || Date.parse(g.validUntil) > Date.parse(g.validFrom), {
      message: 'must be later than validFrom',
      path: ['validUntil'],
    }),
  );

export const consentRevoked = z.object({
  grantId: id,
  twinId: id,
  revokedAt: time,
  reason: z.optional(text(LIMITS.reason)),
});

export const renderRequested = z.object({
  requestId: id,
  twinIds,
  licensee: id,
  medium: name,
  modifications: z.optional(names),
  campaignId: z.optional(text(LIMITS.reference)),
});

export const publicationRequested = z.object({
  publicationId: id,
  assetId: id,
  twinIds,
  licensee: id,
  medium: name,
  modifications: z.optional(names),
  channel: name,
  territories: nonEmptyNames,
  aiDisclosure: z.object({ labelled: z.boolean(), c2paManifestId: z.optional(text(LIMITS.reference)) }),
});

export const assetPublished = z.object({
  assetId: id,
  channel: name,
  placementId: id,
  url: z.optional(url),
  publicationId: z.optional(id),
  twinIds,
  licensee: id,
  territories: nonEmptyNames,
  publishedAt: time,
});

const takedownReport = {
  takedownId: id,
  assetId: id,
  channel: name,
  placementId: id,
};

export const takedownCompleted = z.object({ ...takedownReport, completedAt: time });

export const takedownFailed = z.object({ ...takedownReport, error: text(LIMITS.error), final: z.boolean() });

function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

export type ConsentGranted = z.infer<typeof consentGranted>;
export type ConsentRevoked = z.infer<typeof consentRevoked>;
export type RenderRequested = z.infer<typeof renderRequested>;
export type PublicationRequested = z.infer<typeof publicationRequested>;
export type AssetPublished = z.infer<typeof assetPublished>;
export type TakedownCompleted = z.infer<typeof takedownCompleted>;
export type TakedownFailed = z.infer<typeof takedownFailed>;
