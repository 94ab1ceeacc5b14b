import type { QueryDeps } from '../../shared/use-cases/queries/query-deps.ts';
import { fanoutProgress } from '../../shared/use-cases/queries/revocation-progress.ts';
import { statement, type Statement } from '../../shared/use-cases/queries/statement.ts';
import { twinStatus } from '../../shared/use-cases/queries/status.ts';
import type { Observer } from './observer.ts';
import type { Partner } from './partner.ts';
import { grantIdOf } from './play.ts';
import type { Season } from './season.ts';

export interface Summary {
  size: string;
  twins: number;
  decisions: Record<string, number>;
  denialsByReason: Record<string, number>;
  /** Per channel, the takedowns of the narrowed, revoked and expired twins by state. */
  takedowns: Record<string, { requested: number; completed: number; failed: number }>;
  /** Per loss: placements taken down and seconds from its start to the last confirmation. */
  fanouts: { cause: string; twinId: string; takedowns: number; secondsToLastConfirmation: number | null }[];
  webhooks: Partner['received'];
  statement: Pick<Statement, 'talentId' | 'month' | 'totals'> & { lines: number };
}

/** What TwinGuard made of the season: decisions from the tap, takedowns and the statement from the query layer. */
export async function summarize(season: Season, observer: Observer, deps: QueryDeps, partner: Partner, month: string): Promise<Summary> {
  observer.poll();
  const decisions: Record<string, number> = {};
  const denialsByReason: Record<string, number> = {};
  for (const d of observer.decisions.values()) {
    decisions[d.type] = (decisions[d.type] ?? 0) + 1;
    for (const code of d.codes) denialsByReason[code] = (denialsByReason[code] ?? 0) + 1;
  }
  const takedowns: Summary['takedowns'] = {};
  const fanouts: Summary['fanouts'] = [];
  for (const twinId of [season.narrowed.twinId, season.revoked.twinId, season.expiring.twinId]) {
    for (const c of (await twinStatus(deps, twinId)).placements.byChannel) {
      const t = takedowns[c.channel] ?? { requested: 0, completed: 0, failed: 0 };
      takedowns[c.channel] = t;
      t.requested += c.takedownRequested + c.takenDown + c.failed;
      t.completed += c.takenDown;
      t.failed += c.failed;
    }
    const p = await fanoutProgress(deps, grantIdOf(twinId));
    fanouts.push({
      cause: p.cause ?? 'none',
      twinId,
      takedowns: p.takedownsRequested,
      secondsToLastConfirmation: p.elapsedSeconds ?? null,
    });
  }
  const s = await statement(deps, season.statementTalent, month);
  return {
    size: season.size,
    twins: season.twins.length,
    decisions: sorted(decisions),
    denialsByReason: sorted(denialsByReason),
    takedowns: sorted(takedowns),
    fanouts,
    webhooks: partner.received,
    statement: { talentId: s.talentId, month: s.month, totals: s.totals, lines: s.lines.length },
  };
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The summary as a person reads it. */
export function renderSummary(s: Summary): string {
  const rows = (record: Record<string, number>) => Object.entries(record).map(([k, v]) => `  ${k.padEnd(28)} ${String(v).padStart(6)}`);
  const lines = [
    '',
    `Season summary (${s.size}, ${s.twins} twins)`,
    '',
    'Decisions by outcome',
    ...rows(s.decisions),
    'Denials by reason',
    ...rows(s.denialsByReason),
    '',
    'Takedowns by channel    requested  completed  failed',
    ...Object.entries(s.takedowns).map(
      ([c, t]) =>
        `  ${c.padEnd(20)} ${String(t.requested).padStart(10)} ${String(t.completed).padStart(10)} ${String(t.failed).padStart(7)}`,
    ),
    ...s.fanouts.map(
      (f) => `  ${f.cause} of ${f.twinId}: ${f.takedowns} takedowns, last confirmed ${f.secondsToLastConfirmation ?? '?'} s after it began`,
    ),
    `  webhook deliveries verified by the partner: ${Object.entries(s.webhooks)
      .map(([c, r]) => `${c} ${r.verified} (refused ${r.refused})`)
      .join(', ')}`,
    '',
    `Statement of ${s.statement.talentId} for ${s.statement.month}: ${s.statement.lines} lines`,
    ...s.statement.totals.map((t) => `  ${t.renders} renders, ${t.placements} placements: ${t.amount} ${t.currency}`),
  ];
  return `${lines.join('\n')}\n`;
}
