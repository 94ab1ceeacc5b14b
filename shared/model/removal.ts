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

/**
 * Gone means the server itself says so: 404 Not Found or 410 Gone. Anything else, an error
 * or a refusal included, is not proof of removal. A channel-specific rule (a channel that
 * answers 200 with a "removed" page) is the extension point: it would be a status list in
 * that channel's config, passed here; none is configured today.
 */
export function isGone(probe: RemovalProbe, goneStatuses: readonly number[] = [404, 410]): boolean {
  return probe.kind === 'status' && goneStatuses.includes(probe.status);
}

/** One line for the audit and the event: what the look found, bounded. */
export function describeProbe(probe: RemovalProbe): string {
  const text = probe.kind === 'status' ? `HTTP ${probe.status}` : `${probe.kind}: ${probe.reason}`;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
