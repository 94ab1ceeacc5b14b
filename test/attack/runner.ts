/**
 * Runs a script of steps (commands.ts) against the real system on DynamoDB Local and, side
 * by side, against the reference model (model.ts); drives the fan-out, the sweeps and the
 * bus's redeliveries to quiescence; then compares. Any difference is thrown as one error
 * listing every problem found, so fast-check can shrink the script.
 */
import type { EventEnvelope, OutboundEvent } from '../../shared/model/events/envelope.ts';
import { REASON_CODES } from '../../shared/model/consent/reason-codes.ts';
import { handleInbound } from '../../shared/use-cases/handle-inbound.ts';
import { reevaluatePlacements } from '../../shared/use-cases/reevaluate-placements.ts';
import type { ReevaluationRequest } from '../../shared/use-cases/reevaluation-requested.ts';
import { sweepDue } from '../../shared/use-cases/sweep-due.ts';
import { envelope, uid, usageOf } from '../support/harness.ts';
import {
  ASSETS,
  CHANNEL_SCOPES,
  CHANNELS,
  type Delivery,
  GRANT_TWIN,
  LICENSEES,
  MEDIA,
  MODIFICATION_SCOPES,
  REQUEST_MODIFICATIONS,
  type RoundItem,
  type Shape,
  START,
  type Step,
  TERRITORY_SCOPES,
  TERRITORY_SETS,
  VALID_FROM,
  VALID_UNTIL,
} from './commands.ts';
import {
  type Applied,
  type Candidate,
  type DecisionExpectation,
  type GrantVersion,
  type PlacementState,
  placementKey,
  ReferenceModel,
  statusAfterReports,
} from './model.ts';
import { attackWorld, type SchedulerGate } from './world.ts';

const MEDIUMS = ['image', 'image', 'video'] as const;
/** Rounds of redelivery at quiescence before an event that keeps failing counts as lost. */
const MAX_QUIESCENCE_ROUNDS = 10;
const INJECTED = 'bus unavailable';
const FAR_FUTURE = new Date('2100-01-01T00:00:00Z');

/** What a whole property run did, for the figures in docs/SECURITY.md. */
export interface Figures {
  sequences: number;
  steps: number;
  deliveries: number;
  duplicates: number;
  crashes: number;
  rounds: number;
  concurrent: number;
  retried: number;
  transientErrors: number;
  approvals: number;
  denials: number;
  placements: number;
  /** Placements covered when they went live. */
  covered: number;
  takedowns: number;
  reevaluations: number;
  /** DynamoDB calls by command. */
  calls: Map<string, number>;
}

export function newFigures(): Figures {
  return {
    sequences: 0,
    steps: 0,
    deliveries: 0,
    duplicates: 0,
    crashes: 0,
    rounds: 0,
    concurrent: 0,
    retried: 0,
    transientErrors: 0,
    approvals: 0,
    denials: 0,
    placements: 0,
    covered: 0,
    takedowns: 0,
    reevaluations: 0,
    calls: new Map(),
  };
}

/** One inbound fact; redeliveries and copies share it, and the model applies it once. */
interface Origin {
  label: string;
  /** A placement's channel and id, for `Asset Published`. */
  placement?: [string, string];
  apply: (model: ReferenceModel) => Applied;
  applied: boolean;
}

interface Delivered {
  origin: Origin;
  envelope: EventEnvelope;
}

/** What the checks read of an emitted event: its detail as plain JSON, not the typed union. */
type Emitted = { detailType: OutboundEvent['detailType']; detail: Record<string, unknown> };
type Events = readonly Emitted[];

export class Sequence {
  readonly u = uid();
  model = new ReferenceModel(Date.parse(START));
  private readonly world;
  private readonly delivered: Delivered[] = [];
  private readonly pending: Delivered[] = [];
  private readonly lastErrors = new Map<Origin, unknown>();
  private readonly requests: ReevaluationRequest[] = [];
  private requestsSeen = 0;
  private seq = 0;
  /** In a round, only deliveries from before it may be delivered again (copies are the round's own business). */
  private redeliverable: number | undefined;
  private readonly publications: { publicationId: string; asset: number; channel: string }[] = [];

  constructor(
    private readonly shape: Shape,
    private readonly figures: Figures,
    private readonly gate?: SchedulerGate,
  ) {
    this.world = attackWorld(START, gate, figures.calls);
  }

  get events(): Events {
    return this.world.publisher.events;
  }

