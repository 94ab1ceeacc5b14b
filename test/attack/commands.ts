/**
 * The commands of the interleaving tests, as plain data (so that fast-check prints and shrinks
 * them readably), and their arbitraries. Indices stand for the few values each field can take
 * (see the tables below), so a counterexample reads as a short script.
 */
import fc from 'fast-check';

export const MEDIA = [['image', 'video'], ['image'], ['video']] as const;
export const CHANNEL_SCOPES = [['*'], ['instagram', 'web'], ['instagram'], ['web']] as const;
export const TERRITORY_SCOPES = [['*'], ['SE', 'DE'], ['SE'], ['DE'], ['SE', 'DE', 'US']] as const;
export const MODIFICATION_SCOPES = [['garment', 'pose'], ['garment'], []] as const;
/** validFrom: long ago, or 30 minutes after the start. */
export const VALID_FROM = ['2026-01-01T00:00:00Z', '2026-03-01T12:30:00Z'] as const;
/** validUntil: open-ended, or 40 minutes, 3 hours, 2 days after the start. */
export const VALID_UNTIL = [undefined, '2026-03-01T12:40:00Z', '2026-03-01T15:00:00Z', '2026-03-03T12:00:00Z'] as const;
export const LICENSEES = ['brand-a', 'brand-b'] as const;
export const CHANNELS = ['instagram', 'web'] as const;
export const REQUEST_MODIFICATIONS = [[], ['garment'], ['garment', 'pose']] as const;
/** Territories a publication or placement may name in the territory property (C). */
export const TERRITORY_SETS = [['SE'], ['DE'], ['SE', 'DE'], ['US'], ['SE', 'US']] as const;
export const START = '2026-03-01T12:00:00Z';

/** Grant g0 and g1 are twin 1's, g2 is twin 2's. */
export const GRANT_TWIN = [0, 0, 1] as const;
/** Assets: which twins each shows, and the territories its publications and placements name (A and B). */
export const ASSETS = [
  { twins: [0], territories: ['SE'] },
  { twins: [1], territories: ['SE', 'DE'] },
  { twins: [0, 1], territories: ['DE'] },
] as const;

export type Delivery =
  | {
      t: 'grant';
      g: number;
      version: number;
      media: number;
      channels: number;
      territories: number;
      modifications: number;
      validFrom: number;
      validUntil: number;
      licensee: number;
      ai: boolean;
      paid: boolean;
    }
  | { t: 'revoke'; g: number }
  | { t: 'render'; twins: number; medium: number; modifications: number; licensee: number }
  | { t: 'publish'; asset: number; channel: number; medium: number; modifications: number; labelled: boolean; territories: number }
  /** `of`: follow the k-th publication so far (its asset and channel, named when `name`); else `asset` and `channel`. */
  | { t: 'place'; of: number | null; name: boolean; asset: number; channel: number; territories: number }
  /** A report on the k-th takedown seen so far (nothing when none was seen). */
  | { t: 'report'; pick: number; completed: boolean; final: boolean }
  /** The k-th delivery so far again: same event id (the bus redelivers) or a new one (the sender retries). */
  | { t: 'redeliver'; pick: number; sameId: boolean };

export type RoundItem = { t: 'deliver'; d: Delivery } | { t: 'copy'; of: number; sameId: boolean } | { t: 'pump' } | { t: 'sweep' };

export type Step =
  /** `crash`: the bus refuses the first publish of this delivery, after its commit; the bus delivers it again later. */
  | { t: 'deliver'; d: Delivery; crash: boolean }
  /** Delivers up to `max` pending `Reevaluation Requested` (a crash fails its first publish: the request is retried later). */
  | { t: 'pump'; max: number; crash: boolean }
  | { t: 'sweep'; crash: boolean }
  | { t: 'advance'; minutes: number }
  /** Deliveries (and maybe a copy, the fan-out, the sweep) at the same moment, interleaved by fast-check's scheduler. */
  | { t: 'round'; items: RoundItem[] };

export interface Shape {
  /** Placements and publications name territories of their own (property C), not their asset's. */
  strayTerritories: boolean;
  /** Rounds of concurrent deliveries (property B). */
  rounds: boolean;
  /** Rounds may hold copies of their own deliveries (the same event at the same moment). */
  copies?: boolean;
  maxLength: number;
}

const pick = <T>(...weighted: [number, T][]) => fc.oneof(...weighted.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));

/** A grant or an amendment: mostly wide, sometimes narrow, stale or for another licensee. */
export function grantArb(): fc.Arbitrary<Extract<Delivery, { t: 'grant' }>> {
  return fc.record({
    t: fc.constant('grant' as const),
    g: fc.nat(2),
    version: fc.integer({ min: 1, max: 3 }),
    media: pick([4, 0], [1, 1], [1, 2]),
    channels: pick([3, 0], [2, 1], [1, 2], [1, 3]),
    territories: pick([3, 0], [2, 1], [1, 2], [1, 3], [1, 4]),
    modifications: pick([4, 0], [1, 1], [1, 2]),
    validFrom: pick([5, 0], [1, 1]),
    validUntil: pick([3, 0], [1, 1], [1, 2], [1, 3]),
    licensee: pick([6, 0], [1, 1]),
    ai: fc.boolean(),
    paid: pick([3, true], [1, false]),
  });
}

