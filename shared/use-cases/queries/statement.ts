import { usageRecordId } from '../../model/log/usage-record-id.ts';
import type { UsageRecord } from '../../model/records.ts';
import type { QueryDeps } from './query-deps.ts';

export interface StatementLine extends UsageRecord {
  /** The brand that used the twin (the grant's licensee); absent when the grant is no longer stored. */
  licensee?: string;
  /** The usage record this line is, in the transparency log: `npm run log -- prove --record <recordId>` proves it. */
  recordId: string;
}

export interface CurrencyTotal {
  currency: string;
  renders: number;
  placements: number;
  amount: number;
}

export interface Statement {
  talentId: string;
  month: string;
  lines: StatementLine[];
  /** Per currency, sorted by code; amounts summed exactly to 1/10,000 of a unit. */
  totals: CurrencyTotal[];
  /** The ledger holds more lines than MAX_STATEMENT_LINES: lines and totals are of the first ones. */
  cut: boolean;
}

/** One statement reads at most this many usage lines (50 Queries). */
export const MAX_STATEMENT_LINES = 5000;
const USAGE_PAGE = 100;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export function isMonth(value: string): boolean {
  return MONTH.test(value);
}

/**
 * What a talent is owed for a month: every paid use exactly as the usage ledger holds it
 * (one line per `Usage Recorded`), with the licensee of its grant, and totals per currency.
 */
export async function statement(deps: QueryDeps, talentId: string, month: string, max = MAX_STATEMENT_LINES): Promise<Statement> {
  if (!isMonth(month)) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month.slice(0, 20))}`);
  const usage: UsageRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.queries.usagePage(talentId, month, cursor, Math.min(USAGE_PAGE, max - usage.length));
    usage.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && usage.length < max);
  // A full last page comes with a cursor too: look before saying "cut".
  const cut = cursor !== undefined && (await deps.queries.usagePage(talentId, month, cursor, 1)).items.length > 0;
  const licensees = await licenseesOf(deps, usage);
  const lines = usage.map((u) => {
    const licensee = licensees.get(`${u.twinId}\n${u.grantId}`);
    return { ...u, ...(licensee === undefined ? {} : { licensee }), recordId: usageRecordId(u) };
  });
  return { talentId, month, lines, totals: totalsOf(usage), cut };
}

/** One grant read per twin named in the statement (a talent has a few twins). */
async function licenseesOf(deps: QueryDeps, usage: readonly UsageRecord[]): Promise<Map<string, string>> {
  const twins = [...new Set(usage.map((u) => u.twinId))];
  const found = new Map<string, string>();
  for (const twinId of twins) {
    for (const g of await deps.queries.grantsOfTwin(twinId)) found.set(`${twinId}\n${g.grantId}`, g.licensee);
  }
  return found;
}

/** Sums in integer ten-thousandths, so 0.1 + 0.2 is 0.3 (rates are money). */
export function totalsOf(usage: readonly UsageRecord[]): CurrencyTotal[] {
  const byCurrency = new Map<string, { renders: number; placements: number; units: number }>();
  for (const u of usage) {
    const t = byCurrency.get(u.currency) ?? { renders: 0, placements: 0, units: 0 };
    byCurrency.set(u.currency, t);
    if (u.kind === 'render') t.renders++;
    else t.placements++;
    t.units += Math.round(u.amount * 10_000);
  }
  return [...byCurrency]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, t]) => ({ currency, renders: t.renders, placements: t.placements, amount: t.units / 10_000 }));
}