  async run(steps: readonly Step[]): Promise<void> {
    this.figures.sequences++;
    for (const step of steps) {
      this.figures.steps++;
      await this.step(step);
    }
    await this.quiesce();
    this.figures.takedowns += this.takedownsSeen().length;
    const problems = await this.verify();
    if (problems.length > 0) {
      throw new Error(`sequence ${this.u}: ${problems.length} problem(s) at quiescence:\n- ${problems.join('\n- ')}`);
    }
  }

  private async step(step: Step): Promise<void> {
    switch (step.t) {
      case 'deliver': {
        const delivered = this.resolve(step.d);
        if (delivered !== undefined) await this.deliverAlone(delivered, step.crash);
        return;
      }
      case 'pump':
        return this.pump(step.max, step.crash);
      case 'sweep':
        return void (await this.sweep(step.crash));
      case 'advance':
        this.advance(step.minutes * 60_000);
        return;
      case 'round':
        return this.round(step.items);
    }
  }

  // ---- deliveries -------------------------------------------------------------------------

  private id(kind: string): string {
    return `${kind}-${this.u}-${++this.seq}`;
  }
  private twin(n: number): string {
    return `twin-${this.u}-${n}`;
  }
  private talent(n: number): string {
    return `talent-${this.u}-${n}`;
  }
  private grantId(g: number): string {
    return `grant-${this.u}-${g}`;
  }
  private asset(n: number): string {
    return `asset-${this.u}-${n}`;
  }

  /** The envelope a delivery command stands for, and what it does to the model; undefined when it names nothing yet. */
  private resolve(d: Delivery): Delivered | undefined {
    switch (d.t) {
      case 'grant': {
        const twin = GRANT_TWIN[d.g]!;
        const grant: GrantVersion = {
          grantId: this.grantId(d.g),
          version: d.version,
          twinId: this.twin(twin),
          talentId: this.talent(twin),
          licensee: LICENSEES[d.licensee]!,
          validFrom: VALID_FROM[d.validFrom]!,
          ...(VALID_UNTIL[d.validUntil] !== undefined && { validUntil: VALID_UNTIL[d.validUntil] }),
          scope: {
            media: [...MEDIA[d.media]!],
            channels: [...CHANNEL_SCOPES[d.channels]!],
            territories: [...TERRITORY_SCOPES[d.territories]!],
            modifications: [...MODIFICATION_SCOPES[d.modifications]!],
          },
          aiDisclosureRequired: d.ai,
          ...(d.paid && { compensation: { currency: 'EUR', perRender: 50 + d.version, perPlacement: 200 + d.version } }),
        };
        const detail = { ...grant, evidence: { documentId: `contract-${this.u}-${d.g}`, signedAt: '2025-12-01T10:00:00Z' } };
        return this.fresh('Consent Granted', detail, `grant ${grant.grantId} v${d.version}`, (m) => m.grant(grant));
      }
      case 'revoke': {
        const grantId = this.grantId(d.g);
        const detail = { grantId, twinId: this.twin(GRANT_TWIN[d.g]!), revokedAt: this.iso(), reason: 'talent withdrew consent' };
        return this.fresh('Consent Revoked', detail, `revoke ${grantId}`, (m) => m.revoke(grantId));
      }
      case 'render': {
        const twinIds = d.twins === 2 ? [this.twin(0), this.twin(1)] : [this.twin(d.twins)];
        const detail = {
          requestId: this.id('render'),
          twinIds,
          licensee: LICENSEES[d.licensee]!,
          medium: MEDIUMS[d.medium]!,
          modifications: [...REQUEST_MODIFICATIONS[d.modifications]!],
        };
        return this.fresh('Render Requested', detail, `render ${detail.requestId}`, (m) => m.render(detail));
      }
      case 'publish': {
        const asset = ASSETS[d.asset]!;
        const publication = {
          publicationId: this.id('pub'),
          assetId: this.asset(d.asset),
          channel: CHANNELS[d.channel]!,
          twinIds: asset.twins.map((t) => this.twin(t)),
          licensee: LICENSEES[0],
          medium: MEDIUMS[d.medium]!,
          modifications: [...REQUEST_MODIFICATIONS[d.modifications]!],
          territories: this.shape.strayTerritories ? [...TERRITORY_SETS[d.territories]!] : [...asset.territories],
          labelled: d.labelled,
        };
        this.publications.push({ publicationId: publication.publicationId, asset: d.asset, channel: publication.channel });
        const { labelled, ...rest } = publication;
        const detail = { ...rest, aiDisclosure: { labelled, c2paManifestId: 'urn:c2pa:attack' } };
        return this.fresh('Publication Requested', detail, `publish ${publication.publicationId}`, (m) => m.publish(publication));
      }
      case 'place': {
        // Approved publications first (as the model decided them, which the checks hold the system to).
        const approved = this.publications.filter((p) => this.model.publications.get(p.publicationId)?.approved);
        const choices = approved.length > 0 ? approved : this.publications;
        const followed = d.of === null || choices.length === 0 ? undefined : choices[d.of % choices.length]!;
        const assetIndex = followed?.asset ?? d.asset;
        const asset = ASSETS[assetIndex]!;
        const placement = {
          assetId: this.asset(assetIndex),
          channel: followed?.channel ?? CHANNELS[d.channel]!,
          placementId: this.id('pl'),
          ...(followed !== undefined && d.name && { publicationId: followed.publicationId }),
          twinIds: asset.twins.map((t) => this.twin(t)),
          territories: this.shape.strayTerritories ? [...TERRITORY_SETS[d.territories]!] : [...asset.territories],
        };
        const detail = {
          ...placement,
          url: `https://example.invalid/${placement.placementId}`,
          licensee: LICENSEES[0],
          publishedAt: this.iso(),
        };
        const delivered = this.fresh('Asset Published', detail, `place ${placement.channel}/${placement.placementId}`, (m) =>
          m.place(placement),
        );
        delivered.origin.placement = [placement.channel, placement.placementId];
        return delivered;
      }
      case 'report': {
        const takedowns = this.takedownsSeen();
        if (takedowns.length === 0) return undefined;
        const t = takedowns[d.pick % takedowns.length]!;
        const base = { takedownId: t.takedownId, assetId: t.assetId, channel: t.channel, placementId: t.placementId };
        const key = placementKey(t.channel, t.placementId);
        const kind = d.completed ? ('completed' as const) : ('failed' as const);
        const detail = d.completed ? { ...base, completedAt: this.iso() } : { ...base, error: 'rate limited', final: d.final };
        return this.fresh(d.completed ? 'Takedown Completed' : 'Takedown Failed', detail, `${kind} ${t.takedownId}`, (m) => {
          m.report(key, { kind, final: !d.completed && d.final, at: m.now, takedownId: t.takedownId });
          return { outcome: 'changed' };
        });
      }
      case 'redeliver': {
        const count = this.redeliverable ?? this.delivered.length;
        if (count === 0) return undefined;
        const earlier = this.delivered[d.pick % count]!;
        this.figures.duplicates++;
        const again = d.sameId ? earlier.envelope : { ...earlier.envelope, id: this.id('evt') };
        return this.record({ origin: earlier.origin, envelope: again });
      }
    }
  }

