/** Something that must happen at `dueAt`; see `dueKeys` for where it is kept. */
export interface DueItem {
  dueAt: string;
  kind: DueKind;
  /** Unique per kind: the same work scheduled twice is one item. */
  id: string;
  payload: Record<string, unknown>;
}

export type DueKind = 'grant-expiry' | 'takedown-deadline' | 'webhook-retry';