/** A first version that covers most requests: any medium, channel, territory and modification. */
function wideGrantArb(g: number): fc.Arbitrary<Extract<Delivery, { t: 'grant' }>> {
  return fc.record({
    t: fc.constant('grant' as const),
    g: fc.constant(g),
    version: fc.constant(1),
    media: fc.constant(0),
    channels: pick([1, 0], [1, 1]),
    territories: pick([1, 0], [1, 1]),
    modifications: fc.constant(0),
    validFrom: fc.constant(0),
    validUntil: pick([3, 0], [1, 1], [1, 2], [1, 3]),
    licensee: fc.constant(0),
    ai: fc.boolean(),
    paid: pick([3, true], [1, false]),
  });
}

function territoriesArb(shape: Shape): fc.Arbitrary<number> {
  return shape.strayTerritories ? fc.nat(TERRITORY_SETS.length - 1) : fc.constant(0);
}

function publishArb(shape: Shape): fc.Arbitrary<Extract<Delivery, { t: 'publish' }>> {
  return fc.record({
    t: fc.constant('publish' as const),
    asset: pick([3, 0], [1, 1], [2, 2]),
    channel: fc.nat(1),
    medium: pick([4, 1], [1, 2]),
    modifications: pick([3, 1], [1, 0], [1, 2]),
    labelled: pick([4, true], [1, false]),
    territories: territoriesArb(shape),
  });
}

export function deliveryArb(shape: Shape): fc.Arbitrary<Delivery> {
  const grant = grantArb();
  const revoke = fc.record({ t: fc.constant('revoke' as const), g: fc.nat(2) });
  const render = fc.record({
    t: fc.constant('render' as const),
    twins: pick([3, 0], [1, 1], [2, 2]),
    medium: pick([4, 1], [1, 2]),
    modifications: fc.nat(2),
    licensee: pick([6, 0], [1, 1]),
  });
  const territories = territoriesArb(shape);
  const publish = publishArb(shape);
  const place = fc.record({
    t: fc.constant('place' as const),
    of: fc.option(fc.nat(7), { freq: 4, nil: null }),
    name: fc.boolean(),
    asset: fc.nat(ASSETS.length - 1),
    channel: fc.nat(1),
    territories,
  });
  const report = fc.record({ t: fc.constant('report' as const), pick: fc.nat(7), completed: fc.boolean(), final: fc.boolean() });
  const redeliver = fc.record({ t: fc.constant('redeliver' as const), pick: fc.nat(15), sameId: fc.boolean() });
  return fc.oneof(
    { weight: 4, arbitrary: grant },
    { weight: 2, arbitrary: revoke },
    { weight: 2, arbitrary: render },
    { weight: 3, arbitrary: publish },
    { weight: 4, arbitrary: place },
    { weight: 2, arbitrary: report },
    { weight: 2, arbitrary: redeliver },
  );
}

export function stepsArb(shape: Shape): fc.Arbitrary<Step[]> {
  const delivery = deliveryArb(shape);
  const crash = pick([6, false], [1, true]);
  const deliver = fc.record({ t: fc.constant('deliver' as const), d: delivery, crash });
  const pump = fc.record({ t: fc.constant('pump' as const), max: fc.integer({ min: 1, max: 3 }), crash });
  const sweep = fc.record({ t: fc.constant('sweep' as const), crash });
  const advance = fc.record({ t: fc.constant('advance' as const), minutes: fc.constantFrom(15, 45, 90, 240) });
  const steps: { weight: number; arbitrary: fc.Arbitrary<Step> }[] = [
    { weight: 12, arbitrary: deliver },
    { weight: 3, arbitrary: pump },
    { weight: 1, arbitrary: sweep },
    { weight: 1, arbitrary: advance },
  ];
  if (shape.rounds) steps.push({ weight: 5, arbitrary: roundArb(delivery, shape.copies ?? false) });
  // Wide grants first (most of the time), so that most sequences have consent to approve and then lose.
  // and a publication, so that most have placements to pull.
  const opening = fc.tuple(
    fc.option(wideGrantArb(0), { freq: 9, nil: null }),
    fc.option(wideGrantArb(2), { freq: 3, nil: null }),
    fc.option(wideGrantArb(1), { freq: 1, nil: null }),
    fc.option(publishArb(shape), { freq: 3, nil: null }),
  );
  return fc
    .tuple(opening, fc.array(fc.oneof(...steps), { minLength: 1, maxLength: shape.maxLength }))
    .map(([first, rest]) => [...first.flatMap((d): Step[] => (d === null ? [] : [{ t: 'deliver', d, crash: false }])), ...rest]);
}

/** 1 to 3 deliveries, maybe a copy of one of them, maybe the fan-out and the sweep, all at once. */
function roundArb(delivery: fc.Arbitrary<Delivery>, withCopies: boolean): fc.Arbitrary<Step> {
  return fc
    .record({
      deliveries: fc.array(delivery, { minLength: 1, maxLength: 3 }),
      copies: fc.array(fc.record({ of: fc.nat(2), sameId: fc.boolean() }), { maxLength: withCopies ? 2 : 0 }),
      pump: fc.boolean(),
      sweep: pick([4, false], [1, true]),
    })
    .map(({ deliveries, copies, pump, sweep }) => {
      const items: RoundItem[] = deliveries.map((d) => ({ t: 'deliver', d }));
      for (const c of copies) items.push({ t: 'copy', of: c.of % deliveries.length, sameId: c.sameId });
      if (pump) items.push({ t: 'pump' });
      if (sweep) items.push({ t: 'sweep' });
      return { t: 'round' as const, items };
    });
}
