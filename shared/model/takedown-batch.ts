/**
 * A fan-out opens takedowns 10 at a time and stores one takedown record per batch (where each
 * takedown id points) instead of one per takedown. A takedown of a batch is named
 * `<batch id>.<index>`, so its record is found from its id alone, as reports, deadlines and
 * operators need. Ids are opaque to everyone else; other takedown ids (`td-<uuid>`) have no dot.
 */
export function batchTakedownId(batchId: string, index: number): string {
  return `${batchId}.${index}`;
}

/** The batch and index a takedown id names, or `undefined` for a takedown recorded on its own. */
export function parseBatchTakedownId(takedownId: string): { batchId: string; index: number } | undefined {
  const match = /^(.+)\.(\d{1,2})$/.exec(takedownId);
  return match === null ? undefined : { batchId: match[1]!, index: Number(match[2]) };
}
