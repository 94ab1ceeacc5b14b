/** A channel's word on a takedown (its own, or TwinGuard's webhook connector's). */
export type TakedownReport =
  | { kind: 'completed'; takedownId: string; assetId: string; channel: string; placementId: string; completedAt: string }
  | {
      kind: 'failed';
      takedownId: string;
      assetId: string;
      channel: string;
      placementId: string;
      error: string;
      final: boolean;
      attempts?: number;
    };
