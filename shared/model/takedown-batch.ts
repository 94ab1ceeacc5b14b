/**
 * A fan-out opens takedowns 10 at a time and stores one takedown record per batch (where each
 * takedown id points) instead of one per takedown. A takedown of a batch is named
 * `<batch id>_<index>`, so its record is found from its id alone, as reports, deadlines and
 * operators need. Ids are opaque to everyone else; other takedown ids (`td-<uuid>`) have no
 * underscore. (Not a dot: a webhook signs `<webhook-id>.<timestamp>.<body>`, the id being the
 * takedown id, and a dot in it would only confuse a reader of that format.)
 */
export function batchTakedownId(batchId: string, index: number): string {
  return `${batchId}_${index}`;
}

/** The batch and index a takedown id names, or `undefined` for a takedown recorded on its own. */
export function parseBatchTakedownId(takedownId: string): { batchId: string; index: number } | undefined {
  const match = /^(.+)_(0|[1-9][0-9]?)$/.exec(takedownId);
  return match === null ? undefined : { batchId: match[1]!, index: Number(match[2]) };
}

/** Takedowns in one batch at most: one transaction, one PutEvents call, one deadline item, one `requested` line per twin. */
export const MAX_TAKEDOWNS_PER_BATCH = 10;

/**
 * The record id of a takedown's `requested` fact in the audit trail and the transparency log.
 * A batch is requested in one line per twin listing its takedowns (`takedown:<batch id>#requested`),
 * which saves nine items of a batch's transaction and nine writes to the twin's partition; a
 * takedown committed alone keeps a line of its own.
 */
export function requestedRecordId(takedownId: string): string {
  return `takedown:${parseBatchTakedownId(takedownId)?.batchId ?? takedownId}#requested`;
}
