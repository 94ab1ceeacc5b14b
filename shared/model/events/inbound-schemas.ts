import { z } from 'zod/mini';

/**
 * Schemas of the inbound `detail` payloads (EVENTS.md). zod/mini keeps each Lambda bundle
 * small; unknown extra fields are stripped, as the contract allows.
 */
const id = z.string().check(z.minLength(1, 'must be a non-empty id'), z.maxLength(256, 'must be at most 256 characters'));
const time = z.iso.datetime({ message: 'must be an ISO-8601 UTC time such as 2026-01-01T00:00:00Z' });
const name = z.string().check(z.minLength(1, 'must be a non-empty string'));
const names = z.array(name);
const nonEmptyNames = z.array(name).check(z.minLength(1, 'must list at least one value'));
const amount = z.number().check(z.nonnegative('must be zero or more'));
/** A bound, so that one request always fits one DynamoDB transaction. */
export const MAX_TWINS_PER_REQUEST = 20;
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
  reason: z.optional(z.string()),
});

export const renderRequested = z.object({
  requestId: id,
  twinIds,
  licensee: id,
  medium: name,
  modifications: z.optional(names),
  campaignId: z.optional(z.string()),
});

export const publicationRequested = z.object({
  publicationId: id,
  assetId: id,
  twinIds,
  licensee: id,
  medium: name,
  modifications: z.optional(names),
  channel: id,
  territories: nonEmptyNames,
  aiDisclosure: z.object({ labelled: z.boolean(), c2paManifestId: z.optional(z.string()) }),
});

export const assetPublished = z.object({
  assetId: id,
  channel: id,
  placementId: id,
  url: z.optional(z.string()),
  publicationId: z.optional(id),
  twinIds,
  licensee: id,
  territories: nonEmptyNames,
  publishedAt: time,
});

const takedownReport = {
  takedownId: id,
  assetId: id,
  channel: id,
  placementId: id,
};

export const takedownCompleted = z.object({ ...takedownReport, completedAt: time });

export const takedownFailed = z.object({ ...takedownReport, error: z.string(), final: z.boolean() });

export type ConsentGranted = z.infer<typeof consentGranted>;
export type ConsentRevoked = z.infer<typeof consentRevoked>;
export type RenderRequested = z.infer<typeof renderRequested>;
export type PublicationRequested = z.infer<typeof publicationRequested>;
export type AssetPublished = z.infer<typeof assetPublished>;
export type TakedownCompleted = z.infer<typeof takedownCompleted>;
export type TakedownFailed = z.infer<typeof takedownFailed>;
