/**
 * Model-based interleavings (issue 8, "tests that attack"): random scripts of grants,
 * amendments (wider and narrower), revocations (also before their grant), renders,
 * publications, placements, takedown reports, duplicates (same event id, or same business id
 * under a new one) and crashes (the bus refuses a publish after the commit; the bus delivers
 * again later), with the fan-out and the sweeper run at random points, against DynamoDB
 * Local; at quiescence the system is compared with the reference model (model.ts):
 * - no decision other than the one the contract gives at its moment (no approval after a
 *   revocation it should have seen), and one decision per request;
 * - every placement that is not covered at quiescence has a takedown; one that never lost
 *   its cover has none; never two takedowns for one placement, nor a lost one;
 * - every use paid once per twin, on the bus and in the ledger, under a grant that covered it;
 * - every re-evaluation done, nothing due left undone, every failed delivery healed.
 *
 * Default: 200 sequential scripts (A), 100 scripts with concurrent rounds under fast-check's
 * scheduler (B), 50 with copies of one event in the same round (D), 50 where placements name
 * territories of their own (C): about a minute on a quiet machine.
 * TWINGUARD_LONG=1: 10,000 of each; TWINGUARD_RUNS=<n>: n of each. Replay a failure with TWINGUARD_SEED=<seed>
 * TWINGUARD_PATH=<path> (both printed by fast-check). Shrinking stops after
 * TWINGUARD_SHRINK_MS (default 60 s), so a red run stays bounded.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { type Shape, stepsArb } from './commands.ts';
import { type Figures, newFigures, Sequence } from './runner.ts';
import { SchedulerGate } from './world.ts';

const LONG = process.env['TWINGUARD_LONG'] === '1';
const SEED = process.env['TWINGUARD_SEED'];
const PATH = process.env['TWINGUARD_PATH'];
const SHRINK_MS = Number(process.env['TWINGUARD_SHRINK_MS'] ?? 60_000);
const RUNS = process.env['TWINGUARD_RUNS'];
/** Scripts per property: TWINGUARD_RUNS if set, else 10,000 with TWINGUARD_LONG=1, else the default. */
const runs = (short: number) => (RUNS !== undefined ? Number(RUNS) : LONG ? 10_000 : short);
const timeout = (short: number) => (LONG ? 24 * 3600_000 : short);

const report: string[] = [];
afterAll(() => {
  if (report.length > 0) console.info(`interleavings:\n${report.join('\n')}`);
});

async function check(name: string, shape: Shape, numRuns: number, withScheduler: boolean): Promise<void> {
  const figures = newFigures();
  const started = Date.now();
  let failedAt: number | undefined;
  const budget = () => fc.pre(failedAt === undefined || Date.now() - failedAt < SHRINK_MS);
  const run = async (steps: Parameters<Sequence['run']>[0], scheduler?: fc.Scheduler) => {
    budget();
    try {
      await new Sequence(shape, figures, scheduler && new SchedulerGate(scheduler)).run(steps);
    } catch (error) {
      failedAt ??= Date.now();
      throw error;
    }
  };
  const scheduler: fc.Arbitrary<fc.Scheduler | undefined> = withScheduler ? fc.scheduler() : fc.constant(undefined);
  const property = fc.asyncProperty(stepsArb(shape), scheduler, (steps, s) => run(steps, s));
  try {
    await fc.assert(property, {
      numRuns,
      ...(SEED !== undefined && { seed: Number(SEED) }),
      ...(PATH !== undefined && { path: PATH }),
    });
  } finally {
    report.push(`  ${name}: ${summary(figures, Date.now() - started)}`);
  }
}

function summary(f: Figures, ms: number): string {
  return (
    `${f.sequences} sequences (${f.steps} steps, ${f.deliveries} deliveries, ${f.duplicates} duplicates, ` +
    `${f.crashes} crashes, ${f.rounds} concurrent rounds of ${f.concurrent} deliveries, ${f.retried} redeliveries, ` +
    `${f.transientErrors} transient errors; ${f.approvals} approvals, ${f.denials} denials, ${f.placements} placements (${f.covered} covered), ` +
    `${f.takedowns} takedowns, ${f.reevaluations} re-evaluations) in ${(ms / 1000).toFixed(1)} s; DynamoDB calls: ` +
    [...f.calls].map(([k, v]) => `${k.replace(/Command$/, '')} ${v}`).join(', ')
  );
}

describe('interleavings against the reference model (DynamoDB Local)', () => {
  it(
    'A: sequential scripts with duplicates and crashes end as the contract says',
    () => check('A sequential', { strayTerritories: false, rounds: false, maxLength: 14 }, runs(200), false),
    timeout(600_000),
  );

  it(
    'B: concurrent deliveries, fan-out and sweeps, interleaved call by call, are equivalent to some sequential order',
    () => check('B concurrent', { strayTerritories: false, rounds: true, maxLength: 10 }, runs(100), true),
    timeout(600_000),
  );

  it(
    'D: copies of one event delivered at the same moment emit its outcome once',
    () => check('D concurrent copies', { strayTerritories: false, rounds: true, copies: true, maxLength: 8 }, runs(50), true),
    timeout(600_000),
  );

  it(
    'C: a placement is covered only within its publication’s territories, judged on its own territories',
    () => check('C territories', { strayTerritories: true, rounds: false, maxLength: 14 }, runs(50), false),
    timeout(600_000),
  );
});
