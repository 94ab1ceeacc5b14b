/**
 * Where the webhook connector finds a channel's URL and secret (EVENTS.md "Channels").
 * A channel that is not listed is an `event` channel: its connector answers on the bus.
 *
 * - Local runtime: the `--channels` file, passed as `CHANNELS_FILE`.
 * - Deployed: a Secrets Manager secret (`CHANNELS_SECRET_ARN`) whose SecretString is the
 *   same JSON, so no secret is ever in the template, the environment or the logs.
 *
 * Nothing here logs, and no error message quotes the file or secret text
 * (see `parseChannelsFile`), because both hold the channels' signing secrets.
 */
import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient, type GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import type { ChannelDirectory } from '../../ports/channel-directory.ts';
import { ENV } from '../env-names.ts';
import { parseChannelsFile, type WebhookChannel, type WebhookChannels } from './channel-config.ts';
import { ChannelConfigError, ChannelSourceError } from './errors.ts';

export type { ChannelDirectory };

/** How long a secret read from Secrets Manager is used before it is read again. */
export const SECRET_CACHE_MS = 5 * 60_000;

/** No webhook channels at all: every channel is an event channel. */
export const emptyChannelDirectory: ChannelDirectory = { webhook: async () => undefined };

/** A fixed set of channels (tests, or a caller that parsed them itself). */
export class StaticChannelDirectory implements ChannelDirectory {
  constructor(private readonly channels: WebhookChannels) {}
  async webhook(channel: string): Promise<WebhookChannel | undefined> {
    return this.channels.get(channel);
  }
}

/**
 * The channels file of the local runtime, read once at the first lookup (the runtime has
 * already checked it at start). Plain http is accepted for loopback hosts only, so a partner
 * mock on the same machine works. A failed read is tried again at the next lookup.
 */
export class FileChannelDirectory implements ChannelDirectory {
  #loading: Promise<WebhookChannels> | undefined;

  constructor(
    private readonly path: string,
    private readonly read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
  ) {}

  async webhook(channel: string): Promise<WebhookChannel | undefined> {
    return (await this.channels()).get(channel);
  }

  private channels(): Promise<WebhookChannels> {
    if (this.#loading === undefined) {
      const loading = this.read(this.path).then(
        (text) => parseChannelsFile(text),
        (error: unknown) => {
          // The fs error names the path and its code only, never the content.
          throw new ChannelSourceError(`cannot read the channels file ${this.path} (${(error as { code?: string }).code ?? 'error'})`, {
            cause: error,
          });
        },
      );
      loading.catch(() => {
        if (this.#loading === loading) this.#loading = undefined;
      });
      this.#loading = loading;
    }
    return this.#loading;
  }
}

/** The one call of Secrets Manager this needs; a fake in tests. */
export interface SecretsReader {
  send(command: GetSecretValueCommand): Promise<Pick<GetSecretValueCommandOutput, 'SecretString' | 'SecretBinary'>>;
}

export interface SecretChannelDirectoryOptions {
  /** @default SECRET_CACHE_MS (5 minutes) */
  cacheMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The channels held in a Secrets Manager secret, as the same JSON as the channels file.
 * Read at the first lookup and again once the copy is `cacheMs` old, so that a rotated
 * partner secret takes effect within minutes without a deployment; concurrent lookups share
 * one read. https is required except for loopback hosts. A failed read is not cached: it
 * throws, the invocation fails and is retried.
 */
export class SecretChannelDirectory implements ChannelDirectory {
  #cached: { channels: WebhookChannels; readAt: number } | undefined;
  #reading: Promise<WebhookChannels> | undefined;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsReader,
    private readonly secretId: string,
    options: SecretChannelDirectoryOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? SECRET_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  async webhook(channel: string): Promise<WebhookChannel | undefined> {
    return (await this.channels()).get(channel);
  }

  private channels(): Promise<WebhookChannels> {
    const cached = this.#cached;
    if (cached !== undefined && this.now() - cached.readAt < this.cacheMs) return Promise.resolve(cached.channels);
    if (this.#reading === undefined) {
      const reading = this.readSecret().then((channels) => {
        this.#cached = { channels, readAt: this.now() };
        return channels;
      });
      const clear = () => {
        if (this.#reading === reading) this.#reading = undefined;
      };
      reading.then(clear, clear);
      this.#reading = reading;
    }
    return this.#reading;
  }

  private async readSecret(): Promise<WebhookChannels> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const text = out.SecretString ?? (out.SecretBinary === undefined ? undefined : Buffer.from(out.SecretBinary).toString('utf8'));
    if (text === undefined) throw new ChannelSourceError(`the channels secret ${this.secretId} has no value`);
    try {
      return parseChannelsFile(text);
    } catch (error) {
      if (!(error instanceof ChannelConfigError)) throw error;
      // ChannelConfigError names channels and fields, never values: safe to pass on.
      throw new ChannelSourceError(`the channels secret ${this.secretId} is invalid: ${error.message.replace(/\s*\n\s*/g, ' ')}`, {
        cause: error,
      });
    }
  }
}

/**
 * The directory the environment asks for: `CHANNELS_SECRET_ARN` (deployed) or
 * `CHANNELS_FILE` (local runtime), else none (every channel is an event channel).
 */
export function channelDirectoryFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  secrets: () => SecretsReader = () => new SecretsManagerClient({}),
): ChannelDirectory {
  const secretArn = env[ENV.channelsSecret] || undefined;
  const file = env[ENV.channelsFile] || undefined;
  if (secretArn !== undefined && file !== undefined) {
    throw new ChannelSourceError(`set ${ENV.channelsSecret} (deployed) or ${ENV.channelsFile} (local runtime), not both`);
  }
  if (secretArn !== undefined) return new SecretChannelDirectory(secrets(), secretArn);
  if (file !== undefined) return new FileChannelDirectory(file);
  return emptyChannelDirectory;
}
