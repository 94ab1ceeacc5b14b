import { randomBytes } from 'node:crypto';
import type { InboundDetailType } from '../../shared/model/events/roles.ts';
import { INBOUND_EVENTS } from '../../shared/model/events/contract.ts';
import { detailJsonSchema, type JsonObject } from '../../shared/model/events/json-schema.ts';

/**
 * A sample of each inbound event (docs/events.md), with fresh business ids on every call so
 * that a second send is a new event, not a duplicate. Twin and licensee stay the same across
 * samples, so that `send 'Consent Granted'` then `send 'Render Requested'` is approved.
 */
export function sampleDetail(detailType: InboundDetailType, now = new Date()): Record<string, unknown> {
  const id = randomBytes(4).toString('hex');
  const iso = (ms: number) => new Date(now.getTime() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const day = 86_400_000;
  const placement = { assetId: `asset-${id}`, channel: 'instagram', placementId: `ig-${id}` };
  switch (detailType) {
    case 'Consent Granted':
      return {
        grantId: `grant-${id}`,
        version: 1,
        twinId: 'twin-mathilda',
        talentId: 'talent-42',
        licensee: 'brand-hm',
        validFrom: iso(-day),
        validUntil: iso(365 * day),
        scope: {
          media: ['image', 'video'],
          channels: ['instagram', 'tiktok', 'web', 'ads'],
          territories: ['SE', 'DE', 'US'],
          modifications: ['garment', 'pose', 'background', 'lighting'],
        },
        aiDisclosureRequired: true,
        compensation: { currency: 'EUR', perRender: 50, perPlacement: 200 },
        evidence: { documentId: `contract-${id}`, signedAt: iso(-2 * day) },
      };
    case 'Consent Revoked':
      return { grantId: 'grant-0001', twinId: 'twin-mathilda', revokedAt: iso(0), reason: 'talent withdrew consent' };
    case 'Render Requested':
      return {
        requestId: `render-${id}`,
        twinIds: ['twin-mathilda'],
        licensee: 'brand-hm',
        medium: 'image',
        modifications: ['garment', 'background'],
        campaignId: 'ss27',
      };
    case 'Publication Requested':
      return {
        publicationId: `pub-${id}`,
        assetId: `asset-${id}`,
        twinIds: ['twin-mathilda'],
        licensee: 'brand-hm',
        medium: 'image',
        modifications: ['garment'],
        channel: 'instagram',
        territories: ['SE', 'DE'],
        aiDisclosure: { labelled: true, c2paManifestId: `urn:c2pa:${id}` },
      };
    case 'Asset Published':
      return {
        ...placement,
        url: `https://example.invalid/p/${id}`,
        twinIds: ['twin-mathilda'],
        licensee: 'brand-hm',
        territories: ['SE', 'DE'],
        publishedAt: iso(0),
      };
    case 'Takedown Completed':
      return { takedownId: `td-${id}`, ...placement, completedAt: iso(0) };
    case 'Takedown Failed':
      return { takedownId: `td-${id}`, ...placement, error: 'rate limited', final: false };
  }
}

/** Every field a `--set` may name: top-level ones, and nested ones with dots (`scope.media`). */
export function settableFields(detail: Record<string, unknown>, prefix = ''): string[] {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(detail)) {
    fields.push(prefix + key);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      fields.push(...settableFields(value as Record<string, unknown>, `${prefix}${key}.`));
    }
  }
  return fields;
}

/**
 * Sets `path` (dotted) to `text`, read as JSON when it is JSON (`2`, `true`, `["a","b"]`),
 * else as a string. A field listed as an array takes a comma list too: `twinIds=a,b`.
 */
export function setField(detail: Record<string, unknown>, path: string, text: string): void {
  const keys = path.split('.');
  let target = detail;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = Array.isArray(target[last]) ? text.split(',').filter((s) => s !== '') : text;
  }
  if (Array.isArray(target[last]) && typeof value === 'string') value = [value];
  target[last] = value;
}

/**
 * Every field the contract defines for an inbound event, optional ones included (such as
 * `publicationId` of `Asset Published`, which the sample leaves out), dotted for nested objects.
 */
export function contractFields(detailType: InboundDetailType): string[] {
  const event = INBOUND_EVENTS.find((e) => e.detailType === detailType)!;
  const walk = (schema: JsonObject, prefix: string): string[] =>
    Object.entries((schema.properties ?? {}) as Record<string, JsonObject>).flatMap(([key, field]) => [
      prefix + key,
      ...(field.properties !== undefined ? walk(field, `${prefix}${key}.`) : []),
    ]);
  return walk(detailJsonSchema(event), '');
}
