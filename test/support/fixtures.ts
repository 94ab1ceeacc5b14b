import { uid } from './harness.ts';

/** A fresh set of ids per test, so tests share one DynamoDB Local without seeing each other. */
export function ids() {
  const u = uid();
  return {
    twin: `twin-${u}`,
    twin2: `twin2-${u}`,
    grant: `grant-${u}`,
    grant2: `grant2-${u}`,
    talent: `talent-${u}`,
    talent2: `talent2-${u}`,
    u,
  };
}

export function grantDetail(over: Record<string, unknown> = {}) {
  return {
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
    ...over,
  };
}

export function renderDetail(over: Record<string, unknown> = {}) {
  return {
    requestId: `render-${uid()}`,
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    medium: 'image',
    modifications: ['garment', 'background'],
    campaignId: 'ss27',
    ...over,
  };
}

export function publicationDetail(over: Record<string, unknown> = {}) {
  return {
    publicationId: `pub-${uid()}`,
    assetId: `asset-${uid()}`,
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    medium: 'image',
    modifications: ['garment'],
    channel: 'instagram',
    territories: ['SE', 'DE'],
    aiDisclosure: { labelled: true, c2paManifestId: 'urn:c2pa:x' },
    ...over,
  };
}

export function publishedDetail(over: Record<string, unknown> = {}) {
  return {
    assetId: 'asset-123',
    channel: 'instagram',
    placementId: `ig-${uid()}`,
    url: 'https://example.invalid/p/17895',
    twinIds: ['twin-mathilda'],
    licensee: 'brand-hm',
    territories: ['SE', 'DE'],
    publishedAt: '2026-03-01T09:00:00Z',
    ...over,
  };
}
