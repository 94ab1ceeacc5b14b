import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { accessKeyIdOf, parseAccountsFile } from '../../local/bus/access-keys.ts';
import { AccountsFileError } from '../../local/bus/errors.ts';
import { entry, recordingServer } from './helpers.ts';

const BRAND = '000000000000';
const AGENCY = '111111111111';

type Setup = Awaited<ReturnType<typeof recordingServer>>;
const started: Setup[] = [];
const clients: EventBridgeClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const setup of started.splice(0)) {
    setup.client.destroy();
    await setup.server.close();
  }
});

async function server(accounts?: ReadonlyMap<string, string>): Promise<Setup> {
  const setup = await recordingServer(accounts === undefined ? {} : { accounts });
  started.push(setup);
  return setup;
}

/** The real SDK, signing with the given access key. */
function as(url: string, accessKeyId: string): EventBridgeClient {
  const client = new EventBridgeClient({ endpoint: url, region: 'eu-north-1', credentials: { accessKeyId, secretAccessKey: 'secret' } });
  clients.push(client);
  return client;
}

describe('the caller’s account comes from the access key that signed the call', () => {
  it('stamps each event with the account of its caller’s key, as EventBridge does', async () => {
    const { server: s, received } = await server(
      new Map([
        ['BRANDKEY', BRAND],
        ['AGENCYKEY', AGENCY],
      ]),
    );
    await as(s.url, 'AGENCYKEY').send(new PutEventsCommand({ Entries: [entry({ n: 1 })] }));
    await as(s.url, 'BRANDKEY').send(new PutEventsCommand({ Entries: [entry({ n: 2 })] }));
    expect(received.map((r) => [r.envelope.detail, r.envelope.account])).toEqual([
      [{ n: 1 }, AGENCY],
      [{ n: 2 }, BRAND],
    ]);
  });

  it('refuses a key it does not know as a whole request, as AWS refuses an invalid token', async () => {
    const { server: s, received } = await server(new Map([['BRANDKEY', BRAND]]));
    await expect(as(s.url, 'STRANGERKEY').send(new PutEventsCommand({ Entries: [entry({ n: 1 })] }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(received).toEqual([]);
  });

  it('refuses an unsigned request', async () => {
    const { server: s, received } = await server(new Map([['BRANDKEY', BRAND]]));
    const response = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({ Entries: [entry({ n: 1 })] }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    expect(received).toEqual([]);
  });

  it('without an accounts map, every caller is the local account', async () => {
    const { server: s, received } = await server();
    await as(s.url, 'ANYKEY').send(new PutEventsCommand({ Entries: [entry({ n: 1 })] }));
    expect(received.map((r) => r.envelope.account)).toEqual([BRAND]);
  });
});

describe('the accounts file', () => {
  it('maps access key ids to account ids', () => {
    expect(parseAccountsFile(JSON.stringify({ BRANDKEY: BRAND, AGENCYKEY: AGENCY }))).toEqual(
      new Map([
        ['BRANDKEY', BRAND],
        ['AGENCYKEY', AGENCY],
      ]),
    );
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['a list', '["BRANDKEY"]', 'expected a JSON object'],
    ['an empty object', '{}', 'maps no access key'],
    ['a short account id', '{"K1":"1234"}', 'access key "K1": "1234" is not a 12-digit AWS account id'],
    ['a number for an account id', '{"K1":111111111111}', 'access key "K1": 111111111111 is not a 12-digit AWS account id'],
    ['a key with a slash', '{"K/1":"111111111111"}', '"K/1" is not an access key id'],
  ])('refuses %s, saying why', (_what, text, message) => {
    expect(() => parseAccountsFile(text)).toThrow(AccountsFileError);
    expect(() => parseAccountsFile(text)).toThrow(message);
  });

  it('reads the key id from a SigV4 Authorization header, and nothing from anything else', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-north-1/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
    expect(accessKeyIdOf(header)).toBe('AKIDEXAMPLE');
    expect(accessKeyIdOf(undefined)).toBeUndefined();
    expect(accessKeyIdOf('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(accessKeyIdOf('AWS4-HMAC-SHA256 Credential=/20261130/x')).toBeUndefined();
  });
});