  private fresh(detailType: string, detail: object, label: string, apply: Origin['apply']): Delivered {
    return this.record({ origin: { label, apply, applied: false }, envelope: envelope(detailType, detail, { id: this.id('evt') }) });
  }

  private record(delivered: Delivered): Delivered {
    this.delivered.push(delivered);
    return delivered;
  }

  private async handle(delivered: Delivered): Promise<unknown> {
    this.figures.deliveries++;
    try {
      await handleInbound(this.world.deps, delivered.envelope);
      return undefined;
    } catch (error) {
      return error ?? new Error('undefined thrown');
    }
  }

  /**
   * One delivery on its own. A crash makes the bus refuse its first publish: the delivery
   * fails after its commit, so its effect counts from now, and the bus delivers it again later.
   */
  private async deliverAlone(delivered: Delivered, crash: boolean): Promise<void> {
    const { publisher } = this.world;
    if (crash) publisher.failNext = 1;
    const error = await this.handle(delivered).finally(() => {
      publisher.failNext = 0;
    });
    const injected = crash && error instanceof Error && error.message === INJECTED;
    if (injected) this.figures.crashes++;
    if (error === undefined || injected) this.applyOrigin(delivered.origin);
    if (error !== undefined) this.fail(delivered, error, injected);
  }

  private fail(delivered: Delivered, error: unknown, injected: boolean): void {
    if (!injected) this.figures.transientErrors++;
    this.lastErrors.set(delivered.origin, error);
    this.pending.push(delivered);
  }

