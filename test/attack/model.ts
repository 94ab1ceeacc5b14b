/**
 * A small reference model of the contract (EVENTS.md, "Decision rules" and "Precise points"),
 * written from the contract and independent of `shared/model`: the interleaving tests run the
 * real system and this model side by side and compare them at quiescence.
 *
 * It knows nothing of receipts, jobs, pages or outboxes. It knows which grants are in force,
 * what each decision should have been at the moment it was taken, and, for every placement,
 * whether it was covered at each step since it went live. Where the contract leaves the
 * system a choice (which of several covering publications a placement follows), the model
 * keeps every candidate and the checker asks the store which one was taken.
 */

export const WILDCARD = '*';

export interface Scope {
  media: string[];
  channels: string[];
  territories: string[];
  modifications: string[];
}

export interface Compensation {
  currency: string;
  perRender: number;
  perPlacement: number;
}

/** One version of a grant, as the consent authority sent it. */
export interface GrantVersion {
  grantId: string;
  version: number;
  twinId: string;
  talentId: string;
  licensee: string;
  validFrom: string;
  validUntil?: string;
  scope: Scope;
  aiDisclosureRequired: boolean;
  compensation?: Compensation;
}

/** What a request asks for; a publication or placement also has a distribution. */
export interface Use {
  licensee: string;
  medium: string;
  modifications: string[];
  distribution?: { channel: string; territories: string[]; labelled: boolean };
}

export interface Publication {
  publicationId: string;
  assetId: string;
  channel: string;
  twinIds: string[];
  licensee: string;
  medium: string;
  modifications: string[];
  territories: string[];
  labelled: boolean;
  approved: boolean;
}

/** What a render or publication decision must have been: approved, and which grants covered each twin then. */
export interface DecisionExpectation {
  kind: 'render' | 'publication';
  id: string;
  twinIds: string[];
  approved: boolean;
  /** Per twin, every grant version that covered it at the moment of the decision. */
  covering: Map<string, GrantVersion[]>;
  at: number;
}

/** One publication a placement could follow, and its coverage history since the placement went live. */
export interface Candidate {
  coveredAtRecord: boolean;
  /** Per twin, the grant versions that covered it when the placement was recorded. */
  coveringAtRecord: Map<string, GrantVersion[]>;
  coveredNow: boolean;
  /** Uncovered at some step since the placement was recorded. */
  everUncovered: boolean;
}

export interface PlacementState {
  key: string;
  channel: string;
  placementId: string;
  assetId: string;
  twinIds: string[];
  territories: string[];
  publicationId?: string;
  recordedAt: number;
  /** Publications (approved, same asset and channel, named one if named) it may follow, by id. */
  candidates: Map<string, Candidate>;
  coveredAtRecord: boolean;
  /** No approved publication of the asset on the channel existed at all. */
  unapproved: boolean;
  reports: { kind: 'completed' | 'failed'; final: boolean; at: number; takedownId: string }[];
}

export type Applied = { outcome: 'changed' | 'ignored' | 'duplicate'; expectation?: DecisionExpectation; placement?: PlacementState };

/** `covers(g, use, now)`: the decision rule of the contract for one grant version. */
export function covers(grant: GrantVersion, revoked: boolean, use: Use, now: number): boolean {
  if (revoked) return false;
  if (grant.licensee !== use.licensee) return false;
  if (now < Date.parse(grant.validFrom)) return false;
  if (grant.validUntil !== undefined && now >= Date.parse(grant.validUntil)) return false;
  if (!grant.scope.media.includes(use.medium)) return false;
  if (!use.modifications.every((m) => grant.scope.modifications.includes(m))) return false;
  const d = use.distribution;
  if (d === undefined) return true;
  if (!allows(grant.scope.channels, d.channel)) return false;
  if (!d.territories.every((t) => allows(grant.scope.territories, t))) return false;
  return !grant.aiDisclosureRequired || d.labelled;
}

