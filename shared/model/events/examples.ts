import type * as z from 'zod/mini';
import type * as inbound from './inbound-schemas.ts';
import type { OUTBOUND_SCHEMAS, PublicDetailType } from './outbound-schemas.ts';
import type { InboundDetailType } from './roles.ts';

type InboundInput = {
  'Consent Granted': z.input<typeof inbound.consentGranted>;
  'Consent Revoked': z.input<typeof inbound.consentRevoked>;
  'Render Requested': z.input<typeof inbound.renderRequested>;
  'Publication Requested': z.input<typeof inbound.publicationRequested>;
  'Asset Published': z.input<typeof inbound.assetPublished>;
  'Takedown Completed': z.input<typeof inbound.takedownCompleted>;
  'Takedown Failed': z.input<typeof inbound.takedownFailed>;
};

/**
 * One example `detail` of every inbound event: those of EVENTS.md, verbatim (a test compares
 * them). They are one story: grant-0001 lets brand-hm use twin-mathilda; the studio renders,
 * the publisher publishes asset-123 on instagram, and the connector reports it live.
 */
export const INBOUND_EXAMPLES = {
  'Consent Granted': {
    grantId: 'grant-0001',
    version: 1,
    twinId: 'twin-mathilda',
    talentId: 'talent-42',
    licensee: 'brand-hm',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2026-12-31T23:59:59Z',
    scope: {
      media: ['image', 'video'],
      channels: ['instagram', 'tiktok', 'web', 'ads'],
      territories: ['SE', 'DE', 'US'],
      modifications: ['garment', 'pose', 'background', 'lighting'],
    },
    aiDisclosureRequired: true,
    compensation: { currency: 'EUR', perRender: 50, perPlacement: 200 },
    evidence: { documentId: 'contract-7', signedAt: '2025-12-01T10:00:00Z' },
  },
  'Consent Revoked': {
    grantId: 'grant-0001',
    twinId: 'twin-mathilda',
    revokedAt: '2026-05-01T12:00:00Z',
    reason: 'talent withdrew consent',
  },
  'Render Requested': {
    requestId: 'render-77',
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    medium: 'image',
    modifications: ['garment', 'background'],
    campaignId: 'ss27',
  },
  'Publication Requested': {
    publicationId: 'pub-9',
    assetId: 'asset-123',
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    medium: 'image',
    modifications: ['garment'],
    channel: 'instagram',
    territories: ['SE', 'DE'],
    aiDisclosure: { labelled: true, c2paManifestId: 'urn:c2pa:...' },
  },
  'Asset Published': {
    assetId: 'asset-123',
    channel: 'instagram',
    placementId: 'ig-17895',
    url: 'https://example.invalid/p/17895',
    publicationId: 'pub-9',
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    territories: ['SE', 'DE'],
    publishedAt: '2026-03-01T09:00:00Z',
  },
  'Takedown Completed': {
    takedownId: 'td-...',
    assetId: 'asset-123',
    channel: 'instagram',
    placementId: 'ig-17895',
    completedAt: '2026-05-01T12:00:03Z',
  },
  'Takedown Failed': {
    takedownId: 'td-...',
    assetId: 'asset-123',
    channel: 'instagram',
    placementId: 'ig-17895',
    error: 'rate limited',
    final: false,
  },
} as const satisfies { [K in InboundDetailType]: InboundInput[K] };

const decisionId = 'dec-5b1f0c9e-8d2a-4f57-9c1e-2a7d3e6b4f10';
const takedownId = 'td-0c6f7a2e-41b9-4d0a-b8e3-9f5d2c7a1e64';
const mathilda = { twinId: 'twin-mathilda', grantId: 'grant-0001', version: 1 };
const placement = { takedownId, assetId: 'asset-123', channel: 'instagram', placementId: 'ig-17895' };

/**
 * One example `detail` of every outbound event, continuing the story of the inbound ones
 * (EVENTS.md lists their fields, not examples): approvals of render-77 and pub-9, the usage
 * they meter, and the takedown that grant-0001's revocation causes.
 */