  private applyOrigin(origin: Origin): void {
    if (origin.applied) return;
    origin.applied = true;
    this.count(origin.apply(this.model));
  }

  private count(applied: Applied): void {
    if (applied.expectation !== undefined) {
      if (applied.expectation.approved) this.figures.approvals++;
      else this.figures.denials++;
    }
    if (applied.placement !== undefined) this.figures.placements++;
    if (applied.placement?.coveredAtRecord) this.figures.covered++;
  }

  // ---- rounds: concurrent deliveries under the scheduler -----------------------------------

  private async round(items: readonly RoundItem[]): Promise<void> {
    if (this.gate === undefined) throw new Error('rounds need a scheduler gate');
    this.figures.rounds++;
    const deliveries: (Delivered | undefined)[] = [];
    const flows: Promise<unknown>[] = [];
    const outcomes: { delivered: Delivered; error: unknown }[] = [];
    this.redeliverable = this.delivered.length;
    for (const item of items) {
      if (item.t === 'deliver') deliveries.push(this.resolve(item.d));
      if (item.t === 'copy') {
        const of = deliveries[item.of];
        if (of !== undefined) {
          this.figures.duplicates++;
          deliveries.push(this.record({ origin: of.origin, envelope: item.sameId ? of.envelope : { ...of.envelope, id: this.id('evt') } }));
        }
      }
    }
    this.redeliverable = undefined;
    for (const delivered of deliveries) {
      if (delivered === undefined) continue;
      this.figures.concurrent++;
      flows.push(this.handle(delivered).then((error) => outcomes.push({ delivered, error })));
    }
    if (items.some((i) => i.t === 'pump')) flows.push(this.pump(3, false));
    if (items.some((i) => i.t === 'sweep')) flows.push(this.sweep(false));
    await this.gate.drive(flows);
    // Which publication each placement of the round follows: the order must explain that too.
    const followed = new Map<string, string | undefined>();
    for (const { delivered } of outcomes) {
      const [channel, placementId] = delivered.origin.placement ?? [];
      if (channel === undefined || placementId === undefined) continue;
      const stored = await this.world.deps.store.getPlacement(channel, placementId);
      followed.set(placementKey(channel, placementId), stored?.publicationId);
    }
    this.linearize(outcomes, followed);
  }

  /**
   * The deliveries of a round took effect in some order: find one under which the model
   * predicts what the system answered (decisions, and whether each placement was paid for),
   * and go on from the model in that order. None means the concurrent run is not
   * equivalent to any sequential one.
   */
  private linearize(outcomes: { delivered: Delivered; error: unknown }[], followed: Map<string, string | undefined>): void {
    const succeeded: Origin[] = [];
    for (const { delivered, error } of outcomes) {
      const origin = delivered.origin;
      if (error === undefined && !origin.applied && !succeeded.includes(origin)) succeeded.push(origin);
    }
    for (const { delivered, error } of outcomes) {
      if (error === undefined) continue;
      const origin = delivered.origin;
      const failedAll = outcomes.filter((o) => o.delivered.origin === origin).every((o) => o.error !== undefined);
      // A copy refused while its twin run held the lease, or failed otherwise: the bus retries it.
      if (failedAll && !this.pending.some((p) => p.origin === origin)) this.fail(delivered, error, false);
      else this.figures.transientErrors++;
    }
    const tried: string[] = [];
    for (const order of permutations(succeeded)) {
      const model = this.model.clone();
      const applied = order.map((origin) => origin.apply(model));
      const problems = applied.flatMap((a) => this.immediateProblems(a, followed));
      if (problems.length === 0) {
        this.model = model;
        for (const origin of order) origin.applied = true;
        for (const a of applied) this.count(a);
        return;
      }
      tried.push(`${order.map((o) => o.label).join(' -> ')}: ${problems.join('; ')}`);
    }
    throw new Error(
      `sequence ${this.u}: no order of the concurrent deliveries explains what the system answered:\n  ${tried.join('\n  ')}`,
    );
  }

  private immediateProblems(applied: Applied, followed: Map<string, string | undefined>): string[] {
    if (applied.expectation !== undefined) return decisionProblems(applied.expectation, this.events, false);
    const p = applied.placement;
    if (p === undefined) return [];
    const bound = p.coveredAtRecord ? p.candidates.get(followed.get(p.key) ?? '') : undefined;
    if (p.coveredAtRecord && !bound?.coveredAtRecord) return [`placement ${p.key} follows ${followed.get(p.key)}, which did not cover it`];
    return placementUsageProblems(p, bound, this.events, false);
  }

