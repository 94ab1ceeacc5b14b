import type * as z from 'zod/mini';
import { INBOUND_EXAMPLES, OUTBOUND_EXAMPLES } from './examples.ts';
import * as inbound from './inbound-schemas.ts';
import { OUTBOUND_SCHEMAS, type PublicDetailType } from './outbound-schemas.ts';
import { INBOUND_ROLES, type InboundDetailType, type Role } from './roles.ts';

/**
 * The public event contract (EVENTS.md) as data: every event integrators send or receive,
 * with the zod schema the handlers validate with, the roles involved, and an example.
 * The JSON Schemas, the AsyncAPI document, the schema registry and the typed client are all
 * made from this one list; nothing else describes the events to the outside.
 */
export type Direction = 'inbound' | 'outbound';

export interface ContractEvent {
  readonly detailType: string;
  /** `inbound`: an integrator sends it to TwinGuard; `outbound`: TwinGuard emits it (source `twinguard`). */
  readonly direction: Direction;
  /** The detail-type in kebab case: the stem of its files (`consent-granted`). */
  readonly slug: string;
  /** Inbound: the one role allowed to send it. Outbound: the roles expected to act on it. */
  readonly roles: readonly Role[];
  readonly summary: string;
  readonly description: string;
  readonly schema: z.ZodMiniType;
  readonly example: object;
}

/** The schema each inbound detail-type is validated with (the same objects `handleInbound` uses). */
export const INBOUND_SCHEMAS = {
  'Consent Granted': inbound.consentGranted,
  'Consent Revoked': inbound.consentRevoked,
  'Render Requested': inbound.renderRequested,
  'Publication Requested': inbound.publicationRequested,
  'Asset Published': inbound.assetPublished,
  'Takedown Completed': inbound.takedownCompleted,
  'Takedown Failed': inbound.takedownFailed,
} as const satisfies Record<InboundDetailType, z.ZodMiniType>;

export type InboundDetails = { [K in InboundDetailType]: z.infer<(typeof INBOUND_SCHEMAS)[K]> };
export type InboundInputs = { [K in InboundDetailType]: z.input<(typeof INBOUND_SCHEMAS)[K]> };

/** The role names as EVENTS.md writes them. */
export const ROLE_TITLES: Record<Role, string> = {
  consent: 'consent authority',
  studio: 'studio',
  publisher: 'publisher',
  channel: 'channel',
};

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  consent: "The talent's agency or the brand's legal system that signs grants. The only role that may grant or revoke.",
  studio: "The brand's AI render pipeline (makes images and videos of a twin).",
  publisher: "The brand's publishing pipeline (social scheduler, web shop CMS, ads manager).",
  channel: 'A channel connector that reports what went live and what was taken down.',
};

const INBOUND_TEXT: Record<InboundDetailType, { summary: string; description: string }> = {
  'Consent Granted': {
    summary: 'A signed consent grant, or an amendment of one (a higher version).',
    description:
      'Creates a grant, or amends it when `version` is higher than the stored one; an amendment replaces the whole grant. ' +
      'A version lower than or equal to the stored one is ignored. An amendment that narrows the scope takes down the placements ' +
      'it no longer covers. A revoked `grantId` stays revoked forever. `channels` and `territories` may be `["*"]` (any); ' +
      '`validUntil` may be absent (open-ended) and, when given, must be later than `validFrom`; `evidence` (the signed consent document) is required; without `compensation`, ' +
      'uses are recorded with amount 0.',
  },
  'Consent Revoked': {
    summary: 'A grant is revoked, for good.',
    description:
      'Terminal. May arrive before the grant it revokes (out of order): it still wins. Every live placement that relied on the ' +
      "grant, and is not covered by another of the twin's grants, is taken down (reason `CONSENT_REVOKED`).",
  },
  'Render Requested': {
    summary: 'May the studio render these twins?',
    description: 'Answered by `Render Approved` (and one `Usage Recorded` per twin) or `Render Denied`. `modifications` absent means none.',
  },
  'Publication Requested': {
    summary: 'May the publisher put this asset on this channel in these territories?',
    description:
      'Answered by `Publication Approved` or `Publication Denied`. When a grant requires AI disclosure, `aiDisclosure.labelled` must be true.',
  },
  'Asset Published': {
    summary: 'The asset is now live on the channel.',
    description:
      'TwinGuard records the placement (business id: `channel` + `placementId`) and meters it. If the placement is not covered by ' +
      'consent at the moment it is processed, a `Takedown Requested` follows at once, with reason `UNAPPROVED_PUBLICATION` or the ' +
      'code of what ended the consent.',
  },
  'Takedown Completed': {
    summary: 'An event-channel connector took the placement down.',
    description: 'Sent by a connector that handles takedowns itself (an `event` channel), in answer to `Takedown Requested`.',
  },
  'Takedown Failed': {
    summary: 'An event-channel connector could not take the placement down (yet).',
    description: 'Sent by a connector that handles takedowns itself; `final: true` when it gives up.',
  },
};