function allows(list: string[], value: string): boolean {
  return list.includes(WILDCARD) || list.includes(value);
}

export class ReferenceModel {
  now: number;
  /** The version in force of each grant id (revoked ones stay, marked in `revoked`). */
  readonly grants = new Map<string, GrantVersion>();
  readonly revoked = new Set<string>();
  readonly publications = new Map<string, Publication>();
  readonly placements = new Map<string, PlacementState>();
  readonly decisions = new Map<string, DecisionExpectation>();
  /** Business ids already decided (renders, publications, placements, revocations). */
  private readonly done = new Set<string>();

  constructor(now: number) {
    this.now = now;
  }

  clone(): ReferenceModel {
    const copy = new ReferenceModel(this.now);
    for (const [k, v] of this.grants) copy.grants.set(k, v);
    for (const k of this.revoked) copy.revoked.add(k);
    for (const [k, v] of this.publications) copy.publications.set(k, v);
    for (const [k, v] of this.placements) {
      copy.placements.set(k, {
        ...v,
        candidates: new Map([...v.candidates].map(([id, c]) => [id, { ...c }])),
        reports: [...v.reports],
      });
    }
    for (const [k, v] of this.decisions) copy.decisions.set(k, v);
    for (const k of this.done) copy.done.add(k);
    return copy;
  }

  /** The grant versions that cover `twinId` for `use` now. */
  coveringOf(twinId: string, use: Use): GrantVersion[] {
    return [...this.grants.values()].filter((g) => g.twinId === twinId && covers(g, this.revoked.has(g.grantId), use, this.now));
  }

  grant(g: GrantVersion): Applied {
    if (this.revoked.has(g.grantId)) return { outcome: 'ignored' };
    const current = this.grants.get(g.grantId);
    if (current !== undefined && current.version >= g.version) return { outcome: 'ignored' };
    this.grants.set(g.grantId, g);
    this.refresh();
    return { outcome: 'changed' };
  }

  revoke(grantId: string): Applied {
    if (!this.first(`revocation#${grantId}`)) return { outcome: 'duplicate' };
    this.revoked.add(grantId);
    this.refresh();
    return { outcome: 'changed' };
  }

  render(r: { requestId: string; twinIds: string[]; licensee: string; medium: string; modifications: string[] }): Applied {
    if (!this.first(`render#${r.requestId}`)) return { outcome: 'duplicate' };
    const expectation = this.decide('render', r.requestId, r.twinIds, {
      licensee: r.licensee,
      medium: r.medium,
      modifications: r.modifications,
    });
    return { outcome: 'changed', expectation };
  }

  publish(p: Omit<Publication, 'approved'>): Applied {
    if (!this.first(`publication#${p.publicationId}`)) return { outcome: 'duplicate' };
    const expectation = this.decide('publication', p.publicationId, p.twinIds, useOf(p, p.territories));
    this.publications.set(p.publicationId, { ...p, approved: expectation.approved });
    return { outcome: 'changed', expectation };
  }

  /** `Asset Published`: the placement goes live now; its candidates are judged now. */
  place(p: {
    channel: string;
    placementId: string;
    assetId: string;
    twinIds: string[];
    territories: string[];
    publicationId?: string;
  }): Applied {
    const key = placementKey(p.channel, p.placementId);
    if (!this.first(`placement#${key}`)) return { outcome: 'duplicate' };
    const approved = [...this.publications.values()].filter(
      (pub) =>
        pub.approved &&
        pub.assetId === p.assetId &&
        pub.channel === p.channel &&
        (p.publicationId === undefined || pub.publicationId === p.publicationId),
    );
    const placement: PlacementState = {
      key,
      channel: p.channel,
      placementId: p.placementId,
      assetId: p.assetId,
      twinIds: [...new Set(p.twinIds)],
      territories: [...new Set(p.territories)],
      ...(p.publicationId !== undefined && { publicationId: p.publicationId }),
      recordedAt: this.now,
      candidates: new Map(),
      coveredAtRecord: false,
      unapproved: approved.length === 0,
      reports: [],
    };
    for (const pub of approved) {
      const covering = this.placementCovering(placement, pub);
      const covered = covering !== undefined;
      placement.candidates.set(pub.publicationId, {
        coveredAtRecord: covered,
        coveringAtRecord: covering ?? new Map(),
        coveredNow: covered,
        everUncovered: !covered,
      });
    }
    placement.coveredAtRecord = [...placement.candidates.values()].some((c) => c.coveredAtRecord);
    this.placements.set(key, placement);
    return { outcome: 'changed', placement };
  }

