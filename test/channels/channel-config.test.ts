import { describe, expect, it } from 'vitest';
import { parseChannels, parseChannelsFile } from '../../shared/adapters/webhook/channel-config.ts';
import { ChannelConfigError, type ChannelConfigIssue } from '../../shared/adapters/webhook/errors.ts';

const secret = 'whsec-do-not-print-me';

function configError(run: () => unknown): ChannelConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ChannelConfigError) return error;
    throw error;
  }
  throw new Error('expected a ChannelConfigError');
}

function issuesOf(run: () => unknown): readonly ChannelConfigIssue[] {
  return configError(run).issues;
}

describe('parseChannelsFile', () => {
  it('reads webhook channels into a Map and ignores unknown fields', () => {
    const channels = parseChannelsFile(
      JSON.stringify({
        instagram: { url: 'https://partner.example/ig', secret, comment: 'ops ticket 12' },
        web: { url: 'http://127.0.0.1:8080/takedowns', secret: 'another-plain-secret' },
      }),
    );
    expect([...channels.keys()]).toEqual(['instagram', 'web']);
    expect(channels.get('instagram')).toEqual({ url: 'https://partner.example/ig', secrets: [secret] });
    expect(channels.get('web')?.url).toBe('http://127.0.0.1:8080/takedowns');
  });

  it('finds no channel by a name that only Object.prototype has', () => {
    const channels = parseChannelsFile('{}');
    expect(channels.size).toBe(0);
    expect(channels.get('constructor')).toBeUndefined();
    expect(channels.get('toString')).toBeUndefined();
  });

  it('names the channel and the field of every problem at once', () => {
    const error = configError(() =>
      parseChannelsFile(JSON.stringify({ instagram: { url: 'https://ok.example' }, web: { url: 42, secret } })),
    );
    expect(error.issues).toEqual([
      { channel: 'instagram', field: 'secret', message: 'is required (or "secrets" during a rotation)' },
      { channel: 'web', field: 'url', message: 'must be a string' },
    ]);
    expect(error.message).toContain('channel "instagram": secret is required (or "secrets" during a rotation)');
    expect(error.message).toContain('channel "web": url must be a string');
  });

  it.each([
    ['http://partner.example/x', 'must use https (plain http is allowed only for localhost)'],
    ['ftp://partner.example/x', 'must use https'],
    ['partner.example/x', 'must be an absolute URL such as https://partner.example/twinguard'],
    [`https://ops:${secret}@partner.example/x`, 'must not contain a user name or password (the secret goes in "secret")'],
  ])('refuses url %s', (url, message) => {
    expect(issuesOf(() => parseChannels({ ads: { url, secret } }))).toEqual([{ channel: 'ads', field: 'url', message }]);
  });

  it.each(['http://localhost:9000/x', 'http://127.0.0.1/x', 'http://127.1.2.3:1/x', 'http://[::1]:9000/x'])(
    'allows plain http to loopback %s',
    (url) => {
      expect(parseChannels({ web: { url, secret } }).get('web')?.url).toBe(url);
    },
  );

  it('allows plain http anywhere only when asked to', () => {
    const file = { web: { url: 'http://partner-mock:8080/x', secret } };
    expect(() => parseChannels(file)).toThrow(ChannelConfigError);
    expect(parseChannels(file, { allowInsecureHttp: true }).get('web')?.url).toBe('http://partner-mock:8080/x');
  });

  it.each([
    [
      'an empty secret',
      { web: { url: 'https://a.example', secret: '' } },
      { channel: 'web', field: 'secret', message: 'must not be empty' },
    ],
    [
      'an entry that is not an object',
      { web: 'https://a.example' },
      { channel: 'web', message: 'must be an object like { "url": "https://...", "secret": "..." }' },
    ],
    ['an empty channel name', { '': { url: 'https://a.example', secret } }, { channel: '', message: 'a channel name must not be empty' }],
    ['a file that is an array', [], { message: 'must be a JSON object mapping channel names to { "url": ..., "secret": ... }' }],
  ])('explains %s', (_, file, issue) => {
    expect(issuesOf(() => parseChannels(file))).toEqual([issue]);
  });

  it('takes "secrets" during a rotation, the new one first, and reads "secret" as a list of one', () => {
    const next = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const channels = parseChannels({
      web: { url: 'https://a.example', secrets: [next, secret] },
      ads: { url: 'https://b.example', secrets: [secret] },
    });
    expect(channels.get('web')).toEqual({ url: 'https://a.example', secrets: [next, secret] });
    expect(channels.get('ads')).toEqual({ url: 'https://b.example', secrets: [secret] });
    expect(Object.isFrozen(channels.get('web')?.secrets)).toBe(true);
  });

  it.each([
    ['both "secret" and "secrets"', { secret, secrets: [secret] }, [{ channel: 'web', message: 'give "secret" or "secrets", not both' }]],
    ['neither', {}, [{ channel: 'web', field: 'secret', message: 'is required (or "secrets" during a rotation)' }]],
    ['an empty list', { secrets: [] }, [{ channel: 'web', field: 'secrets', message: 'must hold at least one secret' }]],
    [
      'three secrets',
      { secrets: [`${secret}-1`, `${secret}-2`, `${secret}-3`] },
      [{ channel: 'web', field: 'secrets', message: 'must hold at most 2 secrets (the new one and the old one)' }],
    ],
    ['a repeated secret', { secrets: [secret, secret] }, [{ channel: 'web', field: 'secrets', message: 'must not repeat a secret' }]],
    [
      'a list that is not one',
      { secrets: secret },
      [{ channel: 'web', field: 'secrets', message: 'must be a list of secrets, the new one first' }],
    ],
    [
      'a short plain secret in the list, by its place',
      { secrets: [secret, 'short'] },
      [{ channel: 'web', field: 'secrets[1]', message: expect.stringMatching(/^must be at least 16 characters/) }],
    ],
    [
      'a whsec_ secret that is not base64 of 24 to 64 bytes',
      { secret: 'whsec_c2hvcnQ=' },
      [
        {
          channel: 'web',
          field: 'secret',
          message: expect.stringMatching(/^starts with whsec_, so the rest must be the base64 of 24 to 64/),
        },
      ],
    ],
    [
      'a secret over 256 characters',
      { secret: 'x'.repeat(257) },
      [{ channel: 'web', field: 'secret', message: 'must be at most 256 characters' }],
    ],
  ])('refuses %s', (_, secrets, issues) => {
    expect(issuesOf(() => parseChannels({ web: { url: 'https://a.example', ...secrets } }))).toEqual(issues);
  });

  it('refuses a channel named __proto__ instead of dropping it silently', () => {
    const text = `{"__proto__": {"url": "https://a.example", "secret": "${secret}"}}`;
    expect(issuesOf(() => parseChannelsFile(text))).toEqual([{ channel: '__proto__', message: 'is a reserved name, choose another' }]);
  });

  it('reports bad JSON by position, without quoting the text that holds the secrets', () => {
    const text = `{"web": {"url": "https://a.example", "secret": "${secret}",}}`;
    const issues = issuesOf(() => parseChannelsFile(text));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/^is not valid JSON/);
    expect(JSON.stringify(issues)).not.toContain(secret);
  });

  it('never prints a secret in any error', () => {
    const files = [
      { a: { url: 'http://x.example', secret } },
      { a: { url: `https://u:${secret}@x.example`, secret } },
      { a: { url: secret, secret } },
      { a: { url: 1, secret }, b: { secret } },
      { a: { url: 'https://x.example', secret: secret.slice(0, 12) } },
      { a: { url: 'https://x.example', secrets: [secret, secret] } },
      { a: { url: 'https://x.example', secrets: [secret, `whsec_${secret}`] } },
      { a: { url: 'https://x.example', secret, secrets: [secret, 'x'.repeat(300)] } },
    ];
    for (const file of files) {
      const error = configError(() => parseChannels(file));
      expect(error.issues.length).toBeGreaterThan(0);
      expect(error.message).not.toContain(secret.slice(0, 12));
      expect(JSON.stringify(error.issues)).not.toContain(secret.slice(0, 12));
      expect(JSON.stringify(error.issues)).not.toContain('x'.repeat(20));
    }
  });
});
