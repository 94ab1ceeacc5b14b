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
        web: { url: 'http://127.0.0.1:8080/takedowns', secret: 's2' },
      }),
    );
    expect([...channels.keys()]).toEqual(['instagram', 'web']);
    expect(channels.get('instagram')).toEqual({ url: 'https://partner.example/ig', secret });
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
      { channel: 'instagram', field: 'secret', message: 'is required' },
      { channel: 'web', field: 'url', message: 'must be a string' },
    ]);
    expect(error.message).toContain('channel "instagram": secret is required');
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
    ];
    for (const file of files) {
      const error = configError(() => parseChannels(file));
      expect(error.issues.length).toBeGreaterThan(0);
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.issues)).not.toContain(secret);
    }
  });
});