  // ---- the fan-out, the sweeper, the clock ---------------------------------------------------

  private collectRequests(): void {
    const all = this.events.filter((e) => e.detailType === 'Reevaluation Requested');
    for (; this.requestsSeen < all.length; this.requestsSeen++) {
      this.requests.push(all[this.requestsSeen]!.detail as unknown as ReevaluationRequest);
    }
  }

  /** Plays the bus for `Reevaluation Requested`: a request that fails is delivered again later. */
  private async pump(max: number, crash: boolean): Promise<void> {
    const { publisher, deps } = this.world;
    for (let i = 0; i < max; i++) {
      this.collectRequests();
      const request = this.requests.shift();
      if (request === undefined) return;
      if (crash && i === 0) publisher.failNext = 1;
      this.figures.reevaluations++;
      try {
        await reevaluatePlacements(deps, request);
      } catch (error) {
        if (crash && i === 0 && error instanceof Error && error.message === INJECTED) this.figures.crashes++;
        else this.figures.transientErrors++;
        this.requests.push(request);
      } finally {
        publisher.failNext = 0;
      }
    }
  }

  /** Sweeps until nothing is due; false when a sweep failed (its items stay due). */
  private async sweep(crash: boolean): Promise<boolean> {
    const { publisher, deps } = this.world;
    if (crash) publisher.failNext = 1;
    try {
      for (let i = 0; i < 50; i++) {
        const { fired, failed } = await sweepDue(deps);
        publisher.failNext = 0;
        // The sweeper sets a failing item aside (due again later) instead of throwing.
        for (const f of failed) {
          if (crash && f.error instanceof Error && f.error.message === INJECTED) this.figures.crashes++;
          else this.figures.transientErrors++;
        }
        if (fired === 0) return true;
      }
      return false;
    } catch (error) {
      if (crash && error instanceof Error && error.message === INJECTED) this.figures.crashes++;
      else this.figures.transientErrors++;
      return false;
    } finally {
      publisher.failNext = 0;
    }
  }

  private advance(ms: number): void {
    this.world.clock.current = new Date(this.world.clock.current.getTime() + ms);
    this.model.advance(ms);
  }

  private iso(): string {
    return this.world.clock.now().toISOString();
  }

  /**
   * What EventBridge and the schedules do when left alone: deliver again what failed, run
   * every re-evaluation, sweep what is due; until nothing moves. An event still failing after
   * MAX_QUIESCENCE_ROUNDS rounds (a minute apart) is lost.
   */
  private async quiesce(): Promise<void> {
    for (let round = 0; ; round++) {
      const retry = this.pending.splice(0);
      for (const delivered of retry) {
        this.figures.retried++;
        const error = await this.handle(delivered);
        if (error === undefined) this.applyOrigin(delivered.origin);
        else this.fail(delivered, error, false);
      }
      for (let pass = 0; pass < 20; pass++) {
        this.collectRequests();
        if (this.requests.length === 0) break;
        await this.pump(this.requests.length, false);
      }
      const swept = await this.sweep(false);
      this.collectRequests();
      // Items whose work failed wait, set aside, until a later time: they are not done yet.
      const setAside = (await this.world.deps.due.due(FAR_FUTURE, 500)).filter((i) => (i.failures ?? 0) > 0);
      const settled = this.pending.length === 0 && this.requests.length === 0 && swept && setAside.length === 0;
      if (settled) return;
      if (round >= MAX_QUIESCENCE_ROUNDS) {
        const lost = [
          ...this.pending.map((p) => `${p.origin.label} (${String(this.lastErrors.get(p.origin))})`),
          ...this.requests.map((r) => `re-evaluation ${r.jobId}`),
          ...setAside.map((i) => `due ${i.kind} ${i.id} (failed ${i.failures} times)`),
        ];
        throw new Error(`sequence ${this.u}: still failing after ${round} rounds of redelivery: ${lost.join(', ') || 'the sweep'}`);
      }
      // Give leases and back-offs time to pass, as the bus's own retries would; and the set-aside items.
      const wait = setAside.length === 0 ? 0 : Math.min(...setAside.map((i) => Date.parse(i.dueAt))) - this.world.clock.current.getTime();
      this.advance(Math.max(60_000, wait));
    }
  }

