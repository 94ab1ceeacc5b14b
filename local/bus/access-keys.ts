import { AccountsFileError } from './errors.ts';

/**
 * Access key id to AWS account id: who the local endpoint takes a caller to be. EventBridge
 * stamps each event with the account of the credentials that signed the PutEvents call;
 * locally the `--accounts` file says which account each access key belongs to.
 */
export type AccessKeyAccounts = ReadonlyMap<string, string>;

const ACCESS_KEY_ID = /^[A-Za-z0-9]{1,128}$/;
const ACCOUNT_ID = /^\d{12}$/;

/**
 * Reads an accounts file: a JSON object `{ "<access key id>": "<12-digit account id>" }`.
 * Throws an AccountsFileError naming each bad entry.
 */
export function parseAccountsFile(text: string): AccessKeyAccounts {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AccountsFileError(`invalid accounts file: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AccountsFileError('invalid accounts file: expected a JSON object { "<access key id>": "<12-digit account id>" }');
  }
  const problems: string[] = [];
  const accounts = new Map<string, string>();
  for (const [key, account] of Object.entries(value)) {
    if (!ACCESS_KEY_ID.test(key)) problems.push(`"${key}" is not an access key id (letters and digits)`);
    else if (typeof account !== 'string' || !ACCOUNT_ID.test(account)) {
      problems.push(`access key "${key}": ${JSON.stringify(account)} is not a 12-digit AWS account id`);
    } else accounts.set(key, account);
  }
  if (accounts.size === 0 && problems.length === 0) problems.push('it maps no access key: every caller would be refused');
  if (problems.length > 0) throw new AccountsFileError(`invalid accounts file: ${problems.join('; ')}`);
  return accounts;
}

/**
 * The access key id of a SigV4-signed request, from its `Authorization` header
 * (`AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, ...`).
 * The signature is not verified: the local endpoint listens on 127.0.0.1 and knows no secrets.
 */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^AWS4-HMAC-SHA256\s+Credential=([A-Za-z0-9]+)\//.exec(authorization.trim());
  return match?.[1];
}
