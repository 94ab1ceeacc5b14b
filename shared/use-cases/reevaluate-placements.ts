import { unique } from '../model/consent/decide.ts';
import { refOf, type GrantRef } from '../model/consent/grant.ts';
import { judgePlacement } from '../model/consent/placement-coverage.ts';
import type { Deps } from '../ports/deps.ts';
import type { AuditRecord, PlacementRecord, PublicationRecord, ReevaluationJob } from '../model/records.ts';
import type { DueItem } from '../model/due-item.ts';
import { StaleReadError } from '../ports/errors.ts';
import { batchRequestedLines, takedownLines } from './audit-lines.ts';
import { reevaluationRequested, type ReevaluationRequest } from './reevaluation-requested.ts';
import { deadlinesOf, MAX_TAKEDOWNS_PER_DEADLINE, openTakedown, takedownRequested } from './takedown.ts';
import { batchTakedownId, MAX_TAKEDOWNS_PER_BATCH, parseBatchTakedownId } from '../model/takedown-batch.ts';

/** Placements read per page: one Query and one BatchGetItem. */
export const PAGE_SIZE = 100;
/** Takedowns per transaction, and so per PutEvents call and per deadline item. */
const TAKEDOWNS_PER_COMMIT = Math.min(MAX_TAKEDOWNS_PER_BATCH, MAX_TAKEDOWNS_PER_DEADLINE);
/**
 * DynamoDB's limit on operations in one transaction, less two kept free for what a
 * transaction writing audit records may add (a transparency log's pending marker and fence).
 */
const MAX_TRANSACTION_ITEMS = 100 - 2;

export type ReevaluationOutcome = 'done' | 'continued' | 'duplicate';

/** A hook for tests that must crash the job between two steps. */
export type Checkpoint = (step: 'page-committed' | 'page-saved') => Promise<void> | void;

/**
 * Re-evaluates every live placement that relies on a lost grant, in bounded, resumable
 * steps. Primary course, per page of 100 placements:
 * 1. read them and the current grants of their twins (strongly consistent);
 * 2. a placement still covered by the twins' other grants moves onto those grants;
 *    one that is not gets a takedown (reason: what ended the consent), written in one
 *    transaction of 10 with, for the batch, one takedown record, one deadline item and one
 *    audit line per twin listing its takedowns (a batch's takedown ids are `<batch id>_<index>`),
 *    then put on the bus in one PutEvents call of 10; the batches of a page side by side,
 *    then noted as sent on the job (one write per page);
 * 3. save the page cursor in the job record.
 * After `budget` placements it hands over to a fresh invocation through the bus.
 * After a crash the job resumes from its last cursor: placements already taken down by
 * this job are not taken down again, and those not noted as sent are sent. A job whose
 * driver is gone (a crash, its event dead-lettered) is resumed by its watchdog
 * (`job-watchdog.ts`), whose request names the `seq` the job was stalled at.
 */
export async function reevaluatePlacements(
  deps: Deps,
  request: ReevaluationRequest,
  checkpoint: Checkpoint = () => {},
): Promise<ReevaluationOutcome> {
  const job = await startJob(deps, request);
  if (job === undefined || job.status === 'done') return 'duplicate';
  for (let scanned = 0; scanned < deps.settings.reevaluationBudget; ) {
    const page = await deps.fanout.placementsOfGrant(job.grantId, job.cursor, PAGE_SIZE);
    const placements = await deps.fanout.getPlacements(page.refs);
    job.takedowns += await settlePage(deps, job, placements);
    await checkpoint('page-committed');
    job.cursor = page.cursor;
    job.scanned += page.refs.length;
    job.updatedAt = deps.clock.now().toISOString();
    if (page.cursor === undefined) job.status = 'done';
    try {
      await deps.fanout.saveJob(job, false);
    } catch (error) {
      // Another invocation of the same job saved first (a redelivered request): it goes on.
      if (error instanceof StaleReadError) return 'duplicate';
      throw error;
    }
    await checkpoint('page-saved');
    if (job.status === 'done') return 'done';
    scanned += page.refs.length;
  }
  // The hand-over is a plain continuation: a watchdog's `resumeSeq` is stale by now.
  const { resumeSeq: _stale, ...next } = request;
  await deps.publisher.publish([reevaluationRequested(next)]);
  return 'continued';
}

/** The job to run; `undefined` for a watchdog's resume that finds the job moved on since. */
async function startJob(deps: Deps, request: ReevaluationRequest): Promise<ReevaluationJob | undefined> {
  const existing = await deps.fanout.getJob(request.jobId);
  if (existing !== undefined && request.resumeSeq !== undefined && existing.seq !== request.resumeSeq) return undefined;
  if (existing !== undefined) return existing;
  const at = deps.clock.now().toISOString();
  const { jobId, grantId, twinId, cause } = request;
  const job: ReevaluationJob = {
    jobId,
    grantId,
    twinId,
    cause,
    status: 'running',
    scanned: 0,
    takedowns: 0,
    seq: 0,
    startedAt: at,
    updatedAt: at,
  };
  try {
    await deps.fanout.saveJob(job, true);
    return job;
  } catch (error) {
    if (error instanceof StaleReadError) return (await deps.fanout.getJob(request.jobId))!;
    throw error;
  }
}

