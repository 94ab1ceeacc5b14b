/** What one webhook POST came to; the retry policy decides what follows from it. */
export type WebhookOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth trying again later. `status` is absent when no HTTP response came back. */
  | { kind: 'retryable'; status?: number; error: string; retryAfterMs?: number }
  /** The partner refused the request itself; sending it again will not help. */
  | { kind: 'rejected'; status: number; error: string };