export const OUTBOUND_EXAMPLES = {
  'Render Approved': {
    requestId: 'render-77',
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    campaignId: 'ss27',
    decisionId,
    grants: [mathilda],
  },
  'Render Denied': {
    requestId: 'render-78',
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    decisionId,
    reasons: [
      {
        twinId: 'twin-mathilda',
        grantId: 'grant-0001',
        code: 'MODIFICATION_NOT_ALLOWED',
        message: 'grant grant-0001 does not allow modifications age',
      },
    ],
  },
  'Publication Approved': {
    publicationId: 'pub-9',
    assetId: 'asset-123',
    channel: 'instagram',
    twinIds: ['twin-mathilda'],
    decisionId,
    grants: [mathilda],
  },
  'Publication Denied': {
    publicationId: 'pub-10',
    assetId: 'asset-124',
    channel: 'instagram',
    twinIds: ['twin-mathilda'],
    decisionId,
    reasons: [
      {
        twinId: 'twin-mathilda',
        grantId: 'grant-0001',
        code: 'AI_DISCLOSURE_MISSING',
        message: 'grant grant-0001 requires the asset to be labelled as AI-generated',
      },
    ],
  },
  'Takedown Requested': {
    ...placement,
    url: 'https://example.invalid/p/17895',
    publicationId: 'pub-9',
    twinIds: ['twin-mathilda'],
    grantIds: ['grant-0001'],
    reason: 'CONSENT_REVOKED',
    requestedAt: '2026-05-01T12:00:00.412Z',
    deadline: '2026-05-01T13:00:00.412Z',
  },
  'Takedown Completed': { ...placement, completedAt: '2026-05-01T12:00:03.108Z' },
  'Takedown Failed': { ...placement, error: 'HTTP 503', final: false, attempts: 1 },
  'Takedown Overdue': { ...placement, deadline: '2026-05-01T13:00:00.412Z' },
  'Removal Verified': {
    ...placement,
    url: 'https://example.invalid/p/17895',
    completedAt: '2026-05-01T12:00:03.108Z',
    checkedAt: '2026-05-01T12:01:00.220Z',
    checks: 1,
    finding: 'HTTP 410',
  },
  'Removal Unverified': {
    ...placement,
    url: 'https://example.invalid/p/17895',
    completedAt: '2026-05-01T12:00:03.108Z',
    checkedAt: '2026-05-01T12:11:00.305Z',
    checks: 3,
    finding: 'HTTP 200',
  },
  'Removal Certificate Issued': {
    certificateId: 'cert-01JB7Z5Q6V',
    jobId: 'revoked#grant-7781',
    cause: 'CONSENT_REVOKED',
    grantId: 'grant-7781',
    version: 2,
    twinIds: ['twin-mathilda'],
    revokedAt: '2026-05-01T12:00:00.000Z',
    jobStartedAt: '2026-05-01T12:00:00.210Z',
    issuedAt: '2026-05-01T12:11:10.000Z',
    placements: 3,
    outcomes: { verified: 1, unverified: 1, unverifiable: 1, failed: 0, closed: 0 },
    pages: 1,
    certificate:
      'eyJhbGciOiJFUzI1NiIsImtpZCI6IjhmM0trIiwidHlwIjoidHdpbmd1YXJkLXJlbW92YWwtY2VydGlmaWNhdGUrandzIn0.eyJpc3MiOiJ0d2luZ3VhcmQifQ.c2lnbmF0dXJl',
  },
  'Usage Recorded': {
    talentId: 'talent-42',
    twinId: 'twin-mathilda',
    grantId: 'grant-0001',
    kind: 'render',
    amount: 50,
    currency: 'EUR',
    refId: 'render-77',
  },
  'Event Rejected': {
    eventId: '6f1c2b7e-3d4a-4e8f-9b0c-1a2d3e4f5a6b',
    source: 'twinguard.studio',
    detailType: 'Render Requested',
    errors: [{ path: 'detail.twinIds', message: 'is required' }],
  },
} as const satisfies { [K in PublicDetailType]: z.input<(typeof OUTBOUND_SCHEMAS)[K]> };