  private takedownsSeen(): Record<string, any>[] {
    const seen = new Map<string, Record<string, any>>();
    for (const e of this.events) if (e.detailType === 'Takedown Requested') seen.set(e.detail['takedownId'] as string, e.detail);
    return [...seen.values()];
  }

  // ---- the comparison at quiescence ---------------------------------------------------------

  async verify(): Promise<string[]> {
    const problems: string[] = [];
    const events = this.events;
    for (const e of events.filter((x) => x.detailType === 'Event Rejected')) {
      problems.push(`an event was rejected: ${JSON.stringify(e.detail).slice(0, 300)}`);
    }
    // Decisions and what they paid.
    for (const expectation of this.model.decisions.values()) problems.push(...decisionProblems(expectation, events, true));
    const decided = new Set([...this.model.decisions.keys()]);
    for (const e of events) {
      const kind = e.detailType.startsWith('Render ') ? 'render' : e.detailType.startsWith('Publication ') ? 'publication' : undefined;
      if (kind === undefined) continue;
      const id = (kind === 'render' ? e.detail['requestId'] : e.detail['publicationId']) as string;
      if (!decided.has(`${kind}#${id}`)) problems.push(`${e.detailType} for ${id}, which the model never decided`);
    }
    // Placements: covered ones live and paid once, uncovered ones taken down once.
    const { deps } = this.world;
    for (const placement of this.model.placements.values()) {
      problems.push(...(await this.placementProblems(placement)));
    }
    for (const t of this.takedownsSeen()) {
      if (!this.model.placements.has(placementKey(t['channel'], t['placementId']))) {
        problems.push(`Takedown Requested for ${t['channel']}/${t['placementId']}, which never went live`);
      }
    }
    problems.push(...(await this.usageProblems()));
    // Nothing left half done.
    const jobs = new Set(events.filter((e) => e.detailType === 'Reevaluation Requested').map((e) => e.detail['jobId'] as string));
    for (const jobId of jobs) {
      const job = await deps.fanout.getJob(jobId);
      if (job?.status !== 'done') problems.push(`re-evaluation ${jobId} is ${job?.status ?? 'missing'} at quiescence`);
    }
    // A job's certificate of removal is issued at most once, and only for a job that is done, with all its takedowns listed.
    const certificates = events.filter((e) => e.detailType === 'Removal Certificate Issued');
    for (const jobId of new Set(certificates.map((c) => c.detail['jobId'] as string))) {
      const issued = certificates.filter((c) => c.detail['jobId'] === jobId);
      if (issued.length > 1) problems.push(`${issued.length} certificates of removal for job ${jobId}`);
      const opened = this.takedownsSeen().filter((t) => (t['grantIds'] as string[]).includes(jobId.split('#')[1]!)).length;
      if ((issued[0]!.detail['placements'] as number) > opened)
        problems.push(
          `the certificate of job ${jobId} lists ${issued[0]!.detail['placements']} placements, more than the ${opened} takedowns of its grant`,
        );
    }
    const due = await deps.due.due(this.world.clock.now(), 10);
    if (due.length > 0) problems.push(`due work left undone at quiescence: ${due.map((d) => `${d.kind} ${d.id}`).join(', ')}`);
    return problems;
  }