/**
 * Settles one page; returns how many of its takedowns belong to this job. A page is saved
 * only after it is settled, so takedowns of this job found on it were opened by a run of
 * this same page that crashed before saving: they count, and are sent if they were not.
 */
async function settlePage(deps: Deps, job: ReevaluationJob, placements: PlacementRecord[]): Promise<number> {
  const grants = await deps.store.grantsOfTwins(unique(placements.flatMap((p) => p.twinIds)));
  const publications = await publicationsOf(deps, placements);
  const now = deps.clock.now();
  const takedowns: PlacementRecord[] = [];
  const resend: PlacementRecord[] = [];
  for (const placement of placements) {
    if (placement.status !== 'live') {
      if (placement.takedown?.jobId === job.jobId) resend.push(placement);
      continue;
    }
    if (!placement.reliesOn.some((g) => g.grantId === job.grantId)) continue;
    const publication = placement.publicationId === undefined ? undefined : publications.get(placement.publicationId);
    const verdict = judgePlacement(placement, publication ? [publication] : [], grants, now);
    if (verdict.covered) {
      await moveReliance(deps, placement, verdict.covering.map(refOf));
      continue;
    }
    // The grants it relied on for the twins now uncovered: the losses that caused the takedown.
    const uncovered = new Set(verdict.reasons.map((r) => r.twinId));
    const grantIds = unique([job.grantId, ...placement.reliesOn.filter((g) => uncovered.has(g.twinId)).map((g) => g.grantId)]);
    const opened = openTakedown(deps, placement, job.cause, grantIds, job.jobId);
    takedowns.push({ ...placement, status: 'takedown-requested', takedown: opened.takedown });
  }
  // The chunks of a page are independent: committing and sending them side by side hides
  // the round-trip latency that dominates a large fan-out.
  // All of them settle before a failure propagates: work left running after the invocation
  // ended could resume in a thawed Lambda container and race the retry.
  const results = await Promise.allSettled(chunks(takedowns).map((chunk) => commitAndSend(deps, job, chunk)));
  // One note on the job for the whole page (not one per batch: they all write the same item),
  // made even when a batch failed, so that a resume sends only what was not sent.
  const sent = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.sent : []));
  if (sent.length > 0) await deps.fanout.markSent(job.jobId, sent);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const opened = results.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value.opened : 0), 0);
  await resendUnsent(deps, job, resend);
  return opened + resend.length;
}

/**
 * Commits and sends one batch; `sent`: the takedowns it put on the bus that the caller must
 * note on the job (a batch settled one by one after a race notes its own).
 */
async function commitAndSend(deps: Deps, job: ReevaluationJob, unnamed: PlacementRecord[]): Promise<{ opened: number; sent: string[] }> {
  const chunk = named(deps, unnamed);
  const due: DueItem[] = [deadlinesOf(chunk.map((p) => p.takedown!))];
  try {
    await deps.fanout.commitTakedowns(chunk, due, requestedLines(job, chunk));
  } catch (error) {
    if (!(error instanceof StaleReadError)) throw error;
    if (chunk.length === 1) return { opened: await retryOne(deps, job, chunk[0]!), sent: [] };
    // One placement changed under us (a report, a concurrent job): settle them one by one.
    const settled = { opened: 0, sent: [] as string[] };
    for (const p of chunk) {
      const one = await commitAndSend(deps, job, [p]);
      settled.opened += one.opened;
      settled.sent.push(...one.sent);
    }
    return settled;
  }
  await deps.publisher.publish(chunk.map((p) => takedownRequested(p, p.takedown!)));
  return { opened: chunk.length, sent: chunk.map((p) => p.takedown!.takedownId) };
}

/**
 * The `requested` fact of a batch: one line per twin listing the batch's takedowns of that
 * twin; of a takedown committed alone, its own line per twin, as before batches.
 */
function requestedLines(job: ReevaluationJob, chunk: readonly PlacementRecord[]): AuditRecord[] {
  const first = chunk[0]!.takedown!;
  if (parseBatchTakedownId(first.takedownId) !== undefined) {
    const takedowns = chunk.map((p) => ({
      takedownId: p.takedown!.takedownId,
      channel: p.channel,
      placementId: p.placementId,
      reason: p.takedown!.reason,
      twinIds: p.twinIds,
      grants: p.reliesOn,
    }));
    return batchRequestedLines(takedowns, { at: first.requestedAt, eventId: job.jobId, request: { jobId: job.jobId } });
  }
  return chunk.flatMap((p) => {
    const t = p.takedown!;
    const request = { jobId: job.jobId, channel: p.channel, placementId: p.placementId };
    return takedownLines(
      t.takedownId,
      p.twinIds,
      { step: 'requested', reason: t.reason, grants: p.reliesOn },
      { at: t.requestedAt, eventId: job.jobId, request },
    );
  });
}

