import { jwksOf } from '../../shared/adapters/signing/jwk.ts';
import { LocalKeySigner, newPrivateJwk } from '../../shared/adapters/signing/local-key-signer.ts';
import { wireLog } from '../../shared/adapters/wire.ts';
import type { LogSettings } from '../../shared/ports/log-deps.ts';
import type { Clock } from '../../shared/ports/ports.ts';
import { db } from './harness.ts';

/** The transparency log of a test world: its own namespace in the shared audit table, a fresh key, the world's clock. */
export async function logOf(w: { tables: { audit: string; logNamespace?: string }; clock: Clock }, settings: Partial<LogSettings> = {}) {
  const signer = await LocalKeySigner.fromJwk(await newPrivateJwk());
  const deps = wireLog({ db, tables: w.tables, signer, clock: w.clock, settings: { graceMs: 5_000, ...settings } });
  return { deps, jwks: jwksOf(await signer.publicJwk()) };
}

/** Moves a fixed clock on by `seconds`. */
export function later(w: { clock: { current: Date } }, seconds: number): void {
  w.clock.current = new Date(w.clock.current.getTime() + seconds * 1000);
}
