/**
 * Verified removal: after a channel reports a takedown completed, TwinGuard fetches the
 * placement's URL itself, a few times over a window, before it says the content is gone.
 */

/** What one look at a URL found. */
export type RemovalProbe =
  /** The server answered with this status (a redirect is an answer: the URL still serves something). */
  | { kind: 'status'; status: number }
  /** Not fetched, by policy: a scheme other than https, a private address, credentials in the URL. */
  | { kind: 'refused'; reason: string }
  /** Fetched, but no status came back in time (timeout, connection refused, DNS failure, TLS error). */
  | { kind: 'error'; reason: string };

/** How many looks, how far apart; the first look is at the first sweep after the report. */
export interface RemovalSchedule {
  checks: number;
  intervalSeconds: number;
}

/** Deployed: 3 looks over 10 minutes (now, +5 min, +10 min). */
export const DEFAULT_REMOVAL_SCHEDULE: RemovalSchedule = Object.freeze({ checks: 3, intervalSeconds: 300 });

/** Gone means the server itself says so: 404 Not Found or 410 Gone, unless the channel's rule says otherwise. */
export const DEFAULT_GONE_STATUSES: readonly number[] = Object.freeze([404, 410]);

/**
 * Gone means the server itself says so: one of `goneStatuses` (404 or 410 unless the
 * channel's rule names others, e.g. 451). Anything else, an error or a refusal included, is
 * not proof of removal.
 */
export function isGone(probe: RemovalProbe, goneStatuses: readonly number[] = DEFAULT_GONE_STATUSES): boolean {
  return probe.kind === 'status' && goneStatuses.includes(probe.status);
}

/** Channel name to the statuses that mean "gone" on it; channels not named use `DEFAULT_GONE_STATUSES`. */
export type GoneStatuses = ReadonlyMap<string, readonly number[]>;

/** At most this many channels carry a rule, and a rule names at most this many statuses. */
export const MAX_GONE_RULES = 100;
export const MAX_GONE_STATUSES = 8;

/** The statuses that mean "gone" on `channel`. */
export function goneStatusesOf(rules: GoneStatuses | undefined, channel: string): readonly number[] {
  return rules?.get(channel) ?? DEFAULT_GONE_STATUSES;
}

/**
 * Validates the per-channel "gone" rules: `{ "<channel>": [404, 410, 451] }`. A rule lists 1
 * to 8 distinct 4xx statuses: a 4xx is the server's own "not here for you"; a 2xx or 3xx
 * would call a page still served gone, and a 5xx is an outage, not a removal. Throws a
 * RangeError naming every problem.
 */
export function parseGoneStatuses(value: unknown): GoneStatuses {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RangeError(
      'the gone statuses must be an object mapping channel names to lists of HTTP statuses, e.g. {"web": [404, 410, 451]}',
    );
  const entries = Object.entries(value);
  const problems: string[] = [];
  if (entries.length > MAX_GONE_RULES) problems.push(`at most ${MAX_GONE_RULES} channels may have a rule, got ${entries.length}`);
  const rules = new Map<string, readonly number[]>();
  for (const [channel, list] of entries.slice(0, MAX_GONE_RULES)) {
    const name = channel.length > 60 ? `${channel.slice(0, 59)}…` : channel;
    if (channel === '' || channel.length > 256) problems.push(`"${name}": a channel name must be 1 to 256 characters`);
    else if (!Array.isArray(list) || list.length === 0 || list.length > MAX_GONE_STATUSES)
      problems.push(`"${name}": must be a list of 1 to ${MAX_GONE_STATUSES} HTTP statuses`);
    else if (!list.every((s) => Number.isInteger(s) && s >= 400 && s <= 499))
      problems.push(`"${name}": every status must be a 4xx (400 to 499): a 2xx or 3xx is still served, a 5xx is an outage`);
    else if (new Set(list).size !== list.length) problems.push(`"${name}": must not repeat a status`);
    else rules.set(channel, Object.freeze([...(list as number[])]));
  }
  if (problems.length > 0) throw new RangeError(`invalid gone statuses: ${problems.join('; ')}`);
  return rules;
}

/** One line for the audit and the event: what the look found, bounded. */
export function describeProbe(probe: RemovalProbe): string {
  const text = probe.kind === 'status' ? `HTTP ${probe.status}` : `${probe.kind}: ${probe.reason}`;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