/**
 * Names the takedowns of a batch `<batch id>_<index>`, so that one takedown record and one
 * `requested` line per twin serve them all (`takedown-batch.ts`), and gives them the first
 * one's request time and deadline (they were opened milliseconds apart), so that the line's
 * `at` is the request time of each takedown it lists. A takedown committed alone gets an id of its own: also one
 * of a batch whose transaction was cancelled (nothing of it was stored or sent), which is
 * settled one by one, each with a fresh id, so that none overwrites another's batch record.
 */
function named(deps: Deps, chunk: PlacementRecord[]): PlacementRecord[] {
  const rename = (p: PlacementRecord, takedownId: string, from = p.takedown!) => ({
    ...p,
    takedown: { ...p.takedown!, takedownId, requestedAt: from.requestedAt, deadline: from.deadline },
  });
  if (chunk.length === 1) {
    const [p] = chunk as [PlacementRecord];
    return parseBatchTakedownId(p.takedown!.takedownId) === undefined ? chunk : [rename(p, deps.ids.next('td'))];
  }
  const batchId = deps.ids.next('td');
  const first = chunk[0]!.takedown!;
  return chunk.map((p, i) => rename(p, batchTakedownId(batchId, i), first));
}

/** The placement changed since it was read: read it again and settle it afresh. */
async function retryOne(deps: Deps, job: ReevaluationJob, stale: PlacementRecord): Promise<number> {
  const fresh = await deps.fanout.getPlacements([{ channel: stale.channel, placementId: stale.placementId }]);
  return settlePage(deps, job, fresh);
}

async function moveReliance(deps: Deps, placement: PlacementRecord, covering: GrantRef[]): Promise<void> {
  const same =
    covering.length === placement.reliesOn.length &&
    covering.every((g) => placement.reliesOn.some((o) => o.grantId === g.grantId && o.version === g.version));
  if (same) return;
  try {
    await deps.fanout.commitReliance(placement, covering);
  } catch (error) {
    if (!(error instanceof StaleReadError)) throw error;
    const [fresh] = await deps.fanout.getPlacements([{ channel: placement.channel, placementId: placement.placementId }]);
    // A grant it would move to changed too: the job of that change will take care of it.
    if (fresh !== undefined && fresh.revision !== placement.revision) return;
    throw error;
  }
}

/** Read afresh, not from the job in memory: another run of this page may have sent some. */
async function resendUnsent(deps: Deps, job: ReevaluationJob, placements: PlacementRecord[]): Promise<void> {
  if (placements.length === 0) return;
  const sent = new Set((await deps.fanout.getJob(job.jobId))?.sentInPage ?? []);
  const unsent = placements.filter((p) => !sent.has(p.takedown!.takedownId));
  for (let i = 0; i < unsent.length; i += TAKEDOWNS_PER_COMMIT) {
    const batch = unsent.slice(i, i + TAKEDOWNS_PER_COMMIT);
    await deps.publisher.publish(batch.map((p) => takedownRequested(p, p.takedown!)));
    await deps.fanout.markSent(
      job.jobId,
      batch.map((p) => p.takedown!.takedownId),
    );
  }
}

async function publicationsOf(deps: Deps, placements: PlacementRecord[]): Promise<Map<string, PublicationRecord>> {
  const ids = unique(placements.flatMap((p) => (p.publicationId === undefined ? [] : [p.publicationId])));
  const found = await Promise.all(ids.map((id) => deps.store.getPublication(id)));
  return new Map(found.flatMap((p) => (p === undefined ? [] : [[p.publicationId, p] as const])));
}

/**
 * Groups takedowns so that each group fits one transaction and one PutEvents call: per
 * takedown its placement; per group one takedown record, one deadline item and one audit
 * line per twin of its placements (a group of one: one line per twin of its own, as many).
 */
function chunks(placements: PlacementRecord[]): PlacementRecord[][] {
  const groups: PlacementRecord[][] = [];
  let current: PlacementRecord[] = [];
  let twins = new Set<string>();
  for (const p of placements) {
    const added = unique(p.twinIds).filter((t) => !twins.has(t)).length;
    const items = 2 + current.length + 1 + twins.size + added;
    if (current.length === TAKEDOWNS_PER_COMMIT || (current.length > 0 && items > MAX_TRANSACTION_ITEMS)) {
      groups.push(current);
      current = [];
      twins = new Set();
    }
    current.push(p);
    for (const t of p.twinIds) twins.add(t);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
