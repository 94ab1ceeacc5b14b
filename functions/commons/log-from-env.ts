import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { ENV } from '../../shared/adapters/env-names.ts';
import { LocalKeySigner } from '../../shared/adapters/signing/local-key-signer.ts';
import { wireLog } from '../../shared/adapters/wire.ts';
import type { LogDeps, LogSettings } from '../../shared/ports/log-deps.ts';
import type { Signer } from '../../shared/ports/signer.ts';
import { requiredEnv } from './config.ts';
import { ConfigurationError } from './errors.ts';

/** The log's side of the composition root, from the environment: the audit table, the signing key, the grace. */
export async function logFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<LogDeps> {
  return wireLog({
    db: documentClient(),
    tables: { audit: requiredEnv(ENV.auditTable, env) },
    signer: await signerFromEnv(env),
    settings: logSettingsFromEnv(env),
  });
}

/** A key file (the local runtime) when one is named, else the KMS key (deployed). */
export async function signerFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Signer> {
  const file = env[ENV.log.signingKeyFile];
  if (file) return LocalKeySigner.fromFile(file);
  return kmsSigner(requiredEnv(ENV.log.signingKeyArn, env));
}

/**
 * The signer of consent credentials, when the function has a key: a key file (the local
 * runtime; read at the first signature, then kept) or the KMS key (deployed: the approving
 * functions alone get its ARN and kms:Sign). Undefined otherwise: approvals then carry none.
 */
export function credentialSignerFromEnv(env: NodeJS.ProcessEnv = process.env): Signer | undefined {
  const file = env[ENV.log.signingKeyFile];
  if (file) return firstUse(() => LocalKeySigner.fromFile(file));
  const arn = env[ENV.log.signingKeyArn];
  return arn ? kmsSigner(arn) : undefined;
}

/**
 * A signer with the KMS key `keyId`. Every function imports this module and most have no key:
 * the KMS client is loaded only by those that have one, not by importing the module.
 */
function kmsSigner(keyId: string): Signer {
  return firstUse(async () => {
    const { sdk, KmsSigner } = await loadKms();
    return new KmsSigner(new sdk.KMSClient({}), keyId);
  });
}

/** A signer made at its first use and kept; one that could not be made is tried again at the next. */
function firstUse(make: () => Promise<Signer>): Signer {
  let made: Promise<Signer> | undefined;
  const signer = () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
  return { publicJwk: async () => (await signer()).publicJwk(), sign: async (payload, typ) => (await signer()).sign(payload, typ) };
}

const importKms = async () => {
  const [sdk, { KmsSigner }] = await Promise.all([import('@aws-sdk/client-kms'), import('../../shared/adapters/signing/kms-signer.ts')]);
  return { sdk, KmsSigner };
};
let kms: ReturnType<typeof importKms> | undefined;
function loadKms(): ReturnType<typeof importKms> {
  kms ??= importKms().catch((error: unknown) => {
    kms = undefined;
    throw error;
  });
  return kms;
}

// A function that has a key starts loading the client while it initialises (at full CPU, before
// its first event), as a static import did; the adapters are wired only at the first event.
if (process.env[ENV.log.signingKeyArn]) loadKms().catch(() => undefined);

export function logSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<LogSettings> {
  const grace = env[ENV.log.sealGraceSeconds];
  if (grace === undefined || grace === '') return {};
  const seconds = Number(grace);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new ConfigurationError(`${ENV.log.sealGraceSeconds} must be a positive number of seconds`);
  return { graceMs: seconds * 1000 };
}
