import type { CheckAnswer } from '../../../shared/use-cases/queries/check.ts';
import type { GrantView } from '../../../shared/use-cases/queries/grant-view.ts';
import { takedownsListed, type TwinHistory } from '../../../shared/use-cases/queries/history.ts';
import type { PlacementTally } from '../../../shared/use-cases/queries/placement-tally.ts';
import type { FanoutProgress } from '../../../shared/use-cases/queries/revocation-progress.ts';
import type { Statement } from '../../../shared/use-cases/queries/statement.ts';
import type { GrantStatus, TwinStatus } from '../../../shared/use-cases/queries/status.ts';
import type { TwinList } from '../../../shared/use-cases/queries/twins.ts';
import { MAX_PLACEMENTS_READ } from '../../../shared/use-cases/queries/query-deps.ts';
import { table } from './table.ts';

const list = (values: readonly string[]) => values.join(',');

export function grantsTable(grants: readonly GrantView[], width: number): string[] {
  if (grants.length === 0) return ['  no grants'];
  return table(
    ['grant', 'v', 'standing', 'licensee', 'valid', 'media', 'channels', 'territories', 'modifications'],
    grants.map((g) => [
      g.grantId,
      String(g.version),
      g.standing,
      g.licensee,
      `${g.validFrom.slice(0, 10)}..${g.validUntil?.slice(0, 10) ?? ''}`,
      list(g.scope.media),
      list(g.scope.channels),
      list(g.scope.territories),
      list(g.scope.modifications),
    ]),
    width,
  );
}

export function placementsText(p: PlacementTally, width: number): string[] {
  const t = p.totals;
  const lines = [
    `placements: ${t.live} live, ${t.takedownRequested} takedown requested, ${t.takenDown} taken down, ${t.failed} failed, ${t.overdue} overdue, ${t.total} in all`,
  ];
  if (p.cut) lines.push(`  (cut: only the first ${MAX_PLACEMENTS_READ} placements were read)`);
  if (p.byChannel.length > 0) {
    lines.push(
      ...table(
        ['channel', 'live', 'requested', 'taken down', 'failed', 'overdue', 'total'],
        p.byChannel.map((c) => [c.channel, ...[c.live, c.takedownRequested, c.takenDown, c.failed, c.overdue, c.total].map(String)]),
        width,
      ),
    );
  }
  if (p.liveByTerritory.length > 0) lines.push(`live by territory: ${p.liveByTerritory.map((t) => `${t.territory} ${t.live}`).join(', ')}`);
  if (p.openTakedowns.length > 0) {
    lines.push('open takedowns (earliest deadline first):');
    lines.push(
      ...table(
        ['takedown', 'channel', 'placement', 'reason', 'deadline', 'state'],
        p.openTakedowns.map((o) => [
          o.takedownId,
          o.channel,
          o.placementId,
          o.reason,
          o.deadline,
          o.overdue ? `${o.status}, OVERDUE` : o.status,
        ]),
        width,
      ),
    );
    if (p.openTakedownsCut) lines.push(`  (only the ${p.openTakedowns.length} earliest are listed)`);
  }
  return lines;
}

export function twinStatusText(s: TwinStatus, width: number): string[] {
  return [`twin ${s.twinId} at ${s.at}`, 'grants:', ...grantsTable(s.grants, width), ...placementsText(s.placements, width)];
}

export function progressText(p: FanoutProgress): string[] {
  if (p.cause === undefined) return ['no revocation, expiry or narrowing of this grant has started re-evaluating its placements'];
  const state = p.finished ? 'finished' : p.scanDone ? 'waiting for the channels' : 'reading placements';
  return [
    `${p.cause} since ${p.startedAt} (${p.elapsedSeconds} s${p.finished ? ' to the last confirmation' : ''}): ${state}`,
    `  ${p.placements} placements, ${p.takedownsRequested} takedowns requested, ${p.completed} completed, ${p.failed} failed, ${p.overdue} overdue, ${p.open} open${p.cut ? ' (cut)' : ''}`,
  ];
}