  private async placementProblems(p: PlacementState): Promise<string[]> {
    const problems: string[] = [];
    const name = `placement ${p.key}`;
    const stored = await this.world.deps.store.getPlacement(p.channel, p.placementId);
    if (stored === undefined) return [`${name} went live but is not stored`];
    const takedowns = this.events.filter(
      (e) => e.detailType === 'Takedown Requested' && e.detail['channel'] === p.channel && e.detail['placementId'] === p.placementId,
    );
    const ids = new Set(takedowns.map((t) => t.detail['takedownId'] as string));
    if (takedowns.length > 1) problems.push(`${name}: ${takedowns.length} Takedown Requested (${ids.size} distinct) for one placement`);
    const bound = p.coveredAtRecord ? p.candidates.get(stored.publicationId ?? '') : undefined;
    if (p.coveredAtRecord && (bound === undefined || !bound.coveredAtRecord)) {
      problems.push(`${name}: covered when it went live, but it follows ${stored.publicationId}, which did not cover it`);
    }
    problems.push(...placementUsageProblems(p, bound, this.events, true));
    const mustBeDown = !p.coveredAtRecord || (bound !== undefined && !bound.coveredNow);
    const mustBeLive = p.coveredAtRecord && bound !== undefined && !bound.everUncovered;
    const why = !p.coveredAtRecord
      ? 'it was not covered when it went live'
      : `it follows ${stored.publicationId}, not covered at ${new Date(this.model.now).toISOString()}`;
    if (mustBeDown && takedowns.length === 0) problems.push(`${name} has no takedown, but ${why}`);
    if (mustBeDown && stored.status === 'live') problems.push(`${name} is live, but ${why}`);
    if (mustBeLive && takedowns.length > 0) {
      problems.push(`${name} was taken down (${takedowns[0]!.detail['reason']}), but its consent never lapsed since it went live`);
    }
    if (!p.coveredAtRecord && p.unapproved && takedowns[0] !== undefined && takedowns[0].detail['reason'] !== 'UNAPPROVED_PUBLICATION') {
      problems.push(`${name}: no approved publication, but the takedown's reason is ${takedowns[0].detail['reason']}`);
    }
    const first = takedowns[0]?.detail as Record<string, any> | undefined;
    if (first === undefined) {
      if (stored.status !== 'live' || stored.takedown !== undefined) {
        problems.push(`${name} is ${stored.status} with a takedown that never reached the bus (lost)`);
      }
      return problems;
    }
    if (!(REASON_CODES as readonly string[]).includes(first['reason'])) problems.push(`${name}: takedown reason ${first['reason']}`);
    if (stored.takedown?.takedownId !== first['takedownId']) {
      problems.push(`${name}: the bus carried takedown ${first['takedownId']}, the store holds ${stored.takedown?.takedownId}`);
    }
    const expected = statusAfterReports(p.reports, first['takedownId']);
    if (stored.status !== expected) problems.push(`${name} is ${stored.status}; after the reports it must be ${expected}`);
    const overdue = this.events.filter((e) => e.detailType === 'Takedown Overdue' && e.detail['takedownId'] === first['takedownId']);
    const deadline = Date.parse(first['deadline']);
    const completed = p.reports.filter((r) => r.takedownId === first['takedownId'] && r.kind === 'completed').map((r) => r.at);
    if (overdue.length > 1) problems.push(`${name}: ${overdue.length} Takedown Overdue for one takedown`);
    if (completed.some((at) => at < deadline) && overdue.length > 0)
      problems.push(`${name}: overdue, though completed before its deadline`);
    if (completed.length === 0 && this.model.now >= deadline && overdue.length === 0) {
      problems.push(`${name}: its deadline ${first['deadline']} passed unconfirmed, but no Takedown Overdue`);
    }
    return problems;
  }

  /** Every use paid once, on the bus and in the ledger: one line per kind, refId and twin. */
  private async usageProblems(): Promise<string[]> {
    const problems: string[] = [];
    const onBus = new Map<string, number>();
    for (const e of this.events.filter((x) => x.detailType === 'Usage Recorded')) {
      const key = `${e.detail['kind']}#${e.detail['refId']}#${e.detail['twinId']}`;
      onBus.set(key, (onBus.get(key) ?? 0) + 1);
    }
    const ledger = new Map<string, number>();
    for (const line of [...(await usageOf(this.talent(0))), ...(await usageOf(this.talent(1)))]) {
      const key = `${line['kind']}#${line['refId']}#${line['twinId']}`;
      ledger.set(key, (ledger.get(key) ?? 0) + 1);
    }
    for (const [key, n] of onBus) if (n > 1) problems.push(`Usage Recorded ${n} times for ${key}`);
    for (const [key, n] of ledger) if (n > 1) problems.push(`${n} usage ledger lines for ${key}`);
    for (const key of onBus.keys()) if (!ledger.has(key)) problems.push(`Usage Recorded for ${key} on the bus, not in the ledger`);
    for (const key of ledger.keys()) if (!onBus.has(key)) problems.push(`usage ledger line for ${key} never reached the bus`);
    return problems;
  }
}

