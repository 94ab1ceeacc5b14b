/**
 * The webhook channels file (`--channels FILE`, EVENTS.md "Local runtime"), also the value
 * of the deployed channels secret:
 *   { "<channel>": { "url": "https://...", "secret": "..." } }
 * or, during a secret rotation, the new secret first and the old one second:
 *   { "<channel>": { "url": "https://...", "secrets": ["<new>", "<old>"] } }
 * (one of `secret` and `secrets`, not both). A secret is `whsec_` and the base64 of 24 to 64
 * random bytes (Standard Webhooks), or a plain passphrase of 16 to 256 characters (its UTF-8
 * bytes are the key); see signature.ts. Channels not listed are `event` channels. Unknown
 * extra fields are ignored, as in events.
 */
import * as z from 'zod/mini';

import type { WebhookChannel } from '../../ports/channel-directory.ts';
import { ChannelConfigError, type ChannelConfigIssue } from './errors.ts';
import { MAX_SECRETS, secretProblem } from './signature.ts';

export type { WebhookChannel };

/** Channel name to its webhook; a Map so that a channel named e.g. `constructor` is not found on Object.prototype. */
export type WebhookChannels = ReadonlyMap<string, Readonly<WebhookChannel>>;

export interface ChannelConfigOptions {
  /**
   * Allow plain http to any host. Without it, http is accepted only for loopback hosts
   * (a partner mock on the same machine); everything else must be https, because the
   * body names real people's twins.
   * @default false
   */
  allowInsecureHttp?: boolean;
}

const requiredString = z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') });

const secretString = requiredString.check(
  z.superRefine((secret, ctx) => {
    const problem = secretProblem(secret);
    // `input` is left out on purpose: an issue must never carry the secret.
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: undefined });
  }),
);

const ENTRY_SHAPE = 'must be an object like { "url": "https://...", "secret": "..." }';

export function channelSchema(options: ChannelConfigOptions = {}) {
  return z
    .object(
      {
        url: requiredString.check(
          z.superRefine((url, ctx) => {
            const problem = urlProblem(url, options);
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: url });
          }),
        ),
        secret: z.optional(secretString),
        secrets: z.optional(
          z.array(secretString, { error: 'must be a list of secrets, the new one first' }).check(
            // zod runs these checks after a failed type check too (a string has a length).
            z.superRefine((list, ctx) => {
              const problem = Array.isArray(list) ? secretsProblem(list) : undefined;
              if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: undefined });
            }),
          ),
        ),
      },
      { error: ENTRY_SHAPE },
    )
    .check(
      z.superRefine((entry, ctx) => {
        if (entry.secret !== undefined && entry.secrets !== undefined) {
          ctx.addIssue({ code: 'custom', message: 'give "secret" or "secrets", not both', input: undefined });
        } else if (entry.secret === undefined && entry.secrets === undefined) {
          ctx.addIssue({ code: 'custom', message: 'is required (or "secrets" during a rotation)', path: ['secret'], input: undefined });
        }
      }),
    );
}

export function channelsFileSchema(options: ChannelConfigOptions = {}) {
  return z.record(
    z.string().check(z.minLength(1, 'a channel name must not be empty'), z.maxLength(256, 'a channel name must be at most 256 characters')),
    channelSchema(options),
    { error: 'must be a JSON object mapping channel names to { "url": ..., "secret": ... }' },
  );
}

/** Validates an already-parsed channels value. Throws ChannelConfigError naming every problem. */
export function parseChannels(value: unknown, options: ChannelConfigOptions = {}): WebhookChannels {
  const result = z.safeParse(channelsFileSchema(options), value);
  const issues = result.success ? [] : result.error.issues.map(toIssue);
  // zod drops an own `__proto__` key (JSON.parse makes one) without a word; say so instead.
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
    issues.push({ channel: '__proto__', message: 'is a reserved name, choose another' });
  }
  if (!result.success || issues.length > 0) throw new ChannelConfigError(issues);
  return new Map(
    Object.entries(result.data).map(([name, ch]) => {
      const secrets = Object.freeze(ch.secrets ?? [ch.secret!]);
      return [name, Object.freeze({ url: ch.url, secrets })];
    }),
  );
}

/** Parses the text of a channels file. Throws ChannelConfigError for bad JSON too. */
export function parseChannelsFile(text: string, options: ChannelConfigOptions = {}): WebhookChannels {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Only the position is kept: V8's message quotes the text, and the text holds secrets.
    const position = /position (\d+)/.exec(String(error))?.[1];
    const where = position === undefined ? '' : ` (at character ${position})`;
    throw new ChannelConfigError([{ message: `is not valid JSON${where}` }]);
  }
  return parseChannels(value, options);
}

function secretsProblem(list: readonly unknown[]): string | undefined {
  if (list.length === 0) return 'must hold at least one secret';
  if (list.length > MAX_SECRETS) return `must hold at most ${MAX_SECRETS} secrets (the new one and the old one)`;
  if (new Set(list).size !== list.length) return 'must not repeat a secret';
  return undefined;
}

function urlProblem(url: string, options: ChannelConfigOptions): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL such as https://partner.example/twinguard';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not contain a user name or password (the secret goes in "secret")';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol !== 'http:') return 'must use https';
  if (options.allowInsecureHttp === true || isLoopback(parsed.hostname)) return undefined;
  return 'must use https (plain http is allowed only for localhost)';
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function toIssue(issue: z.core.$ZodIssue): ChannelConfigIssue {
  const [channel, name, ...at] = issue.path.map(String);
  // `secrets[1]`: which secret of the list, never its value.
  const field = name === undefined ? undefined : name + at.map((i) => `[${i}]`).join('');
  // A bad key reports its reasons one level down.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return {
    ...(channel !== undefined && { channel }),
    ...(field !== undefined && { field }),
    message,
  };
}
