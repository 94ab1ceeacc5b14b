import type { Grant } from '../model/consent/grant.ts';
import { type ApprovedUse, CREDENTIAL_TYP, credentialClaims, credentialPayload } from '../model/credentials/consent-credential.ts';
import type { Deps } from '../ports/deps.ts';

/**
 * The consent credential of an approved decision, or undefined when no signer is wired.
 * Signed while deciding, before the commit: a duplicate that decides again signs again, but
 * only the outbox of the first commit is ever published, so one decision has one credential.
 */
export async function issueCredential(
  deps: Pick<Deps, 'credentials'>,
  use: ApprovedUse,
  covering: readonly Grant[],
  now: Date,
): Promise<string | undefined> {
  if (deps.credentials === undefined) return undefined;
  return deps.credentials.sign(credentialPayload(credentialClaims(use, covering, now)), CREDENTIAL_TYP);
}