/** Is the decision on the bus the one the model took at that moment? `exact`: once, and paid once. */
export function decisionProblems(expectation: DecisionExpectation, events: Events, exact: boolean): string[] {
  const problems: string[] = [];
  const type = expectation.kind === 'render' ? 'Render' : 'Publication';
  const field = expectation.kind === 'render' ? 'requestId' : 'publicationId';
  const name = `${expectation.kind} ${expectation.id}`;
  const decisions = events.filter(
    (e) => (e.detailType === `${type} Approved` || e.detailType === `${type} Denied`) && e.detail[field] === expectation.id,
  );
  if (decisions.length === 0) return [`${name}: no decision on the bus`];
  if (exact && decisions.length > 1) problems.push(`${name}: ${decisions.length} decisions on the bus for one request`);
  const at = new Date(expectation.at).toISOString();
  for (const decision of decisions) {
    const approved = decision.detailType.endsWith('Approved');
    if (approved !== expectation.approved) {
      problems.push(
        `${name}: ${approved ? 'approved' : 'denied'}, but at ${at} the reference says ${expectation.approved ? 'covered' : 'not covered'} (${describeCovering(expectation.covering)})`,
      );
      continue;
    }
    if (!approved) continue;
    const refs = decision.detail['grants'] as { twinId: string; grantId: string; version: number }[];
    for (const twinId of expectation.twinIds) {
      const mine = refs.filter((r) => r.twinId === twinId);
      const covering = expectation.covering.get(twinId) ?? [];
      if (mine.length !== 1 || !covering.some((g) => g.grantId === mine[0]!.grantId && g.version === mine[0]!.version)) {
        problems.push(
          `${name}: approved on ${JSON.stringify(mine)} for ${twinId}; covering then: ${describeCovering(expectation.covering)}`,
        );
      }
    }
  }
  if (expectation.kind === 'render') {
    const usage = events.filter(
      (e) => e.detailType === 'Usage Recorded' && e.detail['kind'] === 'render' && e.detail['refId'] === expectation.id,
    );
    problems.push(...paidProblems(name, expectation.approved ? expectation.covering : undefined, usage, 'perRender', exact));
  }
  return problems;
}

/** A placement covered when it went live is paid once per twin, under a grant that covered it then; an uncovered one is not paid. */
export function placementUsageProblems(p: PlacementState, bound: Candidate | undefined, events: Events, exact: boolean): string[] {
  const usage = events.filter(
    (e) => e.detailType === 'Usage Recorded' && e.detail['kind'] === 'placement' && e.detail['refId'] === p.placementId,
  );
  if (!p.coveredAtRecord) return paidProblems(`placement ${p.key}`, undefined, usage, 'perPlacement', exact);
  // Any candidate's covering grants while the binding is unknown (a round), the bound one's at the end.
  const covering = new Map<string, GrantVersion[]>();
  for (const candidate of bound === undefined ? p.candidates.values() : [bound]) {
    for (const [twinId, grants] of candidate.coveringAtRecord) covering.set(twinId, [...(covering.get(twinId) ?? []), ...grants]);
  }
  return paidProblems(`placement ${p.key}`, covering, usage, 'perPlacement', exact);
}

function paidProblems(
  name: string,
  covering: Map<string, GrantVersion[]> | undefined,
  usage: Emitted[],
  rate: 'perRender' | 'perPlacement',
  exact: boolean,
): string[] {
  if (covering === undefined) return usage.length === 0 ? [] : [`${name}: not covered, but paid ${usage.length} time(s)`];
  const problems: string[] = [];
  for (const [twinId, grants] of covering) {
    const mine = usage.filter((u) => u.detail['twinId'] === twinId);
    if (mine.length === 0 || (exact && mine.length > 1)) problems.push(`${name}: ${mine.length} Usage Recorded for ${twinId}`);
    for (const u of mine) {
      const grant = grants.find((g) => g.grantId === u.detail['grantId']);
      const amount = grant?.compensation?.[rate] ?? 0;
      const currency = grant?.compensation?.currency ?? 'XXX';
      if (
        grant === undefined ||
        u.detail['amount'] !== amount ||
        u.detail['currency'] !== currency ||
        u.detail['talentId'] !== grant.talentId
      ) {
        problems.push(`${name}: paid ${JSON.stringify(u.detail)}; covering then: ${describeCovering(covering)}`);
      }
    }
  }
  const twins = new Set(covering.keys());
  for (const u of usage)
    if (!twins.has(u.detail['twinId'] as string)) problems.push(`${name}: paid for ${u.detail['twinId']}, not its twin`);
  return problems;
}

function describeCovering(covering: Map<string, GrantVersion[]>): string {
  return [...covering]
    .map(([twin, grants]) => `${twin}: ${grants.map((g) => `${g.grantId} v${g.version}`).join(', ') || 'none'}`)
    .join('; ');
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
