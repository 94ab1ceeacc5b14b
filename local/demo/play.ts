import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { setTimeout as sleep } from 'node:timers/promises';
import { fanoutProgress } from '../../shared/use-cases/queries/revocation-progress.ts';
import type { QueryDeps } from '../../shared/use-cases/queries/query-deps.ts';
import type { Observer } from './observer.ts';
import {
  BRAND,
  CHANNELS,
  COMPENSATION,
  ORDINARY_USE,
  SCOPES,
  type Channel,
  type DenialPlan,
  type Scope,
  type Season,
  type TwinPlan,
} from './season.ts';

type Entry = { source: string; detailType: string; detail: object };

const DAY = 86_400_000;
/** No step of the season should take longer; past it the demo stops and says which step hung. */
const STEP_TIMEOUT_MS = 900_000;
/** Placements sent before waiting for them to be recorded. */
const PLACEMENT_WINDOW = 100;

export interface Stage {
  client: EventBridgeClient;
  observer: Observer;
  deps: QueryDeps;
  /** One line of progress (`done` of `total`), shown as the step goes. */
  progress(step: string, done: number, total: number): void;
}

export const grantIdOf = (twinId: string) => `grant-${twinId}`;

/** Plays the season through the PutEvents endpoint, step by step, each waited for on the tap or in the tables. */
export async function play(season: Season, stage: Stage): Promise<{ revokedAt: string }> {
  const ordinary = season.twins.filter((t) => t.twinId !== season.expiring.twinId);
  await grant(stage, ordinary, 'grants');
  await use(stage, ordinary);
  await deny(stage, season.denials, 'season');

  // The short campaign: its grant ends in seconds, while the narrowing and the revocation run.
  const expiring = season.twins.find((t) => t.twinId === season.expiring.twinId)!;
  const validUntil = new Date(Date.now() + season.expiring.validForSeconds * 1000).toISOString();
  await grant(stage, [expiring], 'short campaign grant', validUntil);
  await use(stage, [expiring]);

  const narrowed = season.twins.find((t) => t.twinId === season.narrowed.twinId)!;
  await send(stage, [consent(narrowed, season.narrowed.scope, 2)]);
  await fanout(stage, narrowed.twinId, lost(narrowed, season.narrowed.scope), 'narrowing');

  const revoked = season.twins.find((t) => t.twinId === season.revoked.twinId)!;
  const revokedAt = new Date().toISOString();
  const reason = 'talent withdrew consent';
  await send(stage, [
    {
      source: 'twinguard.consent',
      detailType: 'Consent Revoked',
      detail: { grantId: grantIdOf(revoked.twinId), twinId: revoked.twinId, revokedAt, reason },
    },
  ]);
  await fanout(stage, revoked.twinId, placementCount(revoked), 'revocation');
  await deny(stage, season.denials, 'revocation');

  await fanout(stage, expiring.twinId, placementCount(expiring), 'expiry');
  await deny(stage, season.denials, 'expiry');
  return { revokedAt };
}

export function placementCount(twin: TwinPlan): number {
  return Object.values(twin.placements).reduce((a, b) => a + b, 0);
}

/** The placements a narrowing takes down: those on channels the new scope no longer allows. */
export function lost(twin: TwinPlan, scope: Scope): number {
  return Object.entries(twin.placements)
    .filter(([c]) => !scope.channels.includes(c as Channel))
    .reduce((a, [, n]) => a + n, 0);
}

function consent(twin: TwinPlan, scope: Scope, version: number, validUntil?: string): Entry {
  const now = Date.now();
  const from = now + (twin.startsInDays ?? -1) * DAY;
  return {
    source: 'twinguard.consent',
    detailType: 'Consent Granted',
    detail: {
      grantId: grantIdOf(twin.twinId),
      version,
      twinId: twin.twinId,
      talentId: twin.talentId,
      licensee: BRAND,
      validFrom: new Date(from).toISOString(),
      validUntil: validUntil ?? new Date(from + 90 * DAY).toISOString(),
      scope,
      aiDisclosureRequired: true,
      compensation: COMPENSATION,
      evidence: { documentId: `contract-${twin.twinId}-v${version}`, signedAt: new Date(now - 7 * DAY).toISOString() },
    },
  };
}

async function grant(stage: Stage, twins: TwinPlan[], step: string, validUntil?: string): Promise<void> {
  await send(
    stage,
    twins.map((t) => consent(t, SCOPES[t.scope], 1, validUntil)),
  );
  // Grants are stored asynchronously and answer no event: ask the tables.
  const stored = new Set<string>();
  await until(stage, step, twins.length, async () => {
    for (const t of twins) {
      if (!stored.has(t.twinId) && (await stage.deps.queries.grantsOfTwin(t.twinId)).length > 0) stored.add(t.twinId);
    }
    return stored.size;
  });
}