export function grantStatusText(s: GrantStatus, progress: FanoutProgress, width: number): string[] {
  const lines = [`grant ${s.grantId} at ${s.at}`];
  if (s.grant !== undefined) lines.push(...grantsTable([s.grant], width));
  else if (s.state?.revokedAt !== undefined) lines.push(`  revoked at ${s.state.revokedAt} before its grant arrived`);
  else lines.push('  no such grant is stored');
  return [...lines, ...placementsText(s.placements, width), ...progressText(progress)];
}

export function checkText(a: CheckAnswer, width: number): string[] {
  if (a.approved) return [`APPROVED at ${a.at}, resting on ${a.grants.map((g) => `${g.twinId}: ${g.grantId} v${g.version}`).join('; ')}`];
  return [
    `DENIED at ${a.at}:`,
    ...table(
      ['twin', 'code', 'grant', 'why'],
      a.reasons.map((r) => [r.twinId, r.code, r.grantId ?? '', r.message]),
      width,
    ),
  ];
}

export function historyText(h: TwinHistory, width: number): string[] {
  const rows = h.entries.map((e) => {
    const what = e.recordId.slice(e.recordId.indexOf(':') + 1);
    const batch = takedownsListed(e);
    return [
      e.at,
      e.kind,
      // A fan-out's batch: one line for its takedowns of this twin; `what` names each by its index (`<batch>_<n>`).
      batch === undefined ? e.outcome : `${batch.length} takedown${batch.length === 1 ? '' : 's'} ${e.outcome.replace(/:/, ': ')}`,
      (e.grants ?? []).map((g) => `${g.grantId} v${g.version}`).join(', '),
      (e.reasons ?? []).map((r) => `${r.code}${r.grantId ? ` (${r.grantId})` : ''}`).join(', '),
      batch === undefined ? what : `${what}: ${batch.map((t) => t.takedownId.slice(t.takedownId.lastIndexOf('_'))).join(' ')}`,
    ];
  });
  const lines = [`history of twin ${h.twinId}: ${h.entries.length} lines`];
  if (rows.length > 0) lines.push(...table(['at', 'kind', 'outcome', 'grants', 'reasons', 'what'], rows, width));
  if (h.cut) lines.push(`more follow: add --after '${h.cursor}'`);
  return lines;
}

export function statementText(s: Statement, width: number): string[] {
  const lines = [`statement of talent ${s.talentId} for ${s.month}: ${s.lines.length} paid uses`];
  if (s.lines.length > 0) {
    lines.push(
      ...table(
        ['at', 'kind', 'twin', 'grant', 'licensee', 'amount', 'currency', 'use'],
        s.lines.map((l) => [l.at, l.kind, l.twinId, l.grantId, l.licensee ?? '', String(l.amount), l.currency, l.refId]),
        width,
      ),
    );
  }
  lines.push('totals:');
  if (s.totals.length === 0) lines.push('  nothing is owed for this month');
  for (const t of s.totals) lines.push(`  ${t.currency} ${t.amount} (${t.renders} renders, ${t.placements} placements)`);
  return lines;
}

/** The statement as CSV, RFC 4180: a header, one row per paid use (totals are the sums a spreadsheet makes). */
export function statementCsv(s: Statement): string[] {
  const header = ['at', 'kind', 'talentId', 'twinId', 'grantId', 'licensee', 'amount', 'currency', 'refId', 'recordId'];
  return [
    header.join(','),
    ...s.lines.map((l) =>
      [l.at, l.kind, l.talentId, l.twinId, l.grantId, l.licensee ?? '', String(l.amount), l.currency, l.refId, l.recordId]
        .map(csvCell)
        .join(','),
    ),
  ];
}

/** Quotes a cell when it must be, and defuses a leading =, +, - or @ (a spreadsheet would run it as a formula). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function twinsText(l: TwinList, width: number): string[] {
  const what = l.prefix === '' ? 'twins' : `twins whose id starts with "${l.prefix}"`;
  if (l.twins.length === 0) return [`no ${what}`];
  return [
    `${what}: ${l.twins.length}${l.more ? ' listed, and more (narrow --prefix or raise --limit)' : ''}`,
    ...table(
      ['twin', 'talents', 'licensees', 'grants'],
      l.twins.map((t) => [t.twinId, list(t.talentIds), list(t.licensees), String(t.grants)]),
      width,
    ),
  ];
}
