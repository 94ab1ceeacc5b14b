import { LIMITS, isWellFormed } from '../../../shared/model/events/limits.ts';
import { MAX_CHECK_TWINS, type CheckRequest } from '../../../shared/use-cases/queries/check.ts';
import { isMonth } from '../../../shared/use-cases/queries/statement.ts';

/**
 * Checks of what a person types, shared by the CLI and the console: each returns the value
 * or throws `InputError` with a message that says what would be right (never echoing more
 * than a few characters of a 300 KB paste).
 */
export class InputError extends Error {
  override name = 'InputError';
}

const shown = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** An id of the contract: 1 to 256 characters, well-formed. */
export function anId(what: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new InputError(`give ${what} (an id of 1 to ${LIMITS.id} characters)`);
  if (value.length > LIMITS.id || !isWellFormed(value)) {
    throw new InputError(`${what} must be an id of 1 to ${LIMITS.id} characters, got ${value.length} characters starting ${shown(value)}`);
  }
  return value;
}

/** A medium, channel, territory or modification: 1 to 64 characters. */
export function aName(what: string, value: string): string {
  const v = value.trim();
  if (v === '' || v.length > LIMITS.name || !isWellFormed(v)) {
    throw new InputError(`${what} must be a name of 1 to ${LIMITS.name} characters, got ${shown(value)}`);
  }
  return v;
}

/** Repeated flags and comma-separated values alike: `--territory SE --territory DE` or `--territory SE,DE`. */
export function names(what: string, values: readonly string[] | undefined): string[] {
  const all = (values ?? []).flatMap((v) => v.split(',')).filter((v) => v.trim() !== '');
  if (all.length > LIMITS.names) throw new InputError(`at most ${LIMITS.names} values of ${what}, got ${all.length}`);
  return [...new Set(all.map((v) => aName(what, v)))];
}

export function aMonth(value: string | undefined): string {
  if (value === undefined || !isMonth(value)) {
    throw new InputError(`the month must be YYYY-MM (e.g. 2026-03)${value === undefined ? '' : `, got ${shown(value)}`}`);
  }
  return value;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A day (`2026-03-01`) or an instant with its offset; answers an ISO instant in UTC, as the
 * audit trail stores them. A day as `--to` means its whole day.
 */
export function aTime(what: string, value: string | undefined, end: 'from' | 'to'): string | undefined {
  if (value === undefined || value === '') return undefined;
  const ok = value.length <= 40 && (DAY.test(value) || INSTANT.test(value)) && !Number.isNaN(Date.parse(value));
  if (!ok) throw new InputError(`${what} must be a day (2026-03-01) or an instant (2026-03-01T12:00:00Z), got ${shown(value)}`);
  if (DAY.test(value)) return end === 'from' ? `${value}T00:00:00.000Z` : `${value}T23:59:59.999Z`;
  return new Date(value).toISOString();
}

export function aLimit(value: string | undefined, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d{1,7}$/.test(value) || n < 1 || n > max)
    throw new InputError(`--limit must be a whole number from 1 to ${max}, got ${shown(value)}`);
  return n;
}

/** A check request from typed fields (flags or a form). */
export function checkRequest(fields: {
  twins: readonly string[] | undefined;
  licensee: string | undefined;
  medium: string | undefined;
  channel?: string | undefined;
  territories?: readonly string[] | undefined;
  modifications?: readonly string[] | undefined;
  unlabelled?: boolean;
}): CheckRequest {
  const twins = (fields.twins ?? []).flatMap((t) => t.split(',')).filter((t) => t.trim() !== '');
  if (twins.length === 0) throw new InputError('give the twin to check (--twin ID; several with commas)');
  if (twins.length > MAX_CHECK_TWINS) throw new InputError(`at most ${MAX_CHECK_TWINS} twins at once, got ${twins.length}`);
  const territories = names('territory', fields.territories);
  const channel = fields.channel === undefined || fields.channel.trim() === '' ? undefined : aName('channel', fields.channel);
  if (channel === undefined && territories.length > 0) {
    throw new InputError('a territory needs a channel: give --channel too (a use without a channel is a render)');
  }
  return {
    twinIds: twins.map((t) => anId('each twin', t.trim())),
    licensee: anId('the licensee', fields.licensee),
    medium: aName('the medium', fields.medium ?? ''),
    modifications: names('modification', fields.modifications),
    ...(channel === undefined ? {} : { channel, territories, aiLabelled: fields.unlabelled !== true }),
  };
}