const OUTBOUND_TEXT: Record<PublicDetailType, { roles: Role[]; summary: string; description: string }> = {
  'Render Approved': {
    roles: ['studio'],
    summary: 'The render is covered by consent.',
    description:
      '`grants` names the grant (and version) that covers each twin. `credential`, when present, is a consent credential: a ' +
      "compact JWS (ES256) over the decision, signed with the transparency log's key and verifiable with its JWKS alone; it " +
      'can go into a C2PA manifest as the custom assertion `com.twinguard.consent-credential` (docs/proofs.md).',
  },
  'Render Denied': {
    roles: ['studio'],
    summary: 'The render is not covered by consent.',
    description: '`reasons` lists every reason for every twin that is not covered, with a reason code.',
  },
  'Publication Approved': {
    roles: ['publisher'],
    summary: 'The publication is covered by consent.',
    description:
      'The approval is stored: the placement reported later by `Asset Published` is matched to it. `credential`, when present, ' +
      "is the decision's consent credential (a compact JWS, as for `Render Approved`), with channel and territories.",
  },
  'Publication Denied': {
    roles: ['publisher'],
    summary: 'The publication is not covered by consent.',
    description: '`reasons` lists every reason for every twin that is not covered, with a reason code.',
  },
  'Takedown Requested': {
    roles: ['channel'],
    summary: 'A live placement lost its consent: take it down.',
    description:
      '`reason` is one of the reason codes; `twinIds` lists all the twins of the asset, `grantIds` the grants whose loss caused ' +
      'the takedown. One takedown per placement at a time. For a webhook channel TwinGuard POSTs this event; an event channel ' +
      'answers with `Takedown Completed` or `Takedown Failed`.',
  },
  'Takedown Completed': {
    roles: ['publisher', 'consent'],
    summary: "A takedown was confirmed by a webhook channel's partner.",
    description: 'Emitted by TwinGuard for its built-in webhook connector, after a 2xx answer: the same detail a connector sends.',
  },
  'Takedown Failed': {
    roles: ['publisher', 'consent'],
    summary: 'A webhook takedown attempt failed.',
    description:
      'Emitted by TwinGuard for its built-in webhook connector after each failed attempt; `final: true` once retries are exhausted.',
  },
  'Takedown Overdue': {
    roles: ['publisher', 'consent'],
    summary: 'A takedown was not confirmed by its deadline.',
    description: 'The content may still be live without consent: escalate.',
  },
  'Removal Verified': {
    roles: ['publisher', 'consent'],
    summary: "TwinGuard's own look at the placement's URL found it gone (HTTP 404 or 410, or a status the channel's removal rule names).",
    description:
      'After the channel reported the takedown completed, TwinGuard fetched `url` itself (GET, no redirects followed, https to ' +
      'public addresses only) up to `checks` times; `finding` is what the last look found. Sent once per takedown.',
  },
  'Removal Unverified': {
    roles: ['publisher', 'consent'],
    summary: "The channel reported the takedown completed, but the placement's URL never answered 404 or 410.",
    description:
      '`checks` looks over the window all found the URL still answering (or not answering at all); `finding` is the last one, ' +
      'e.g. `HTTP 200`, `HTTP 301`, `error: no answer in time`. The content may still be live: escalate to the channel.',
  },
  'Removal Certificate Issued': {
    roles: ['publisher', 'consent'],
    summary: 'Every takedown a revocation (or a narrowing or an expiry) opened is closed: the signed certificate of removal.',
    description:
      "`certificate` is a compact JWS (ES256, the log key) over the certificate's manifest: the grant, the job, `placements` and " +
      '`outcomes` (verified, unverified, unverifiable: completed without a URL, failed, closed by an operator) and a digest of its ' +
      '`pages`, which list each placement; get them with `twinguard certificate --grant <grantId> --json` and check the whole with ' +
      '`verifyRemovalCertificate` (docs/proofs.md). Sent once per job.',
  },
  'Usage Recorded': {
    roles: ['consent'],
    summary: 'One paid use of a twin: an approved render, or a new live placement.',
    description:
      'One per twin per paid use (each talent is paid for their own twin). `refId` is the `requestId` of a render or the ' +
      '`placementId` of a placement; `currency` is `XXX` with amount 0 when the grant has no compensation.',
  },
  'Event Rejected': {
    roles: ['consent', 'studio', 'publisher', 'channel'],
    summary: 'An inbound event was malformed, or came from the wrong source.',
    description:
      "`eventId` is the rejected event's id (the EventId PutEvents returned); `errors` names each problem by its path from the " +
      'envelope (`detail.scope.media.0`, `source`). Nothing was changed.',
  },
};

function slugOf(detailType: string): string {
  return detailType.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export const INBOUND_EVENTS: readonly ContractEvent[] = (Object.keys(INBOUND_SCHEMAS) as InboundDetailType[]).map((detailType) => ({
  detailType,
  direction: 'inbound',
  slug: slugOf(detailType),
  roles: [INBOUND_ROLES[detailType]],
  ...INBOUND_TEXT[detailType],
  schema: INBOUND_SCHEMAS[detailType],
  example: INBOUND_EXAMPLES[detailType],
}));

export const OUTBOUND_EVENTS: readonly ContractEvent[] = (Object.keys(OUTBOUND_SCHEMAS) as PublicDetailType[]).map((detailType) => ({
  detailType,
  direction: 'outbound',
  slug: slugOf(detailType),
  ...OUTBOUND_TEXT[detailType],
  schema: OUTBOUND_SCHEMAS[detailType],
  example: OUTBOUND_EXAMPLES[detailType],
}));

/** Every event of the contract: inbound first, in EVENTS.md's order. */
export const CONTRACT_EVENTS: readonly ContractEvent[] = [...INBOUND_EVENTS, ...OUTBOUND_EVENTS];
