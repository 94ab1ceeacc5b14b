/**
 * What someone wants to do with a twin. A render has no channel, territories or label;
 * a publication or a placement has all three.
 */
export interface IntendedUse {
  licensee: string;
  medium: string;
  modifications: string[];
  distribution?: {
    channel: string;
    territories: string[];
    aiLabelled: boolean;
  };
}

/** The use a publication asks for, against which its placements are checked again later. */
export function useOfPublication(p: {
  licensee: string;
  medium: string;
  modifications: string[];
  channel: string;
  territories: string[];
  aiLabelled: boolean;
}): IntendedUse {
  return {
    licensee: p.licensee,
    medium: p.medium,
    modifications: p.modifications,
    distribution: { channel: p.channel, territories: p.territories, aiLabelled: p.aiLabelled },
  };
}
