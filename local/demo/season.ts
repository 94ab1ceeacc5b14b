/**
 * The demo's season, as data: one brand, 30 twins, what each is granted and how it is used,
 * and the moments that make the season worth watching (a narrowing, a revocation, an expiry,
 * a denial of each kind). The player (play.ts) sends it; the summary (summary.ts) reports what
 * TwinGuard made of it; test/demo checks the two against this definition.
 */

export type Size = 'small' | 'full';

export const BRAND = 'brand-nordvik';
/** Another brand: its request for one of our twins is denied as if the twin had no grant. */
export const OTHER_BRAND = 'brand-rival';

/** Four channels: two answered on the bus by the demo's connector, two by its webhook partner. */
export const CHANNELS = { instagram: 'event', tiktok: 'event', web: 'webhook', 'partner-shop': 'webhook' } as const;
export type Channel = keyof typeof CHANNELS;

export interface Scope {
  media: string[];
  channels: Channel[];
  territories: string[];
  modifications: string[];
}

export const SCOPES = {
  everywhere: {
    media: ['image', 'video'],
    channels: ['instagram', 'tiktok', 'web', 'partner-shop'],
    territories: ['SE', 'DE', 'US', 'JP'],
    modifications: ['garment', 'pose', 'background'],
  },
  social: { media: ['image'], channels: ['instagram', 'tiktok'], territories: ['SE', 'DE'], modifications: ['garment', 'pose'] },
  shop: { media: ['image', 'video'], channels: ['web', 'partner-shop'], territories: ['SE', 'DE', 'US'], modifications: ['garment'] },
} satisfies Record<string, Scope>;
export type ScopeName = keyof typeof SCOPES;

export const COMPENSATION = { currency: 'EUR', perRender: 40, perPlacement: 150 };

/** Every ordinary render and publication asks for this, which every scope allows. */
export const ORDINARY_USE = { medium: 'image', modifications: ['garment'], territories: ['SE'] };

export interface TwinPlan {
  twinId: string;
  talentId: string;
  scope: ScopeName;
  renders: number;
  /** Placements per channel (each channel: one approved publication, placed this many times). */
  placements: Partial<Record<Channel, number>>;
  /** The grant starts this many days from now (default: it started yesterday). */
  startsInDays?: number;
}

export type DenialPlan =
  | {
      code: string;
      after: 'season' | 'revocation' | 'expiry';
      kind: 'render';
      twinId: string;
      licensee?: string;
      medium?: string;
      modifications?: string[];
    }
  | { code: string; after: 'season'; kind: 'publication'; twinId: string; channel: Channel; territories?: string[]; labelled?: boolean };

export interface Season {
  size: Size;
  twins: TwinPlan[];
  /** Its grant gets a second version without tiktok: its tiktok placements come down. */
  narrowed: { twinId: string; scope: Scope };
  /** Its grant is revoked once everything is live: every one of its placements comes down. */
  revoked: { twinId: string };
  /** Its grant, sent late, ends this many seconds after it is sent. */
  expiring: { twinId: string; validForSeconds: number };
  denials: DenialPlan[];
  /** Whose monthly statement the summary shows. */
  statementTalent: string;
}

function id(n: number): string {
  return String(n).padStart(2, '0');
}

/** The season at a size: `small` (~50 placements for the revoked twin) runs in CI; `full` has 3,000. */
export function season(size: Size): Season {
  const big = size === 'small' ? 50 : 3000;
  const quarter = Math.floor(big / 4);
  const twins: TwinPlan[] = [];
  const order: ScopeName[] = ['everywhere', 'social', 'shop'];
  for (let n = 1; n <= 30; n++) {
    const scope = order[n % 3]!;
    const channels: readonly Channel[] = SCOPES[scope].channels;
    // Small: one placement on one of the scope's channels; full: one or two on each.
    const placements =
      size === 'small' ? { [channels[n % channels.length]!]: 1 } : Object.fromEntries(channels.map((c, i) => [c, 1 + ((n + i) % 2)]));
    twins.push({ twinId: `twin-${id(n)}`, talentId: `talent-${id(n)}`, scope, renders: 1 + (n % (size === 'small' ? 2 : 3)), placements });
  }
  // twin-01: the face of the season, live everywhere, then revoked.
  twins[0] = {
    ...twins[0]!,
    scope: 'everywhere',
    renders: 6,
    placements: { instagram: big - 3 * quarter, tiktok: quarter, web: quarter, 'partner-shop': quarter },
  };
  // twin-02: on social media, then narrowed to instagram.
  twins[1] = { ...twins[1]!, scope: 'social', renders: 3, placements: { instagram: 2, tiktok: 3 } };
  // twin-03: a short shop campaign whose grant expires during the season.
  twins[2] = { ...twins[2]!, scope: 'shop', renders: 1, placements: { web: 2, 'partner-shop': 1 } };
  // twin-30: signed for next month's campaign; not usable yet.
  twins[29] = { ...twins[29]!, renders: 0, placements: {}, startsInDays: 30 };
  return {
    size,
    twins,
    narrowed: { twinId: 'twin-02', scope: { ...SCOPES.social, channels: ['instagram'] } },
    revoked: { twinId: 'twin-01' },
    expiring: { twinId: 'twin-03', validForSeconds: 8 },
    denials: [
      { code: 'NO_CONSENT', after: 'season', kind: 'render', twinId: 'twin-04', licensee: OTHER_BRAND },
      { code: 'MEDIUM_NOT_ALLOWED', after: 'season', kind: 'render', twinId: 'twin-04', medium: 'video' }, // social
      { code: 'MODIFICATION_NOT_ALLOWED', after: 'season', kind: 'render', twinId: 'twin-05', modifications: ['garment', 'pose'] }, // shop
      { code: 'CHANNEL_NOT_ALLOWED', after: 'season', kind: 'publication', twinId: 'twin-07', channel: 'web' }, // social
      { code: 'TERRITORY_NOT_ALLOWED', after: 'season', kind: 'publication', twinId: 'twin-07', channel: 'instagram', territories: ['JP'] },
      { code: 'AI_DISCLOSURE_MISSING', after: 'season', kind: 'publication', twinId: 'twin-06', channel: 'tiktok', labelled: false }, // everywhere
      { code: 'CONSENT_NOT_YET_VALID', after: 'season', kind: 'render', twinId: 'twin-30' },
      { code: 'CONSENT_REVOKED', after: 'revocation', kind: 'render', twinId: 'twin-01' },
      { code: 'CONSENT_EXPIRED', after: 'expiry', kind: 'render', twinId: 'twin-03' },
    ],
    statementTalent: 'talent-02',
  };
}