/** Renders, then one publication per channel, then its placements, each step waited for. */
async function use(stage: Stage, twins: TwinPlan[]): Promise<void> {
  const renders = twins.flatMap((t) =>
    Array.from({ length: t.renders }, (_, k) => ({
      source: 'twinguard.studio',
      detailType: 'Render Requested',
      detail: {
        requestId: `render-${t.twinId}-${k + 1}`,
        twinIds: [t.twinId],
        licensee: BRAND,
        medium: ORDINARY_USE.medium,
        modifications: ORDINARY_USE.modifications,
      },
    })),
  );
  await sendAndAwaitDecisions(stage, renders, 'renders');
  const channels = twins.flatMap((t) => Object.entries(t.placements).map(([channel, n]) => ({ t, channel, n })));
  const publications = channels.map(({ t, channel }) => publication(t.twinId, channel as Channel));
  await sendAndAwaitDecisions(stage, publications, 'publications');
  const placements = channels.flatMap(({ t, channel, n }) =>
    Array.from({ length: n }, (_, k) => ({
      source: 'twinguard.channel',
      detailType: 'Asset Published',
      detail: {
        assetId: `asset-${t.twinId}-${channel}`,
        channel,
        placementId: `${t.twinId}-${channel}-${k + 1}`,
        publicationId: `pub-${t.twinId}-${channel}`,
        url: `https://${channel}.example/${t.twinId}/${k + 1}`,
        twinIds: [t.twinId],
        licensee: BRAND,
        territories: ORDINARY_USE.territories,
        publishedAt: new Date().toISOString(),
      },
    })),
  );
  const ids = placements.map((p) => p.detail.placementId);
  const recorded = async () => ids.filter((id) => stage.observer.usage.has(id)).length;
  // A window at a time: thousands of events at once would outlast the handlers' 30 s timeout.
  for (let i = 0; i < placements.length; i += PLACEMENT_WINDOW) {
    const window = placements.slice(i, i + PLACEMENT_WINDOW);
    await send(stage, window);
    await until(stage, 'placements', ids.length, recorded, i + window.length);
  }
}

function publication(twinId: string, channel: Channel, overrides: { territories?: string[]; labelled?: boolean } = {}): Entry {
  return {
    source: 'twinguard.publisher',
    detailType: 'Publication Requested',
    detail: {
      publicationId: `pub-${twinId}-${channel}`,
      assetId: `asset-${twinId}-${channel}`,
      twinIds: [twinId],
      licensee: BRAND,
      medium: ORDINARY_USE.medium,
      modifications: ORDINARY_USE.modifications,
      channel,
      territories: overrides.territories ?? ORDINARY_USE.territories,
      aiDisclosure: { labelled: overrides.labelled ?? true },
    },
  };
}

async function deny(stage: Stage, denials: DenialPlan[], after: DenialPlan['after']): Promise<void> {
  const entries = denials
    .filter((d) => d.after === after)
    .map((d): Entry => {
      const ref = `denial-${d.code.toLowerCase()}`;
      if (d.kind === 'publication') {
        const p = publication(d.twinId, d.channel, d);
        return { ...p, detail: { ...p.detail, publicationId: `pub-${ref}`, assetId: `asset-${ref}` } };
      }
      return {
        source: 'twinguard.studio',
        detailType: 'Render Requested',
        detail: {
          requestId: `render-${ref}`,
          twinIds: [d.twinId],
          licensee: d.licensee ?? BRAND,
          medium: d.medium ?? ORDINARY_USE.medium,
          modifications: d.modifications ?? ORDINARY_USE.modifications,
        },
      };
    });
  if (entries.length > 0) await sendAndAwaitDecisions(stage, entries, `denials (${after})`);
}

async function sendAndAwaitDecisions(stage: Stage, entries: Entry[], step: string): Promise<void> {
  const ids = entries.map(
    (e) => (e.detail as { requestId?: string; publicationId?: string }).requestId ?? (e.detail as { publicationId: string }).publicationId,
  );
  await send(stage, entries);
  await until(stage, step, ids.length, async () => ids.filter((id) => stage.observer.decisions.has(id)).length);
}

/** Waits until the grant's fan-out has taken `expected` placements down, every one confirmed. */
async function fanout(stage: Stage, twinId: string, expected: number, step: string): Promise<void> {
  await until(stage, `${step}: takedowns confirmed`, expected, async () => {
    const p = await fanoutProgress(stage.deps, grantIdOf(twinId));
    return p.finished && p.completed === expected ? expected : Math.min(p.completed, expected - 1);
  });
}

/** Polls `done` until it reaches `goal` (default: `total`), showing it as `done`/`total`. */
async function until(stage: Stage, step: string, total: number, done: () => Promise<number>, goal = total): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    stage.observer.poll();
    const started = Date.now();
    const n = await done();
    const took = Date.now() - started;
    stage.progress(step, n, total);
    if (n >= goal) return;
    if (Date.now() > deadline) throw new Error(`the step "${step}" did not finish within ${STEP_TIMEOUT_MS / 1000} s (${n} of ${total})`);
    // A look that reads the store (a fan-out's progress reads every placement of the grant)
    // competes with the work it watches: wait four times as long as it took, so watching
    // takes at most a fifth of the store's time (3,000 placements: a look every few seconds).
    await sleep(Math.max(150, 4 * took));
  }
}

/** PutEvents takes at most 10 entries a call; a few calls in flight keep the runtime busy without flooding it. */
export async function send(stage: Pick<Stage, 'client'>, entries: Entry[]): Promise<void> {
  const batches: Entry[][] = [];
  for (let i = 0; i < entries.length; i += 10) batches.push(entries.slice(i, i + 10));
  const worker = async () => {
    for (let batch = batches.shift(); batch !== undefined; batch = batches.shift()) {
      const out = await stage.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: 'twinguard',
            Source: e.source,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
          })),
        }),
      );
      if (out.FailedEntryCount !== 0) throw new Error(`PutEvents refused entries: ${JSON.stringify(out.Entries).slice(0, 500)}`);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

/** The demo's own connector for the event channels: it confirms every takedown asked of it. */
export function confirmOnTheBus(takedown: {
  takedownId: string;
  channel: string;
  placementId: string;
  assetId: string;
}): Entry | undefined {
  if (CHANNELS[takedown.channel as Channel] !== 'event') return undefined;
  const { takedownId, channel, placementId, assetId } = takedown;
  return {
    source: 'twinguard.channel',
    detailType: 'Takedown Completed',
    detail: { takedownId, assetId, channel, placementId, completedAt: new Date().toISOString() },
  };
}
