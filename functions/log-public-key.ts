import { KMSClient } from '@aws-sdk/client-kms';
import { jwksOf } from '../shared/adapters/signing/jwk.ts';
import { publicJwkOfKmsKey } from '../shared/adapters/signing/kms-signer.ts';
import { logger } from './commons/powertools.ts';

/** What CloudFormation sends a custom resource (the fields this one reads). */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: { KeyArn?: string };
}

/**
 * The custom resource behind the stack output `LogJwks`: reads the public key of the log's
 * KMS signing key and answers CloudFormation with the JWKS document a verifier needs, so an
 * agency can take it from the stack's outputs. It always answers (SUCCESS or FAILED), so a
 * deployment never hangs on it; deleting it deletes nothing.
 */
export const handler = (event: CustomResourceEvent): Promise<void> => answer(event, new KMSClient({}));

/** Answers one CloudFormation request through its pre-signed response URL. */
export async function answer(event: CustomResourceEvent, kms: Pick<KMSClient, 'send'>): Promise<void> {
  const keyArn = event.ResourceProperties.KeyArn ?? '';
  let body: Record<string, unknown>;
  try {
    const data = event.RequestType === 'Delete' ? {} : await jwksData(kms, keyArn);
    body = { Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId ?? `log-jwks-${keyArn}`, Data: data };
  } catch (error) {
    logger.error('cannot read the log key', { error });
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    body = { Status: 'FAILED', Reason: reason.slice(0, 500), PhysicalResourceId: event.PhysicalResourceId ?? `log-jwks-${keyArn}` };
  }
  const text = JSON.stringify({ ...body, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId });
  const response = await fetch(event.ResponseURL, { method: 'PUT', body: text, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`CloudFormation refused the answer: ${response.status}`);
}

async function jwksData(kms: Pick<KMSClient, 'send'>, keyArn: string): Promise<{ Jwks: string; Kid: string }> {
  const jwk = await publicJwkOfKmsKey(kms, keyArn);
  return { Jwks: JSON.stringify(jwksOf(jwk)), Kid: jwk.kid };
}