  report(key: string, report: PlacementState['reports'][number]): void {
    this.placements.get(key)?.reports.push(report);
  }

  advance(ms: number): void {
    this.now += ms;
    this.refresh();
  }

  /**
   * Per twin the covering grants when `placement` follows `pub` now, or undefined when it is
   * not covered: its territories must lie within the publication's, and the consent of every
   * twin (the publication's and the placement's) must cover the publication's use in the
   * placement's territories (EVENTS.md "Placements").
   */
  placementCovering(placement: Pick<PlacementState, 'twinIds' | 'territories'>, pub: Publication): Map<string, GrantVersion[]> | undefined {
    if (!pub.approved) return undefined;
    if (!placement.territories.every((t) => pub.territories.includes(t))) return undefined;
    const use = useOf(pub, placement.territories);
    const covering = new Map<string, GrantVersion[]>();
    for (const twinId of new Set([...pub.twinIds, ...placement.twinIds])) {
      const grants = this.coveringOf(twinId, use);
      if (grants.length === 0) return undefined;
      covering.set(twinId, grants);
    }
    return covering;
  }

  private decide(kind: DecisionExpectation['kind'], id: string, twinIds: string[], use: Use): DecisionExpectation {
    const covering = new Map<string, GrantVersion[]>();
    for (const twinId of new Set(twinIds)) covering.set(twinId, this.coveringOf(twinId, use));
    const approved = [...covering.values()].every((grants) => grants.length > 0);
    const expectation: DecisionExpectation = { kind, id, twinIds: [...new Set(twinIds)], approved, covering, at: this.now };
    this.decisions.set(`${kind}#${id}`, expectation);
    return expectation;
  }

  /** After any change of grants or time: note which placements lost their cover. */
  private refresh(): void {
    for (const placement of this.placements.values()) {
      for (const [publicationId, candidate] of placement.candidates) {
        const covered = this.placementCovering(placement, this.publications.get(publicationId)!) !== undefined;
        candidate.coveredNow = covered;
        if (!covered) candidate.everUncovered = true;
      }
    }
  }

  private first(businessId: string): boolean {
    if (this.done.has(businessId)) return false;
    this.done.add(businessId);
    return true;
  }
}

export function placementKey(channel: string, placementId: string): string {
  return `${channel}/${placementId}`;
}

function useOf(p: Pick<Publication, 'licensee' | 'medium' | 'modifications' | 'channel' | 'labelled'>, territories: string[]): Use {
  return {
    licensee: p.licensee,
    medium: p.medium,
    modifications: p.modifications,
    distribution: { channel: p.channel, territories, labelled: p.labelled },
  };
}

/** The status a placement must have given the takedown reports the model saw. */
export function statusAfterReports(
  reports: PlacementState['reports'],
  takedownId: string,
): 'takedown-requested' | 'taken-down' | 'takedown-failed' {
  const mine = reports.filter((r) => r.takedownId === takedownId);
  if (mine.some((r) => r.kind === 'completed')) return 'taken-down';
  if (mine.some((r) => r.kind === 'failed' && r.final)) return 'takedown-failed';
  return 'takedown-requested';
}
